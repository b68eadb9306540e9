// The fault harness: a consortium under concurrent random deposits, withdrawals, transfers, Pix
// and packets from many customers, while faults hit it (SIGKILL and restart of business servers,
// data servers and whole banks; SIGSTOP pauses longer than a lock lease; interbank connections
// delayed or dropped by a TCP proxy). Then every operation whose outcome was unknown is repeated
// with its idempotency key until it has one, the books settle, and the harness checks what a bank
// must guarantee whatever happened. Choices come from a seeded generator: print the seed, replay it.
// With `hosts`, each bank runs on a host of its own (a network namespace, bound to its address) and
// the proxies between banks, on the hosts' bridge, add LINK_DELAY_MS each way when no fault is on.
// With the postgres store each bank's ledger is a PostgreSQL of its own (two data servers share
// it); with `replicas: 1` a primary and a synchronous standby, and one more fault: the primary
// SIGKILLed, the standby promoted, the lost one rebuilt as the new standby. The outage that fault
// made, from the kill to the bank's first acknowledged write, is in the report.
// With hosts too, the PostgreSQL servers run in the root namespace and listen on the bridge.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { startBank, type RunningBank } from '@banca/launcher/bank';
import { devInterbankKeys } from '@banca/launcher/interbank-keys';
import { memberOptions, planConsortium, type Member } from '@banca/launcher/consortium';
import { consent, signUp, type ConsentNeeded, type TestCustomer } from '@banca/testkit/consortium';
import { businessHeaders, clientHeaders, http, tempDir, waitFor, type JsonResponse } from '@banca/testkit/testkit';
import { FaultProxy } from '@banca/testkit/fault-proxy';
import { createHostNetwork, LINK_DELAY_MS, startLinkProxy, type HostNetwork } from '@banca/testkit/hosts';
import { debianPostgres } from '@banca/testkit/postgres';
import { startEmbeddedPostgres } from '@banca/launcher/embedded-postgres';
import { startReplicatedPostgres, type ReplicatedPostgres } from '@banca/launcher/replicated-postgres';
import type { AuditReport } from '@banca/core/protocol';
import { cpfFor, Rng } from './rng.js';

export interface ChaosOptions {
  seconds: number;
  seed: number;
  banks: number;
  customersPerBank: number;
  workers: number;
  /** A fault every this many ms (chosen in the range). */
  faultEveryMs: [number, number];
  /** Each bank on a host of its own (needs root: see @banca/testkit/hosts). */
  hosts?: boolean;
  /** Each bank's ledger: SQLite (default) or a PostgreSQL of its own. */
  store?: 'sqlite' | 'postgres';
  /** With the postgres store, 1: a primary and a synchronous standby per bank, and the failover fault. */
  replicas?: 0 | 1;
  log: (line: string) => void;
}

const OP_KINDS = ['deposit', 'withdrawal', 'transfer', 'pix', 'packet'] as const;
type OpKind = (typeof OP_KINDS)[number];
type Outcome = 'ok' | 'refused' | 'unknown';

interface Op {
  kind: OpKind;
  bankId: number;
  url: string;
  path: string;
  headers: Record<string, string>;
  body: unknown;
  amountCents: number;
  outcome: Outcome;
  answer: unknown;
  /** A packet's payer, logged in at each bank, with that bank's URL: it consents there to the legs that bank pays. */
  payers?: Map<number, { url: string; customer: TestCustomer }>;
}

interface Customer {
  cpf: string;
  name: string;
  at: Map<number, TestCustomer>;
}

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

/** One "primary lost" fault, as the bank's clients saw it. */
export interface Failover {
  bankId: number;
  /** From the SIGKILL of the primary to pg_ctl promote: the bank had no primary at all until then. */
  promoteAskedAfterMs: number;
  /** From the SIGKILL to the standby seen taking writes (polled every 100 ms, so a write may be
   *  acknowledged a little before this). */
  promotedAfterMs: number;
  /** From the SIGKILL to the first write acknowledged by the bank after it (a deposit, withdrawal or
   *  transfer sent after the kill): how long the bank took no money in. */
  outageMs: number;
}

