// Part (d): interbank Pix across a consortium of banks on this machine (each bank its own
// processes: data server on SQLite, business servers, gateway), once per coordination mode:
// 'holds' (two phases with holds, no global order) and 'token-ring' (seed 003: only the bank
// holding the token runs interbank work, ring.opsPerPass packets per pass). Customers sign up and
// log in at every bank and get a deposit; then closed-loop load sends 1-cent Pix from a random
// customer of one bank to a random customer of another, at each level of Pix in flight in turn on
// the same consortium; afterwards, once the transfers still in flight have settled, the money
// across the consortium is audited. A distance variant runs holds with every interbank call going
// through a proxy that delays each direction (banks on different machines), customers still
// calling their own bank directly.
import { randomUUID } from 'node:crypto';
import type { Pool } from 'undici';
import { isValidCpf } from '@banca/core/documents';
import { startBank, type RunningBank } from '@banca/launcher/bank';
import { memberOptions, planConsortium, startConsortium, type Coordination, type Member, type RunningConsortium } from '@banca/launcher/consortium';
import { devInterbankKeys } from '@banca/launcher/interbank-keys';
import { FaultProxy } from '@banca/testkit/fault-proxy';
import { ownChildren, Resources, stopChildren, stopOrKill } from './cleanup.js';
import { measureCpu, mergeShares, type CpuReport, type CpuTarget } from './cpu.js';
import { BUSINESS_HEADERS, getJson, keepAlivePool, postJson } from './http.js';
import { OperationError, runAll, runClosedLoop, type PhaseResult } from './load.js';
import { note } from './progress.js';
import { isReference } from './report.js';
import { ratio } from './stats.js';
import { messageOf } from '@banca/core/errors';

export interface InterbankMode {
  coordination: Coordination;
  /** token-ring: the business servers' ring.opsPerPass (the product's default is 1); null for holds. */
  opsPerPass: number | null;
  /** Interbank calls through a proxy delaying each direction by this much (ms); absent: direct. */
  distanceMs?: number;
}

export interface InterbankOptions {
  banks: number;
  modes: InterbankMode[];
  customersPerBank: number;
  /** Business servers per bank. */
  businessServers: number;
  /** Pix requests in flight: one measured phase per level and mode (the offered load of the sweep). */
  levels: number[];
  /** Measured seconds of each level. */
  seconds: number;
  warmupSeconds: number;
  /** How long to wait after the load for transfers still in flight to settle before the audit. */
  settleSeconds: number;
  progress: boolean;
}

/** What the customers were answered in the measured window. */
export interface PixAnswers {
  /** 200, status completed. */
  completed: number;
  /** 202: still pending when the bank stopped waiting (transferWaitMs). */
  pending: number;
  /** 4xx with an error code (the bank refused the Pix: insufficient funds, account locked...). */
  refused: number;
  /** 5xx or no answer at all. */
  failed: number;
  /** Refused and failed answers by error code (e.g. "refused ACCOUNT_LOCKED", "failed HTTP 503 BANK_UNAVAILABLE"). */
  byKind: Record<string, number>;
}

export interface OpenRecords {
  count: number;
  cents: number;
}

export interface BankAudit {
  bankId: number;
  transfers: number;
  /** Sum of every balance of the bank's ledger, system accounts included: zero when sound. */
  balanceSumCents: number;
  mismatchedAccounts: number;
  customersCents: number;
  /** Holds not yet posted or voided (the money in @holds). */
  openHolds: OpenRecords;
  /** Credits prepared here and not yet applied or voided. */
  pendingCredits: OpenRecords;
  /** Packets this bank coordinates that are not completed or failed yet. */
  openPackets: number;
}

/**
 * The money across the consortium, from every data server's audit and the interbank records it
 * keeps: with sound ledgers, every cent deposited is in a customer account or in flight (@holds,
 * or owed between banks), so the money in flight is what the deposits lack in customer accounts.
 */
