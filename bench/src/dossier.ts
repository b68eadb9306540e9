// Part (e): the dossier. A consortium of banks with the credit registry and the dossier, every
// one its own process (startConsortium with services, the registry seeded with the demo records);
// people hold an account at every bank and have sent each other a few Pix. Then closed-loop load
// reads GET /v1/dossiers/:document (the dossier asks every bank and the registry at once) at each
// level of requests in flight, and, at the same level in the same run, the reference: one of the
// sources a dossier waits for, the registry's GET /v1/people/:document. Every dossier is checked:
// its balance total must equal the person's deposits minus Pix sent plus Pix received, else the
// bench stops. At rest (after the setup, before each level) every dossier must also be complete;
// under load, an incomplete one (a source past the dossier's timeout, or behind its open circuit:
// the product degrading as designed) is counted apart, not in the throughput or the latencies.
import type { Pool } from 'undici';
import { startConsortium, type RunningConsortium } from '@banca/launcher/consortium';
import { ownChildren, Resources, stopChildren, stopOrKill } from './cleanup.js';
import { ClientToken, DEV_OAUTH_CLIENTS } from './client-token.js';
import { measureCpu, mergeShares, type CpuReport, type CpuTarget } from './cpu.js';
import { openPeople, type Person } from './dossier-people.js';
import { keepAlivePool } from './http.js';
import { OperationError, runClosedLoop, type PhaseResult } from './load.js';
import { note } from './progress.js';
import { LatencySamples, ratio } from './stats.js';
import { messageOf } from '@banca/core/errors';

export interface DossierOptions {
  banks: number;
  /** Business servers per bank. */
  businessServers: number;
  people: number;
  /** Pix each person sends before the load (each from one bank to another). */
  pixPerPerson: number;
  /** Requests in flight: one measured phase per level, for the dossier and for the reference. */
  levels: number[];
  seconds: number;
  warmupSeconds: number;
  /** Unmeasured reads right after the setup, so the fresh processes are past JIT warm-up. */
  serviceWarmupSeconds: number;
  progress: boolean;
}

/** How long the dossier says it spent on one source (its answers' sources[].latencyMs, whole milliseconds). */
export interface SourceLatency {
  /** "bank:2", "registry". */
  source: string;
  p50Ms: number;
  p99Ms: number;
}

export interface DossierLevel {
  concurrency: number;
  /** GET {registry}/v1/people/:document with registry-writer's token (scope registry:read). */
  reference: PhaseResult;
  /**
   * GET {dossier}/v1/dossiers/:document with dossier-reader's token (scope dossier:read). ops and
   * latencies: complete dossiers only; errors: incomplete ones (see incomplete) and non-2xx answers.
   */
  dossier: PhaseResult;
  /** dossiers/s / registry reads/s at this level. */
  ratioToReference: number | null;
  /** Over the dossier's measured window, per source, from the complete dossiers. */
  sources: SourceLatency[];
  /** Dossiers answered but not complete (a source did not answer within the dossier's timeout, or its circuit was open). */
  incomplete: number;
  /** By the sources that did not answer: "bank:1 unavailable UPSTREAM_TIMEOUT, bank:2 circuit-open" -> dossiers. */
  incompleteBySources: Record<string, number>;
  cpu: { reference: CpuReport; dossier: CpuReport };
}

export interface DossierReport {
  banks: number;
  businessServers: number;
  /** Requests in flight, ascending. */
  levels: number[];
  people: number;
  /** People with records at the registry (the demo ones). */
  peopleWithRegistryRecords: number;
  pixSent: number;
  rows: DossierLevel[];
  /** Complete dossiers read and checked, warm-ups and the checks at rest included. */
  dossiersChecked: number;
  /** Tokens obtained from POST /oauth/token during the run. */
  tokens: { dossierReader: number; registryWriter: number };
  /** Starting the processes, opening the accounts, the Pix, until every dossier is right. */
  setupSeconds: number;
}

/** The fields of a dossier the bench checks (apps/dossier's DossierSchema has more). */
interface DossierAnswer {
  document: string;
  complete: boolean;
  sources: { source: string; status: string; error?: { code: string; message: string }; latencyMs: number }[];
  banks: { bankId: number; accounts: unknown[] }[];
  totals: { balanceCents: number; debtCents: number; assetCents: number; monthlyIncomeCents: number };
}

interface RegistryTotals {
  debtCents: number;
  assetCents: number;
  monthlyIncomeCents: number;
}

interface RegistryAnswer {
  document: string;
  totals: RegistryTotals;
}

/** A person and what the registry holds for them (read once, before the load). */
interface Expected extends Person {
  registry: RegistryTotals;
}