export interface ChaosReport {
  seed: number;
  seconds: number;
  operations: Record<OpKind, Record<Outcome, number>>;
  resolvedUnknown: number;
  faults: string[];
  failovers: Failover[];
  checks: Check[];
  ok: boolean;
}

const SYSTEM = ['@holds'];

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const rng = new Rng(options.seed);
  const started = Date.now();
  const at = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;
  const dir = tempDir('banca-chaos-');
  const proxies: FaultProxy[] = [];
  const banks: RunningBank[] = [];
  const faults: string[] = [];
  const store = options.store ?? 'sqlite';
  const replicas = options.replicas ?? 0;
  if (replicas > 0 && store !== 'postgres') throw new Error('replicas need the postgres store');
  const databases: { stop(): Promise<void> }[] = [];
  const pairs = new Map<number, ReplicatedPostgres>();
  const world: World = { banks, proxies, pairs, writes: [], failovers: [] };
  let network: HostNetwork | null = null;
  try {
    options.log(`chaos: seed ${options.seed} (replay with --seed ${options.seed}), ${options.seconds} s, ${options.banks} banks, `
      + `${store === 'sqlite' ? 'SQLite ledgers' : replicas ? 'each ledger on a PostgreSQL primary and synchronous standby' : 'each ledger on a PostgreSQL'}`);
    if (options.hosts) {
      network = createHostNetwork(Array.from({ length: options.banks }, (_, index) => `b${index + 1}`));
      options.log(`chaos: hosts ${network.hosts.map((host) => `${host.netns} ${host.address}`).join(', ')}; links through ${network.bridge} ${network.bridgeAddress}, ${LINK_DELAY_MS} ms each way`);
    }
    const hosts = network;
    const members = await planConsortium(options.banks, 'random', hosts ? (bankId) => hosts.host(`b${bankId}`).address : undefined);
    for (const member of members) {
      let proxy: FaultProxy;
      if (hosts) {
        proxy = await startLinkProxy(hosts, { address: member.address, port: member.gatewayPort });
      } else {
        proxy = new FaultProxy(member.gatewayPort);
        await proxy.start();
      }
      proxies.push(proxy);
    }
    // Banks call each other through the proxies; customers call their bank's gateway directly.
    const viaProxies: Member[] = members.map((member, index) => ({ ...member, url: proxies[index]!.url }));
    const keys = devInterbankKeys(dir.path, members.map((member) => member.bankId));
    const binDir = replicas > 0 ? (await debianPostgres()).binDir : undefined;
    // The databases run on this machine, outside the banks' hosts: the banks reach them over the
    // hosts' bridge (straight, not through a delaying link).
    const databaseAddress = hosts?.bridgeAddress;
    for (const member of viaProxies) {
      let ledger: { store: 'sqlite' } | { store: 'postgres'; databaseUrl: string; dataServers: number } = { store: 'sqlite' };
      if (store === 'postgres') {
        const database = `banca_chaos_${member.bankId}`;
        // A directory of its own: the postgres user must enter it, and the harness's own one holds
        // the banks' private keys.
        const pgDir = tempDir(`banca-chaos-pg-${member.bankId}-`);
        databases.push({ stop: async () => pgDir.remove() });
        let databaseUrl: string;
        if (replicas > 0) {
          const pair = await startReplicatedPostgres({ dir: pgDir.path, ports: [0, 0], persistent: false, durable: false, binDir, address: databaseAddress });
          databases.unshift(pair);
          pairs.set(member.bankId, pair);
          databaseUrl = await pair.databaseUrl(database);
        } else {
          const server = await startEmbeddedPostgres({ dir: pgDir.path, port: 0, persistent: false, durable: false, address: databaseAddress });
          databases.unshift(server);
          databaseUrl = await server.databaseUrl(database);
        }
        ledger = { store: 'postgres', databaseUrl, dataServers: 2 };
      }
      banks.push(await startBank({
        ports: 'random', ...ledger, dataDir: dir.path, businessServers: 3, queueMode: 'batch', logLevel: 'error',
        ...(hosts ? { host: hosts.host(`b${member.bankId}`) } : {}),
        ...memberOptions(member, viaProxies, 'holds', keys, {
          businessServer: {
            leaseMs: 1000, lockRetryMsMax: 1500, holdTimeoutMs: 4000, prepareTimeoutMs: 2500, interbankTimeoutMs: 1500,
            recoveryIntervalMs: 300, transferWaitMs: 4000,
            // Every customer signs up from 127.0.0.1: past the product's 10 sign-ups per address and window.
            signUpsPerIpMax: 100_000,
            // The load's withdrawals and transfers act on customer accounts with a client key: a teller's.
            tellers: ['clientA'],
          },
        }),
      } as Parameters<typeof startBank>[0]));
      options.log(`chaos: bank ${member.bankId} (${member.name}) up at ${banks.at(-1)!.gateway.url}`);
    }
    const url = (bankId: number) => banks[bankId - 1]!.gateway.url;
    const bankIds = members.map((member) => member.bankId);

    // Customers: each has an account at every bank, under one CPF.
    const customers: Customer[] = [];
    let depositedCents = 0;
    for (let index = 0; index < options.customersPerBank; index++) {
      const cpf = cpfFor(options.seed % 100_000 * 100 + index);
      const customer: Customer = { cpf, name: `Chaos Customer ${index + 1}`, at: new Map() };
      for (const bankId of bankIds) {
        const account = await signUp(url(bankId), bankId, customer.name, cpf);
        const opened = await http(`${url(bankId)}/v1/me/deposits`, { method: 'POST', headers: { ...account.auth, 'idempotency-key': randomUUID() }, json: { amount: '500.00', method: 'cash' } });
        if (opened.status !== 200) throw new Error(`opening deposit failed: ${opened.status} ${JSON.stringify(opened.body)}`);
        depositedCents += 50_000;
        customer.at.set(bankId, account);
      }
      customers.push(customer);
    }
    options.log(`chaos: ${customers.length} customers with an account at each bank, 500.00 each`);

    // Load and faults.
    const ops: Op[] = [];
    const deadline = Date.now() + options.seconds * 1000;
    // The load goes on at least until every kind of fault has happened once.
    let firstRoundDone = false;
    // Set when a fault fails (a service that does not come back): the load stops with it.
    let aborted = false;
    const loading = () => !aborted && (Date.now() < deadline || !firstRoundDone);
    const worker = async () => {
      while (loading()) {
        const op = nextOp(rng, customers, bankIds, url);
        ops.push(op);
        const sentAt = Date.now();
        await send(op);
        if (op.outcome === 'ok' && LOCAL_KINDS.includes(op.kind)) world.writes.push({ bankId: op.bankId, sentAt, endedAt: Date.now() });
        if (op.outcome === 'unknown') await sleep(50);
      }
    };
    // Every kind of fault once (in a random order), then at random by weight.
    const weights = replicas > 0 ? { ...FAULT_WEIGHTS, ...REPLICA_FAULT_WEIGHTS } : FAULT_WEIGHTS;
    const firstRound = (Object.keys(weights) as FaultKind[]).sort(() => rng.next() - 0.5);
    const faulter = async () => {
      while (firstRound.length > 0 || Date.now() < deadline - 1000) {
        await sleep(rng.int(options.faultEveryMs[0], options.faultEveryMs[1]));
        if (firstRound.length === 0 && Date.now() >= deadline - 1000) break;
        const line = await injectFault(rng, world, weights, firstRound.shift());
        faults.push(`${at()} ${line}`);
        options.log(`chaos: ${at()} ${line}`);
      }
      firstRoundDone = true;
    };
    const workers = Array.from({ length: options.workers }, worker);
    try {
      await faulter();
    } finally {
      aborted ||= !firstRoundDone;
      await Promise.all(workers);
    }
    options.log(`chaos: ${at()} load over: ${ops.length} operations; bringing every service back and resolving unknown outcomes`);

    // Every service back, every unknown outcome resolved with its own key.
    for (const proxy of proxies) proxy.reset();
    for (const bank of banks) await revive(bank);
    const unknown = ops.filter((op) => op.outcome === 'unknown');
    for (const op of unknown) {
      await waitFor(async () => {
        await send(op);
        return op.outcome !== 'unknown';
      }, 60_000, `a final answer for ${op.kind} ${op.headers['idempotency-key']}`);
    }
    options.log(`chaos: ${at()} ${unknown.length} unknown outcomes resolved; waiting for the books to settle`);
    await waitFor(async () => (await openWork(banks)) === 0, 40_000, 'holds, pending credits and packets to settle').catch(() => undefined);

    // The checks.
    const checks: Check[] = [];
    const check = (name: string, ok: boolean, detail: string) => {
      checks.push({ name, ok, detail });
      options.log(`${ok ? 'PASS' : 'FAIL'}  ${name}: ${detail}`);
    };
    const money = async () => {
      let customersCents = 0;
      let sound = true;
      for (const bank of banks) {
        const audit = (await http<AuditReport>(`${bank.dataServer.url}/v1/audit`, { headers: businessHeaders() })).body;
        customersCents += audit.customerBalanceSumCents;
        sound &&= audit.balanceSumCents === 0 && audit.mismatchedAccounts.length === 0;
      }
      return { customersCents, sound };
    };
    const okOf = (kind: OpKind) => ops.filter((op) => op.kind === kind && op.outcome === 'ok');
    // A kind of operation never applied would make the money checks vacuous for it.
    const neverApplied = OP_KINDS.filter((kind) => okOf(kind).length === 0);
    const expected = depositedCents + sum(okOf('deposit')) - sum(okOf('withdrawal'));
    const before = await money();
    check('ledgers sound', before.sound, 'every bank\'s ledger sums to zero and matches its journal');
    check('no money created or lost', before.customersCents === expected && neverApplied.length === 0,
      `customers hold ${before.customersCents} cents; deposits minus withdrawals acknowledged: ${expected}${neverApplied.length > 0 ? `; never applied: ${neverApplied.join(', ')}` : ''}`);

    let negative = 0;
    let lockedLate = 0;
    await sleep(1500); // past every lease
    for (const customer of customers) {
      for (const [bankId, account] of customer.at) {
        const state = (await http<AccountState>(`${banks[bankId - 1]!.dataServer.url}/v1/accounts/${account.accountId}`, { headers: businessHeaders() })).body;
        if ((state.balanceCents ?? 0) < 0) negative++;
        if (state.lockedBy) lockedLate++;
      }
    }
    check('no negative balance', negative === 0, `${negative} accounts below zero`);
    check('no lock outlives its lease', lockedLate === 0, `${lockedLate} accounts still locked ${1500} ms after the load`);
    const open = await openWork(banks);
    let systemCents = 0;
    for (const bank of banks) {
      for (const account of [...SYSTEM, ...bankIds.map((id) => `@bank:${id}`)]) {
        const response = await http<AccountState>(`${bank.dataServer.url}/v1/accounts/${encodeURIComponent(account)}`, { headers: businessHeaders() });
        if (response.status === 200) systemCents += Math.abs(account === '@holds' ? response.body.balanceCents ?? 0 : 0);
      }
    }
    const interbank = await interbankNet(banks, bankIds);
    check('no hold outlives its timeout', open === 0 && systemCents === 0 && interbank === 0,
      `${open} open holds/credits/packets, ${systemCents} cents in @holds, ${interbank} cents owed between banks`);

    const packets = await checkPackets(ops, banks, customers);
    check('every Pix and packet applied whole or not at all', packets.broken.length === 0,
      `${packets.checked} packets checked at every bank involved${packets.broken.length ? `; broken: ${packets.broken.slice(0, 5).join('; ')}` : ''}`);

    // Exactly once: repeating every acknowledged operation with its key answers it again and moves nothing.
    const acknowledged = ops.filter((op) => op.outcome === 'ok');
    let differing = 0;
    for (const op of acknowledged) {
      const first = JSON.stringify(stable(op.answer));
      await send(op);
      if (op.outcome !== 'ok' || JSON.stringify(stable(op.answer)) !== first) differing++;
    }
    const after = await money();
    check('every acknowledged operation applied exactly once', differing === 0 && after.customersCents === before.customersCents,
      `${acknowledged.length} repeated with their keys: ${differing} answered differently; customers then hold ${after.customersCents} cents`);

    const operations = {} as ChaosReport['operations'];
    for (const kind of OP_KINDS) {
      operations[kind] = { ok: 0, refused: 0, unknown: 0 };
      for (const op of ops.filter((candidate) => candidate.kind === kind)) operations[kind][op.outcome]++;
    }
    const report: ChaosReport = {
      seed: options.seed, seconds: options.seconds, operations, resolvedUnknown: unknown.length, faults, failovers: world.failovers, checks, ok: checks.every((c) => c.ok),
    };
    options.log(`chaos: ${checks.filter((c) => c.ok).length} passed, ${checks.filter((c) => !c.ok).length} failed (seed ${options.seed})`);
    return report;
  } finally {
    await Promise.all(banks.map((bank) => bank.stop().catch(() => undefined)));
    await Promise.all(proxies.map((proxy) => proxy.close()));
    // Servers first, then their directories (listed last).
    for (const database of databases) await database.stop().catch(() => undefined);
    network?.remove();
    dir.remove();
  }
}