export interface ConsortiumAudit {
  /** Every deposit the bench made, across the consortium. */
  depositedCents: number;
  customersCents: number;
  /** deposited - customers: in @holds or in the banks' @bank:<n> accounts, not yet credited. */
  inFlightCents: number;
  openHolds: OpenRecords;
  pendingCredits: OpenRecords;
  openPackets: number;
  /** Every bank's ledger sums to zero and matches its journal. */
  ledgersSound: boolean;
  /** Nothing in flight: no open hold, pending credit or open packet, and customers hold every cent deposited. */
  settled: boolean;
  /** Sound ledgers and settled: no cent created or lost. */
  ok: boolean;
  banks: BankAudit[];
}

export interface PendingOutcome {
  /** 202 answers during the load (warm-up included), followed afterwards by packet id. */
  tracked: number;
  completed: number;
  failed: number;
  /** Still not final when the settle wait ended. */
  stillPending: number;
}

export interface ServiceLog {
  warnings: number;
  errors: number;
  /** The most frequent distinct messages, "bank N level: message", with how often. */
  top: { message: string; count: number }[];
}

/**
 * What one Pix costs the banks, from their /metrics request counters over the load (warm-up
 * included), per POST /v1/me/pix the business servers answered.
 */
export interface PixCost {
  pixRequests: number;
  /** Requests to the data servers (health and metrics not counted). */
  dataRequests: number;
  /** POST /v1/commits: each one a durable SQLite transaction. */
  dataCommits: number;
  /** POST /v1/records/read and GET /v1/records/:collection. */
  recordReads: number;
  /** POST /v1/locks and /v1/locks/release. */
  lockRequests: number;
  /** Calls between banks (the business servers' /interbank/ routes). */
  interbankCalls: number;
  /** Every service's requests per Pix by route ("kind METHOD route"), the most frequent first (health and metrics not counted). */
  byRoute: Record<string, number>;
}

/** One load level of one coordination mode. */
export interface InterbankLevel {
  /** Pix in flight. */
  concurrency: number;
  /** ops: completed Pix; errors: every other answer (see answers). */
  result: PhaseResult;
  answers: PixAnswers;
  /** ops/s of this level / ops/s of the holds mode at the same level. */
  ratioToHolds: number | null;
  /** Per Pix; null when /metrics could not be read. */
  cost: PixCost | null;
  cpu: CpuReport;
}

/** One coordination mode: a fresh consortium, every level in turn, then the settle wait and the audit. */
export interface InterbankRow {
  coordination: Coordination;
  opsPerPass: number | null;
  /** The interbank links' delay each way, ms (0: direct). */
  distanceMs: number;
  /** Ascending. */
  levels: InterbankLevel[];
  /** Starting the banks, signing customers up, logging them in, depositing. */
  setupSeconds: number;
  /** Setup requests that failed and were retried (none expected). */
  setupFailures: string[];
  /** From the end of the load until settled (or the wait ran out). */
  settleSeconds: number;
  /** The 202 answers of every level. */
  pending: PendingOutcome;
  audit: ConsortiumAudit | null;
  serviceLog: ServiceLog;
}

export interface InterbankReport {
  banks: number;
  /** Pix in flight, ascending. */
  levels: number[];
  customersPerBank: number;
  businessServers: number;
  depositCents: number;
  rows: InterbankRow[];
}

const DEPOSIT = '1000.00';
const DEPOSIT_CENTS = 100_000;
const SETUP_CONCURRENCY = 6;
const JSON_HEADERS = { 'content-type': 'application/json' } as const;

interface Customer {
  bankId: number;
  cpf: string;
  accountId: string;
  /** Authorization alone (GET); with the JSON content type (POST). */
  auth: Record<string, string>;
  headers: Record<string, string>;
}

interface PendingPacket {
  bankId: number;
  auth: Record<string, string>;
  packetId: string;
  final: boolean;
  status: string;
}

function checkDigit(digits: string): number {
  let sum = 0;
  for (let index = 0; index < digits.length; index++) sum += Number(digits[index]) * (digits.length + 1 - index);
  const rest = sum % 11;
  return rest < 2 ? 0 : 11 - rest;
}

/** `count` distinct valid CPFs: 9 random digits and their two check digits. */
export function randomCpfs(count: number): string[] {
  const found = new Set<string>();
  while (found.size < count) {
    const base = String(Math.floor(Math.random() * 1e9)).padStart(9, '0');
    const first = `${base}${checkDigit(base)}`;
    const cpf = `${first}${checkDigit(first)}`;
    if (isValidCpf(cpf)) found.add(cpf);
  }
  return [...found];
}