const WRONG = 'wrong answer';
/** The kind of a dossier that is not complete starts with this (then the sources that did not answer). */
const INCOMPLETE = 'incomplete';
/**
 * How long every dossier gets to be complete and right at rest: after the setup (its Pix landing)
 * and before each level (a circuit the previous level opened stays open 10 s, the dossier's default).
 */
const SETTLE_MS_MAX = 15_000;
/** Requests in flight while the services warm up: under the levels that overload them, so no circuit opens. */
const WARMUP_CONCURRENCY_MAX = 4;

function randomIndex(count: number): number {
  return Math.floor(Math.random() * count);
}

/** GETs a JSON answer; a non-2xx answer fails as an OperationError of kind "HTTP <status>". */
async function read<T>(pool: Pool, path: string, authorization: string): Promise<T> {
  const response = await pool.request({ method: 'GET', path, headers: { authorization } });
  const text = await response.body.text();
  if (response.statusCode < 200 || response.statusCode >= 300) throw new OperationError(`HTTP ${response.statusCode}`, `HTTP ${response.statusCode}: ${text.slice(0, 200)}`);
  return JSON.parse(text) as T;
}

const sameTotals = (a: RegistryTotals, b: RegistryTotals) =>
  a.debtCents === b.debtCents && a.assetCents === b.assetCents && a.monthlyIncomeCents === b.monthlyIncomeCents;

/** Why a dossier is not complete: "incomplete: bank:1 + bank:3 unavailable UPSTREAM_TIMEOUT + registry circuit-open". */
function incompleteKind(answer: DossierAnswer): string {
  const bySymptom = new Map<string, string[]>();
  for (const source of answer.sources.filter((item) => item.status !== 'ok')) {
    const symptom = `${source.status}${source.error && source.status !== 'circuit-open' ? ` ${source.error.code}` : ''}`;
    bySymptom.set(symptom, [...(bySymptom.get(symptom) ?? []), source.source]);
  }
  return `${INCOMPLETE}: ${[...bySymptom].map(([symptom, sources]) => `${sources.join(' + ')} ${symptom}`).join(' + ')}`;
}

/** A complete dossier whose figures are not the person's, or null. */
function wrongFigures(answer: DossierAnswer, person: Expected, banks: number): string | null {
  if (answer.document !== person.document) return `asked for ${person.document}, got the dossier of ${answer.document}`;
  if (answer.totals.balanceCents !== person.expectedBalanceCents) {
    return `dossier of ${person.document}: balance ${answer.totals.balanceCents} cents, expected ${person.expectedBalanceCents} (deposits - Pix sent + Pix received)`;
  }
  if (answer.banks.length !== banks || answer.banks.some((bank) => bank.accounts.length !== 1)) {
    return `dossier of ${person.document}: accounts per bank ${answer.banks.map((bank) => bank.accounts.length).join(',')}, expected one at each of ${banks} banks`;
  }
  if (!sameTotals(answer.totals, person.registry)) {
    return `dossier of ${person.document}: registry totals ${JSON.stringify(answer.totals)}, the registry says ${JSON.stringify(person.registry)}`;
  }
  return null;
}

/** What is wrong with a dossier of `person` (incomplete, or wrong figures), or null when it is right. */
function dossierProblem(answer: DossierAnswer, person: Expected, banks: number): OperationError | null {
  if (!answer.complete) {
    const down = answer.sources.filter((source) => source.status !== 'ok').map((source) => `${source.source} ${source.status}${source.error ? ` (${source.error.message})` : ''}`);
    return new OperationError(incompleteKind(answer), `dossier of ${person.document} not complete: ${down.join('; ')}`);
  }
  const wrong = wrongFigures(answer, person, banks);
  return wrong === null ? null : new OperationError(WRONG, wrong);
}

interface Clients {
  dossier: Pool;
  registry: Pool;
  reader: ClientToken;
  writer: ClientToken;
  banks: number;
  /** Dossiers read and found right so far. */
  checked: number;
}

/** One dossier, checked; throws an OperationError of kind "incomplete: ..." or "wrong answer" unless it is right. */
async function readDossier(clients: Clients, person: Expected): Promise<DossierAnswer> {
  const answer = await read<DossierAnswer>(clients.dossier, `/v1/dossiers/${person.document}`, await clients.reader.authorization());
  const problem = dossierProblem(answer, person, clients.banks);
  if (problem) throw problem;
  clients.checked += 1;
  return answer;
}