function sum(ops: Op[]): number {
  return ops.reduce((total, op) => total + op.amountCents, 0);
}

function cents(value: number): string {
  return `${Math.floor(value / 100)}.${String(value % 100).padStart(2, '0')}`;
}

/** Answers compared on replay: what a repeat must say the same (not timings or request ids). */
function stable(answer: unknown): unknown {
  if (!answer || typeof answer !== 'object') return answer;
  const { requestId: _requestId, replayed: _replayed, updatedAtMs: _updatedAtMs, ...rest } = answer as Record<string, unknown>;
  if ('state' in rest && 'packetId' in rest) return { packetId: rest.packetId, status: rest.status };
  return rest;
}

function nextOp(rng: Rng, customers: Customer[], bankIds: number[], url: (bankId: number) => string): Op {
  const kind = rng.weighted<OpKind>({ deposit: 20, withdrawal: 15, transfer: 15, pix: 35, packet: 15 });
  const bankId = rng.pick(bankIds);
  const payer = rng.pick(customers);
  const others = customers.filter((candidate) => candidate !== payer);
  const payee = rng.pick(others.length > 0 ? others : customers);
  const amountCents = rng.int(1, 500);
  const amount = cents(amountCents);
  const key = `chaos-${randomUUID()}`;
  const account = payer.at.get(bankId)!;
  const base = { bankId, url: url(bankId), amountCents, outcome: 'unknown' as Outcome, answer: null };
  switch (kind) {
    case 'deposit':
      return { ...base, kind, path: '/v1/me/deposits', headers: { ...account.auth, 'idempotency-key': key }, body: { amount, method: rng.pick(['cash', 'qrcode', 'boleto']) } };
    case 'withdrawal':
      return { ...base, kind, path: '/v1/withdrawals', headers: { ...clientHeaders(), 'idempotency-key': key }, body: { accountId: account.accountId, amount } };
    case 'transfer':
      return { ...base, kind, path: '/v1/transfers', headers: { ...clientHeaders(), 'idempotency-key': key }, body: { fromAccountId: account.accountId, toAccountId: payee.at.get(bankId)!.accountId, amount } };
    case 'pix':
      return { ...base, kind, path: '/v1/me/pix', headers: { ...account.auth, 'idempotency-key': key }, body: { toBankId: rng.pick(bankIds), key: payee.cpf, amount } };
    case 'packet': {
      const legs = Array.from({ length: rng.int(2, 3) }, () => {
        // Now and then a leg that cannot be paid: the whole packet must be refused.
        const legCents = rng.next() < 0.1 ? 100_000_000 : rng.int(1, 300);
        return { fromBankId: rng.pick(bankIds), toBankId: rng.pick(bankIds), key: rng.pick(others.length > 0 ? others : customers).cpf, amount: cents(legCents) };
      });
      const payers = new Map(bankIds.map((id) => [id, { url: url(id), customer: payer.at.get(id)! }]));
      return { ...base, kind, amountCents: 0, path: '/v1/me/packets', headers: { ...account.auth, 'idempotency-key': key }, body: { transfers: legs }, payers };
    }
  }
}