function randomIndex(count: number): number {
  return Math.floor(Math.random() * count);
}

/** The error code of a banca error answer ({ error: { code, message } }), or the status alone. */
function errorOf(status: number, text: string): { code: string; message: string } {
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string } };
    if (body.error?.code) return { code: body.error.code, message: body.error.message ?? '' };
  } catch {
    // not JSON
  }
  return { code: `HTTP_${status}`, message: text.slice(0, 200) };
}

const RECORDS_LIMIT = 1000;

/** The values of a collection's records tagged "open" (holds held, credits pending, packets not final). */
async function openRecords(pool: Pool, collection: string): Promise<{ amountCents?: number }[]> {
  const answer = await getJson<{ records: { value: { amountCents?: number } }[] }>(pool, `/v1/records/${collection}?tag=open&limit=${RECORDS_LIMIT}`, BUSINESS_HEADERS);
  return answer.records.map((record) => record.value);
}

function tally(values: { amountCents?: number }[]): OpenRecords {
  return { count: values.length, cents: values.reduce((sum, value) => sum + (value.amountCents ?? 0), 0) };
}

/** Every bank's audit and open interbank records, summed over the consortium. */
export async function auditConsortium(dataPools: readonly Pool[], depositedCents: number): Promise<ConsortiumAudit> {
  const banks: BankAudit[] = [];
  for (const [index, pool] of dataPools.entries()) {
    const report = await getJson<{ transfers: number; balanceSumCents: number; mismatchedAccounts: string[]; customerBalanceSumCents: number }>(pool, '/v1/audit', BUSINESS_HEADERS);
    const [holds, credits, packets] = await Promise.all([openRecords(pool, 'holds'), openRecords(pool, 'credits'), openRecords(pool, 'packets')]);
    banks.push({
      bankId: index + 1, transfers: report.transfers, balanceSumCents: report.balanceSumCents, mismatchedAccounts: report.mismatchedAccounts.length,
      customersCents: report.customerBalanceSumCents, openHolds: tally(holds), pendingCredits: tally(credits), openPackets: packets.length,
    });
  }
  const sum = (pick: (bank: BankAudit) => number) => banks.reduce((total, bank) => total + pick(bank), 0);
  const customersCents = sum((bank) => bank.customersCents);
  const openHolds = { count: sum((bank) => bank.openHolds.count), cents: sum((bank) => bank.openHolds.cents) };
  const pendingCredits = { count: sum((bank) => bank.pendingCredits.count), cents: sum((bank) => bank.pendingCredits.cents) };
  const openPackets = sum((bank) => bank.openPackets);
  const ledgersSound = banks.every((bank) => bank.balanceSumCents === 0 && bank.mismatchedAccounts === 0);
  const inFlightCents = depositedCents - customersCents;
  const settled = openHolds.count === 0 && pendingCredits.count === 0 && openPackets === 0 && inFlightCents === 0;
  return { depositedCents, customersCents, inFlightCents, openHolds, pendingCredits, openPackets, ledgersSound, settled, ok: ledgersSound && settled, banks };
}

type RequestCounts = Map<string, number>;

/** "service METHOD route" -> requests answered, from the services' Prometheus text (banca_http_request_duration_seconds_count). */
async function requestCounts(services: readonly { kind: string; url: string }[]): Promise<RequestCounts> {
  const counts: RequestCounts = new Map();
  await Promise.all(services.map(async ({ kind, url }) => {
    const text = await (await fetch(`${url}/metrics`)).text();
    for (const line of text.split('\n')) {
      if (!line.startsWith('banca_http_request_duration_seconds_count{')) continue;
      const method = /method="([^"]*)"/.exec(line)?.[1] ?? '';
      const route = /route="([^"]*)"/.exec(line)?.[1] ?? '';
      const key = `${kind} ${method} ${route}`;
      counts.set(key, (counts.get(key) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
    }
  }));
  return counts;
}