async function readRegistry(clients: Clients, person: Expected): Promise<void> {
  const answer = await read<RegistryAnswer>(clients.registry, `/v1/people/${person.document}`, await clients.writer.authorization());
  if (answer.document !== person.document || !sameTotals(answer.totals, person.registry)) {
    throw new OperationError(WRONG, `registry answer for ${person.document}: ${JSON.stringify(answer.totals)}, expected ${JSON.stringify(person.registry)}`);
  }
}

/** Fails the bench when a phase saw a wrong dossier (or registry answer). */
function failOnWrong(result: PhaseResult): void {
  const wrong = result.errorsByKind[WRONG] ?? 0;
  if (wrong > 0) throw new Error(`(e) ${result.label}: ${wrong} wrong answers of ${result.ops + result.errors}; e.g. ${result.errorSamples.join(' / ')}`);
}

/** Reads every person's dossier, one at a time, until all are complete and right, up to SETTLE_MS_MAX; `when` names the moment for the error. */
async function waitForRightDossiers(clients: Clients, people: readonly Expected[], when: string): Promise<void> {
  const deadline = Date.now() + SETTLE_MS_MAX;
  for (;;) {
    const problems: string[] = [];
    for (const person of people) {
      await readDossier(clients, person).catch((error: unknown) => problems.push(messageOf(error)));
    }
    if (problems.length === 0) return;
    if (Date.now() >= deadline) throw new Error(`(e) ${when}: ${problems.length} of ${people.length} dossiers still not right after ${SETTLE_MS_MAX / 1000} s: ${problems.slice(0, 3).join(' / ')}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function startMembers(options: DossierOptions, resources: Resources): Promise<RunningConsortium> {
  const dataDir = resources.tempDir('banca-bench-e-');
  // startConsortium stops the banks it started when a later one fails, not a half-started bank: stop those here.
  const before = new Set(ownChildren());
  resources.defer('stop processes of a half-started consortium', () => stopChildren(before));
  const consortium = await startConsortium(options.banks, 'holds', {
    ports: 'random', store: 'sqlite', dataDir, businessServers: options.businessServers, queueMode: 'batch', logLevel: 'warn',
    // Every person signs up at every bank from 127.0.0.1: past the product's 10 sign-ups per address and window.
    businessServer: { signUpsPerIpMax: 10_000 },
    services: { seedDemo: true },
  });
  resources.defer('stop the consortium', () => stopOrKill(consortium));
  return consortium;
}

function cpuTargets(consortium: RunningConsortium): CpuTarget[] {
  return [
    { name: 'bench (client)', pid: process.pid },
    { name: 'dossier', pid: consortium.services?.dossier.child.pid },
    { name: 'credit registry', pid: consortium.services?.registry.child.pid },
    ...consortium.banks.flatMap((bank) => [
      { name: 'gateways', pid: bank.gateway.child.pid },
      ...bank.businessServers.map((server) => ({ name: 'business servers', pid: server.child.pid })),
      ...bank.dataServers.map((server) => ({ name: 'data servers', pid: server.child.pid })),
    ]),
  ];
}

/** The dossier at one level, keeping how long it says each source took over the measured window. */
async function measureDossier(options: DossierOptions, clients: Clients, people: readonly Expected[], concurrency: number): Promise<{ result: PhaseResult; sources: SourceLatency[] }> {
  const perSource = new Map<string, LatencySamples>();
  const measuredFrom = process.hrtime.bigint() + BigInt(Math.round(options.warmupSeconds * 1e9));
  const result = await runClosedLoop({
    label: `(e) dossier, ${concurrency} in flight`, concurrency, seconds: options.seconds, warmupSeconds: options.warmupSeconds, progress: options.progress, unit: 'dossiers',
  }, async () => {
    const started = process.hrtime.bigint();
    const answer = await readDossier(clients, people[randomIndex(people.length)]!);
    if (started < measuredFrom) return;
    for (const source of answer.sources) {
      let samples = perSource.get(source.source);
      if (!samples) perSource.set(source.source, (samples = new LatencySamples()));
      samples.add(source.latencyMs);
    }
  });
  const sources = [...perSource].sort(([a], [b]) => a.localeCompare(b)).map(([source, samples]) => {
    const summary = samples.summary();
    return { source, p50Ms: summary.p50Ms, p99Ms: summary.p99Ms };
  });
  return { result, sources };
}

async function measureLevel(options: DossierOptions, clients: Clients, people: readonly Expected[], targets: CpuTarget[], concurrency: number): Promise<DossierLevel> {
  const referenceCpu = measureCpu(targets, options.warmupSeconds * 1000);
  const reference = await runClosedLoop({
    label: `(e) reference: registry read, ${concurrency} in flight`, concurrency, seconds: options.seconds, warmupSeconds: options.warmupSeconds,
    progress: options.progress, unit: 'req',
  }, () => readRegistry(clients, people[randomIndex(people.length)]!));
  const referenceShares = mergeShares(referenceCpu.stop());
  failOnWrong(reference);
  await waitForRightDossiers(clients, people, `before ${concurrency} in flight`);
  const dossierCpu = measureCpu(targets, options.warmupSeconds * 1000);
  const { result: dossier, sources } = await measureDossier(options, clients, people, concurrency);
  const dossierShares = mergeShares(dossierCpu.stop());
  failOnWrong(dossier);
  const incompleteBySources = Object.fromEntries(Object.entries(dossier.errorsByKind)
    .filter(([kind]) => kind.startsWith(`${INCOMPLETE}: `)).map(([kind, count]) => [kind.slice(INCOMPLETE.length + 2), count]));
  return {
    concurrency, reference, dossier, ratioToReference: ratio(dossier.opsPerSec, reference.opsPerSec), sources,
    incomplete: Object.values(incompleteBySources).reduce((sum, count) => sum + count, 0), incompleteBySources,
    cpu: { reference: referenceShares, dossier: dossierShares },
  };
}

export async function runDossierBench(options: DossierOptions): Promise<DossierReport> {
  if (options.banks < 2) throw new Error('part (e) needs at least 2 banks');
  const levels = [...new Set(options.levels)].sort((x, y) => x - y);
  if (levels.length === 0 || levels.some((level) => !Number.isInteger(level) || level < 1)) throw new Error('part (e) needs levels of 1 or more in flight');
  const maxLevel = levels[levels.length - 1]!;
  const resources = new Resources();
  try {
    const setupStart = process.hrtime.bigint();
    note(`(e) starting ${options.banks} banks (data server, ${options.businessServers} business server${options.businessServers === 1 ? '' : 's'}, gateway each), ` +
      'the credit registry and the dossier...', options.progress);
    const consortium = await startMembers(options, resources);
    const services = consortium.services;
    if (!services) throw new Error('(e) the consortium started without its services');
    const gateways = consortium.banks.map((bank) => keepAlivePool(bank.gateway.url, 6));
    const tokenPool = keepAlivePool(services.dossier.url, 1);
    const clients: Clients = {
      dossier: keepAlivePool(services.dossier.url, maxLevel),
      registry: keepAlivePool(services.registry.url, maxLevel),
      reader: new ClientToken(tokenPool, DEV_OAUTH_CLIENTS.dossierReader),
      writer: new ClientToken(tokenPool, DEV_OAUTH_CLIENTS.registryWriter),
      banks: options.banks,
      checked: 0,
    };
    resources.defer('close the pools', () => Promise.all([...gateways, tokenPool, clients.dossier, clients.registry].map((pool) => pool.destroy())));

    note(`(e) ${options.people} people open an account at every bank, deposit, and send ${options.pixPerPerson} Pix each...`, options.progress);
    const opened = await openPeople(gateways, options.people, options.pixPerPerson);
    const people: Expected[] = [];
    for (const person of opened.people) {
      const registry = await read<RegistryAnswer>(clients.registry, `/v1/people/${person.document}`, await clients.writer.authorization());
      people.push({ ...person, registry: registry.totals });
    }
    await waitForRightDossiers(clients, people, 'after the setup');
    const setupSeconds = Number(process.hrtime.bigint() - setupStart) / 1e9;

    if (options.serviceWarmupSeconds > 0) {
      let turn = 0;
      const warmup = await runClosedLoop({
        label: '(e) warming the services up (not measured)', concurrency: Math.min(maxLevel, WARMUP_CONCURRENCY_MAX), seconds: options.serviceWarmupSeconds,
        warmupSeconds: 0, progress: options.progress, unit: 'req',
      }, () => (turn++ % 2 === 0 ? readDossier(clients, people[randomIndex(people.length)]!) : readRegistry(clients, people[randomIndex(people.length)]!)));
      failOnWrong(warmup);
    }

    const targets = cpuTargets(consortium);
    const rows: DossierLevel[] = [];
    for (const concurrency of levels) rows.push(await measureLevel(options, clients, people, targets, concurrency));
    return {
      banks: options.banks, businessServers: options.businessServers, levels, people: people.length,
      peopleWithRegistryRecords: people.filter((person) => person.registry.debtCents + person.registry.assetCents + person.registry.monthlyIncomeCents > 0).length,
      pixSent: opened.pixSent, rows, dossiersChecked: clients.checked, tokens: { dossierReader: clients.reader.issued, registryWriter: clients.writer.issued }, setupSeconds,
    };
  } finally {
    await resources.close();
  }
}