/** Sends an operation; its outcome is final only on 200 or a non-retryable refusal. */
async function send(op: Op): Promise<void> {
  let response: JsonResponse;
  try {
    response = await http(`${op.url}${op.path}`, { method: 'POST', headers: op.headers, json: op.body });
    // Legs paid at other banks: the payer consents at each (through the faults), then the same request goes again.
    const refusal = response.body as { error?: { code?: string; details?: { packetId: string; coordinatorBank: number; banks: ConsentNeeded[] } } } | undefined;
    if (op.payers && refusal?.error?.code === 'CONSENT_REQUIRED' && refusal.error.details) {
      const { packetId, coordinatorBank, banks } = refusal.error.details;
      const consents = [];
      for (const bank of banks) {
        const payer = op.payers.get(bank.bankId);
        if (!payer) break;
        const given = await consent(payer.url, payer.customer, coordinatorBank, packetId, bank);
        if (given.status !== 201) {
          const retryable = (given.body as { error?: { retryable?: boolean } } | undefined)?.error?.retryable !== false;
          op.outcome = given.status >= 400 && given.status < 500 && !retryable ? 'refused' : 'unknown';
          op.answer = refusal;
          return;
        }
        consents.push({ bankId: bank.bankId, token: (given.body as { token: string }).token });
      }
      response = await http(`${op.url}${op.path}`, { method: 'POST', headers: op.headers, json: { ...(op.body as object), consents } });
    }
  } catch {
    op.outcome = 'unknown';
    return;
  }
  const body = response.body as { status?: string; error?: { retryable?: boolean } } | undefined;
  if (response.status === 200 && (op.kind !== 'pix' && op.kind !== 'packet' || body?.status === 'completed')) {
    op.outcome = 'ok';
  } else if (response.status >= 400 && response.status < 500 && body?.error?.retryable === false) {
    op.outcome = 'refused';
  } else {
    op.outcome = 'unknown';
  }
  op.answer = response.body;
}