function costOf(before: RequestCounts, after: RequestCounts): PixCost | null {
  const delta = (match: (key: string) => boolean) => {
    let total = 0;
    for (const [key, count] of after) if (match(key)) total += count - (before.get(key) ?? 0);
    return total;
  };
  const pixRequests = delta((key) => key === 'business POST /v1/me/pix');
  if (pixRequests <= 0) return null;
  const per = (match: (key: string) => boolean) => delta(match) / pixRequests;
  return {
    pixRequests,
    dataRequests: per((key) => key.startsWith('data ') && !key.endsWith(' /health') && !key.endsWith(' /metrics')),
    dataCommits: per((key) => key === 'data POST /v1/commits'),
    recordReads: per((key) => key === 'data POST /v1/records/read' || key === 'data GET /v1/records/:collection'),
    lockRequests: per((key) => key === 'data POST /v1/locks' || key === 'data POST /v1/locks/release'),
    interbankCalls: per((key) => key.startsWith('business ') && key.includes(' /interbank/')),
    byRoute: Object.fromEntries([...after.keys()]
      .filter((key) => !key.endsWith(' /health') && !key.endsWith(' /metrics') && !key.endsWith(' /ready'))
      .map((key) => [key, Math.round(per((candidate) => candidate === key) * 100) / 100] as const)
      .filter(([, count]) => count > 0)
      .sort((a, b) => b[1] - a[1])),
  };
}

/** Counts the services' warn/error log lines (pino JSON: level 40 and up), by message. */
class LogTally {
  warnings = 0;
  errors = 0;
  private readonly messages = new Map<string, number>();
  open = true;

  line(bankId: number, line: string): void {
    if (!this.open || !line.startsWith('{')) return;
    let entry: { level?: number; msg?: string; err?: { message?: string } };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      return;
    }
    if (typeof entry.level !== 'number' || entry.level < 40) return;
    if (entry.level >= 50) this.errors += 1;
    else this.warnings += 1;
    const text = `bank ${bankId} ${entry.level >= 50 ? 'error' : 'warn'}: ${entry.msg ?? ''}${entry.err?.message ? ` (${entry.err.message.slice(0, 160)})` : ''}`;
    this.messages.set(text, (this.messages.get(text) ?? 0) + 1);
  }

  summary(): ServiceLog {
    const top = [...this.messages].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([message, count]) => ({ message, count }));
    return { warnings: this.warnings, errors: this.errors, top };
  }
}

function answersOf(result: PhaseResult): PixAnswers {
  const answers: PixAnswers = { completed: result.ops, pending: 0, refused: 0, failed: 0, byKind: {} };
  let tallied = 0;
  for (const [kind, count] of Object.entries(result.errorsByKind)) {
    tallied += count;
    if (kind === 'pending') answers.pending += count;
    else if (kind.startsWith('refused')) answers.refused += count;
    else answers.failed += count;
    if (kind !== 'pending') answers.byKind[kind] = count;
  }
  if (result.errors > tallied) {
    answers.failed += result.errors - tallied;
    answers.byKind['failed (other)'] = result.errors - tallied;
  }
  return answers;
}

async function startMembers(options: InterbankOptions, mode: InterbankMode, resources: Resources, logs: LogTally): Promise<RunningConsortium> {
  const dataDir = resources.tempDir('banca-bench-d-');
  // startBank stops nothing it started when a later service fails to start: stop those here.
  const before = new Set(ownChildren());
  resources.defer('stop processes of a half-started consortium', () => stopChildren(before));
  const base = {
    ports: 'random' as const, store: 'sqlite' as const, dataDir, businessServers: options.businessServers, queueMode: 'batch' as const, logLevel: 'warn',
    // Every customer signs up from 127.0.0.1: past the product's 10 sign-ups per address and window.
    businessServer: { signUpsPerIpMax: 100_000, ...(mode.opsPerPass === null ? {} : { ring: { opsPerPass: mode.opsPerPass } }) },
  };
  const consortium = mode.distanceMs
    ? await startDistant(options.banks, mode, mode.distanceMs, base, logs, resources)
    : await startConsortium(options.banks, mode.coordination, { ...base, perBank: (bankId) => ({ onLine: (line: string) => logs.line(bankId, line) }) });
  resources.defer('stop the consortium', async () => {
    logs.open = false;
    await stopOrKill(consortium);
  });
  return consortium;
}