const FAULT_WEIGHTS = { killBusiness: 3, killData: 2, killBank: 1, pauseBusiness: 2, pauseData: 1, delayLinks: 2, dropLinks: 2 } as const;
/** With a standby per bank: its primary lost (rarer: the bank then runs on one server until the
 *  lost one is rebuilt, a full copy). */
const REPLICA_FAULT_WEIGHTS = { failoverPostgres: 1 } as const;
type FaultKind = keyof typeof FAULT_WEIGHTS | keyof typeof REPLICA_FAULT_WEIGHTS;
/** Writes that stay inside one bank: what tells when its ledger takes money in again. */
const LOCAL_KINDS: readonly OpKind[] = ['deposit', 'withdrawal', 'transfer'];
/** A bank with no primary for this long: what a monitor deciding the primary is gone might take. */
const PROMOTE_AFTER_MS: [number, number] = [300, 1500];
const OUTAGE_WAIT_MS = 60_000;

/** What the faults act on, and what they leave for the report. */
interface World {
  banks: RunningBank[];
  proxies: FaultProxy[];
  pairs: Map<number, ReplicatedPostgres>;
  /** Every acknowledged local write, by bank, with when it was sent and answered. */
  writes: { bankId: number; sentAt: number; endedAt: number }[];
  failovers: Failover[];
}

async function injectFault(rng: Rng, world: World, weights: Partial<Record<FaultKind, number>>, chosen?: FaultKind): Promise<string> {
  const { banks, proxies } = world;
  const index = rng.int(0, banks.length - 1);
  const bank = banks[index]!;
  const name = `bank ${index + 1}`;
  const kind = chosen ?? rng.weighted(weights as Record<FaultKind, number>);
  switch (kind) {
    case 'killBusiness': {
      const server = rng.int(0, bank.businessServers.length - 1);
      await bank.businessServers[server]!.kill();
      await sleep(rng.int(100, 800));
      await bank.restartBusinessServer(server);
      return `SIGKILL ${name} business server ${server + 1}, restarted`;
    }
    case 'killData':
      await bank.dataServer.kill();
      await sleep(rng.int(100, 800));
      await bank.restartDataServer(0);
      return `SIGKILL ${name} data server, restarted`;
    case 'killBank':
      await bank.kill();
      await sleep(rng.int(200, 1000));
      await revive(bank);
      return `SIGKILL all of ${name}, restarted`;
    case 'pauseBusiness': {
      const server = bank.businessServers[rng.int(0, bank.businessServers.length - 1)]!;
      const ms = rng.int(1200, 2500);
      server.child.kill('SIGSTOP');
      await sleep(ms);
      server.child.kill('SIGCONT');
      return `SIGSTOP ${server.name} for ${ms} ms (lease 1000 ms), SIGCONT`;
    }
    case 'pauseData': {
      const ms = rng.int(500, 1500);
      bank.dataServer.child.kill('SIGSTOP');
      await sleep(ms);
      bank.dataServer.child.kill('SIGCONT');
      return `SIGSTOP ${name} data server for ${ms} ms, SIGCONT`;
    }
    case 'delayLinks': {
      const ms = rng.int(100, 600);
      const forMs = rng.int(1000, 3000);
      proxies[index]!.set({ kind: 'delay', ms });
      await sleep(forMs);
      proxies[index]!.reset();
      return `interbank calls to ${name} delayed ${ms} ms per chunk for ${forMs} ms`;
    }
    case 'dropLinks': {
      const forMs = rng.int(500, 2000);
      proxies[index]!.set({ kind: 'drop' });
      await sleep(forMs);
      proxies[index]!.reset();
      return `interbank connections to ${name} dropped for ${forMs} ms`;
    }
    case 'failoverPostgres': {
      const pair = world.pairs.get(index + 1)!;
      const killed = await pair.killPrimary();
      const killedAt = Date.now();
      await sleep(rng.int(...PROMOTE_AFTER_MS));
      const promoteAskedAfterMs = Date.now() - killedAt;
      const promoted = await pair.promoteStandby();
      const promotedAfterMs = Date.now() - killedAt;
      // The outage ends with the bank's first write acknowledged after the kill (none can be while
      // it has no primary); the lost server is rebuilt only then, as the standby.
      let back: number | undefined;
      await waitFor(async () => {
        back = world.writes.find((write) => write.bankId === index + 1 && write.sentAt >= killedAt)?.endedAt;
        return back !== undefined;
      }, OUTAGE_WAIT_MS, `${name} to acknowledge a write after its primary was lost`);
      const outageMs = back! - killedAt;
      world.failovers.push({ bankId: index + 1, promoteAskedAfterMs, promotedAfterMs, outageMs });
      const rebuilt = await pair.rebuildStandby();
      return `SIGKILL ${name}'s PostgreSQL primary (${killed.name}), standby ${promoted.name} promoted ${promotedAfterMs} ms later; `
        + `writes back ${(outageMs / 1000).toFixed(2)} s after the kill; ${rebuilt.name} rebuilt as the standby`;
    }
  }
}