/**
 * The banks as npm start makes them, but each bank reaching the others through a proxy that
 * delays every chunk by `distanceMs` in each direction (as the chaos harness does): the other
 * members' URLs in its consortium config are the proxies'.
 */
async function startDistant(
  count: number, mode: InterbankMode, distanceMs: number, base: Omit<Parameters<typeof startBank>[0], 'bankId'>, logs: LogTally, resources: Resources,
): Promise<RunningConsortium> {
  const members = await planConsortium(count, 'random');
  const proxies: FaultProxy[] = [];
  resources.defer('close the distance proxies', () => Promise.all(proxies.map((proxy) => proxy.close())));
  for (const member of members) {
    const proxy = new FaultProxy(member.gatewayPort);
    await proxy.start();
    proxy.set({ kind: 'delay', ms: distanceMs });
    proxies.push(proxy);
  }
  const distant: Member[] = members.map((member, index) => ({ ...member, url: `http://127.0.0.1:${proxies[index]!.port}` }));
  const keys = devInterbankKeys(base.dataDir, members.map((member) => member.bankId));
  const banks: RunningBank[] = [];
  const stop = () => Promise.all(banks.map((bank) => bank.stop())).then(() => undefined);
  try {
    for (const member of distant) {
      banks.push(await startBank({ ...base, ...memberOptions(member, distant, mode.coordination, keys, base), onLine: (line: string) => logs.line(member.bankId, line) } as Parameters<typeof startBank>[0]));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { members: distant, banks, services: null, stop, kill: () => Promise.all(banks.map((bank) => bank.kill())).then(() => undefined) };
}

/** Runs `attempt` up to 3 times; each failure is noted in `failures` (an odd answer worth reporting). */
async function retrying<T>(what: string, failures: string[], attempt: () => Promise<T>): Promise<T> {
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      const message = messageOf(error);
      failures.push(`${what}: ${message.slice(0, 300)}`);
      if (tries >= 3) throw new Error(`${what} failed 3 times: ${message}`, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/**
 * Signs up, logs in and funds `perBank` customers at every bank, each with a CPF of its own. A
 * failed sign-up is retried with another CPF and e-mail (the failed one may have been created).
 */
async function openAccounts(pools: readonly Pool[], perBank: number, failures: string[]): Promise<Customer[][]> {
  const customers: Customer[][] = pools.map(() => []);
  const password = 'correct horse battery';
  await runAll(pools.length * perBank, SETUP_CONCURRENCY, async (index) => {
    const bankIndex = Math.floor(index / perBank);
    const pool = pools[bankIndex]!;
    const { cpf, email } = await retrying(`sign-up at bank ${bankIndex + 1}`, failures, async () => {
      const cpf = randomCpfs(1)[0]!;
      const email = `bench.${bankIndex + 1}.${index}.${randomUUID().slice(0, 8)}@example.com`;
      await postJson(pool, '/v1/customers', JSON_HEADERS, JSON.stringify({
        type: 'individual', holders: [{ name: `Cliente ${index + 1}`, document: cpf }], email, password,
      }));
      return { cpf, email };
    });
    const session = await retrying(`login at bank ${bankIndex + 1}`, failures, () =>
      postJson<{ token: string; account: { accountId: string } }>(pool, '/v1/sessions', JSON_HEADERS, JSON.stringify({ email, password })));
    const auth = { authorization: `Bearer ${session.token}` };
    const headers = { ...JSON_HEADERS, ...auth };
    const key = randomUUID(); // the same key on retry: one deposit whatever happens
    await retrying(`deposit at bank ${bankIndex + 1}`, failures, () =>
      postJson(pool, '/v1/me/deposits', { ...headers, 'idempotency-key': key }, JSON.stringify({ amount: DEPOSIT, method: 'cash' })));
    customers[bankIndex]!.push({ bankId: bankIndex + 1, cpf, accountId: session.account.accountId, auth, headers });
  });
  return customers;
}

/** One Pix from a random customer of a random bank to a random customer of another bank; throws unless completed. */
async function sendPix(pools: readonly Pool[], customers: readonly Customer[][], pending: PendingPacket[]): Promise<void> {
  const fromBank = randomIndex(pools.length);
  let toBank = randomIndex(pools.length - 1);
  if (toBank >= fromBank) toBank += 1;
  const from = customers[fromBank]![randomIndex(customers[fromBank]!.length)]!;
  const to = customers[toBank]![randomIndex(customers[toBank]!.length)]!;
  let response;
  try {
    response = await pools[fromBank]!.request({
      method: 'POST', path: '/v1/me/pix', headers: { ...from.headers, 'idempotency-key': randomUUID() },
      body: JSON.stringify({ toBankId: to.bankId, key: to.cpf, amount: '0.01' }),
    });
  } catch (error) {
    throw new OperationError('failed network', messageOf(error));
  }
  if (response.statusCode === 200) {
    await response.body.dump({ limit: 64 * 1024 * 1024 });
    return;
  }
  const text = await response.body.text();
  if (response.statusCode === 202) {
    const packetId = (JSON.parse(text) as { packetId: string }).packetId;
    if (pending.length < 100_000) pending.push({ bankId: from.bankId, auth: from.auth, packetId, final: false, status: 'pending' });
    throw new OperationError('pending', 'HTTP 202: still pending');
  }
  const { code, message } = errorOf(response.statusCode, text);
  const verdict = response.statusCode >= 400 && response.statusCode < 500 ? 'refused' : `failed HTTP ${response.statusCode}`;
  throw new OperationError(`${verdict} ${code}`, `HTTP ${response.statusCode} ${code}: ${message.slice(0, 200)}`);
}

/** Follows the 202 answers to the end and waits for the consortium's books to settle, up to `seconds`. */
async function settle(pools: readonly Pool[], dataPools: readonly Pool[], pending: PendingPacket[], depositedCents: number, seconds: number): Promise<{ audit: ConsortiumAudit | null; seconds: number }> {
  const start = process.hrtime.bigint();
  const deadline = Date.now() + seconds * 1000;
  let audit: ConsortiumAudit | null;
  for (;;) {
    const open = pending.filter((packet) => !packet.final);
    await runAll(open.length, SETUP_CONCURRENCY, async (index) => {
      const packet = open[index]!;
      const view = await getJson<{ status: string }>(pools[packet.bankId - 1]!, `/v1/me/packets/${encodeURIComponent(packet.packetId)}`, packet.auth)
        .catch(() => ({ status: 'pending' }));
      packet.status = view.status;
      packet.final = view.status !== 'pending';
    });
    audit = await auditConsortium(dataPools, depositedCents).catch((error: unknown) => {
      note(`(d) audit failed: ${messageOf(error)}`, true);
      return null;
    });
    const done = pending.every((packet) => packet.final) && audit !== null && audit.settled;
    if (done || Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return { audit, seconds: Number(process.hrtime.bigint() - start) / 1e9 };
}

function modeLabel(mode: InterbankMode): string {
  const name = mode.coordination === 'holds' ? 'holds' : `token-ring, ${mode.opsPerPass ?? 1} op${mode.opsPerPass === 1 ? '' : 's'}/pass`;
  return mode.distanceMs ? `${name}, banks ${mode.distanceMs} ms apart` : name;
}

async function runMode(options: InterbankOptions, mode: InterbankMode, levels: readonly number[]): Promise<InterbankRow> {
  const resources = new Resources();
  const logs = new LogTally();
  try {
    const label = modeLabel(mode);
    const setupStart = process.hrtime.bigint();
    note(`(d) ${label}: starting ${options.banks} banks (data server, ${options.businessServers} business servers, gateway each)...`, options.progress);
    const consortium = await startMembers(options, mode, resources, logs);
    const maxLevel = Math.max(SETUP_CONCURRENCY, ...levels);
    const pools = consortium.banks.map((bank) => keepAlivePool(bank.gateway.url, maxLevel));
    const dataPools = consortium.banks.map((bank) => keepAlivePool(bank.dataServer.url, 2));
    resources.defer('close the pools', () => Promise.all([...pools, ...dataPools].map((pool) => pool.destroy())));

    note(`(d) ${label}: ${options.customersPerBank} customers per bank sign up, log in and deposit ${DEPOSIT}...`, options.progress);
    const setupFailures: string[] = [];
    const customers = await openAccounts(pools, options.customersPerBank, setupFailures);
    const depositedCents = options.banks * options.customersPerBank * DEPOSIT_CENTS;
    const setupSeconds = Number(process.hrtime.bigint() - setupStart) / 1e9;

    const self: CpuTarget = { name: 'bench (client)', pid: process.pid };
    const targets: CpuTarget[] = [self, ...consortium.banks.flatMap((bank) => [
      { name: 'gateways', pid: bank.gateway.child.pid },
      ...bank.businessServers.map((server) => ({ name: 'business servers', pid: server.child.pid })),
      ...bank.dataServers.map((server) => ({ name: 'data servers', pid: server.child.pid })),
    ])];
    const services = consortium.banks.flatMap((bank) => [
      ...bank.dataServers.map((server) => ({ kind: 'data', url: server.url })),
      ...bank.businessServers.map((server) => ({ kind: 'business', url: server.url })),
      { kind: 'gateway', url: bank.gateway.url },
    ]);
    const pending: PendingPacket[] = [];
    const measured: InterbankLevel[] = [];
    // The levels in turn on the same consortium; a level's warm-up also absorbs what the previous one left in flight.
    for (const concurrency of levels) {
      const countsBefore = await requestCounts(services).catch(() => null);
      const cpu = measureCpu(targets, options.warmupSeconds * 1000);
      const result = await runClosedLoop({
        label: `(d) interbank Pix, ${label}, ${concurrency} in flight`, concurrency, seconds: options.seconds, warmupSeconds: options.warmupSeconds,
        progress: options.progress, unit: 'Pix',
      }, () => sendPix(pools, customers, pending));
      const cpuReport = mergeShares(cpu.stop());
      const countsAfter = await requestCounts(services).catch(() => null);
      const cost = countsBefore && countsAfter ? costOf(countsBefore, countsAfter) : null;
      measured.push({ concurrency, result, answers: answersOf(result), ratioToHolds: null, cost, cpu: cpuReport });
    }

    note(`(d) ${label}: waiting up to ${options.settleSeconds} s for transfers in flight to settle, then auditing...`, options.progress);
    const settled = await settle(pools, dataPools, pending, depositedCents, options.settleSeconds);
    const outcome: PendingOutcome = {
      tracked: pending.length,
      completed: pending.filter((packet) => packet.status === 'completed').length,
      failed: pending.filter((packet) => packet.status === 'failed').length,
      stillPending: pending.filter((packet) => !packet.final).length,
    };
    return {
      coordination: mode.coordination, opsPerPass: mode.opsPerPass, distanceMs: mode.distanceMs ?? 0, levels: measured, setupSeconds,
      settleSeconds: settled.seconds, pending: outcome, audit: settled.audit, serviceLog: logs.summary(), setupFailures,
    };
  } finally {
    await resources.close();
  }
}

export async function runInterbankBench(options: InterbankOptions): Promise<InterbankReport> {
  if (options.banks < 2) throw new Error('part (d) needs at least 2 banks');
  if (options.customersPerBank < 1) throw new Error('part (d) needs at least 1 customer per bank');
  const levels = [...new Set(options.levels)].sort((x, y) => x - y);
  if (levels.length === 0 || levels.some((level) => !Number.isInteger(level) || level < 1)) throw new Error('part (d) needs levels of 1 or more in flight');
  const rows: InterbankRow[] = [];
  for (const mode of options.modes) rows.push(await runMode(options, mode, levels));
  const holds = rows.find(isReference);
  for (const row of rows) {
    for (const level of row.levels) {
      const reference = holds?.levels.find((item) => item.concurrency === level.concurrency);
      level.ratioToHolds = reference ? ratio(level.result.opsPerSec, reference.result.opsPerSec) : null;
    }
  }
  return { banks: options.banks, customersPerBank: options.customersPerBank, businessServers: options.businessServers, depositCents: DEPOSIT_CENTS, levels, rows };
}