/** Restarts whatever of a bank is not running, in order: data server, business servers, gateway. */
async function revive(bank: RunningBank): Promise<void> {
  for (const process of bank.dataServers) process.child.kill('SIGCONT');
  for (const process of bank.businessServers) process.child.kill('SIGCONT');
  await bank.restartStopped();
  await waitFor(async () => (await http(`${bank.gateway.url}/ready`)).status === 200, 15_000, 'the bank to be ready');
}

/** A data server's account as the checks read it (absent fields: the account does not exist). */
interface AccountState {
  balanceCents?: number;
  lockedBy?: string | null;
}

/** The holds or credits of one packet at one bank. */
interface LegRecords {
  records: { value: { state: string; amountCents: number } }[];
}

/** Holds, pending credits and packets not yet ended, at every bank. */
async function openWork(banks: RunningBank[]): Promise<number> {
  let open = 0;
  for (const bank of banks) {
    for (const collection of ['holds', 'credits', 'packets']) {
      const response = await http<{ records?: unknown[] }>(`${bank.dataServer.url}/v1/records/${collection}?tag=open&limit=1000`, { headers: businessHeaders() });
      open += response.body.records?.length ?? 0;
    }
  }
  return open;
}

async function interbankNet(banks: RunningBank[], bankIds: number[]): Promise<number> {
  let net = 0;
  for (const bank of banks) {
    for (const id of bankIds) {
      const response = await http<AccountState>(`${bank.dataServer.url}/v1/accounts/${encodeURIComponent(`@bank:${id}`)}`, { headers: businessHeaders() });
      if (response.status === 200) net += response.body.balanceCents ?? 0;
    }
  }
  return net;
}

/** A completed packet has every hold posted and every credit applied; a failed one none. */
async function checkPackets(ops: Op[], banks: RunningBank[], _customers: Customer[]): Promise<{ checked: number; broken: string[] }> {
  const broken: string[] = [];
  let checked = 0;
  for (const op of ops) {
    if (op.kind !== 'pix' && op.kind !== 'packet') continue;
    const answer = op.answer as { packetId?: string; status?: string; error?: { details?: { packetId?: string } } } | null;
    const packetId = answer?.packetId ?? answer?.error?.details?.packetId;
    if (!packetId) continue;
    checked++;
    const completed = op.outcome === 'ok';
    for (const bank of banks) {
      const holds = (await http<LegRecords>(`${bank.dataServer.url}/v1/records/holds?tag=${encodeURIComponent(`packet:${packetId}`)}`, { headers: businessHeaders() })).body.records;
      const credits = (await http<LegRecords>(`${bank.dataServer.url}/v1/records/credits?tag=${encodeURIComponent(`packet:${packetId}`)}`, { headers: businessHeaders() })).body.records;
      for (const hold of holds) {
        const good = completed ? hold.value.state === 'posted' : hold.value.state === 'voided' || hold.value.state === 'reversed';
        if (!good) broken.push(`${packetId} (${completed ? 'completed' : 'failed'}): a hold ${hold.value.state}`);
      }
      for (const credit of credits) {
        const good = completed ? credit.value.state === 'completed' : credit.value.state === 'failed';
        if (!good) broken.push(`${packetId} (${completed ? 'completed' : 'failed'}): a credit ${credit.value.state}`);
      }
    }
  }
  return { checked, broken };
}
