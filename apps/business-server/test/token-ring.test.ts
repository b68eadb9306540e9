// The token ring (seed 003) with three banks in one process: each bank is a compare-and-set
// record in memory and two TokenRing instances (two business servers) sharing it; sendToken
// calls the target bank's receive. A bank is killed by crashing its servers (every call of theirs
// fails) and making it unreachable; a server crashes the same way, alone.
import assert from 'node:assert/strict';
import { setImmediate as yieldTurn, setTimeout as delay } from 'node:timers/promises';
import { afterEach, describe, test } from 'node:test';
import { BancaError } from '@banca/core/errors';
import {
  initialState, TokenRing, type RingLog, type RingPeersPort, type RingState, type RingStatePort, type RingToken, type SendOutcome, type TokenRingOptions,
  type VersionedRingState,
} from '../src/application/consortium/token-ring.js';

type Timing = Omit<TokenRingOptions, 'bankIndex' | 'bankCount' | 'serverId'>;

// Short, but with room for a loaded machine: a lease outlives event-loop stalls of a few hundred
// ms, and the lost-token timeouts (700, 1000 and 1500 ms) many ring cycles.
const TIMING: Timing = {
  opsPerPass: 1, timeoutMs: 600, timeoutStepMs: 100, checkAttempts: 3, checkIntervalMs: 50, holdLeaseMs: 400, tickMs: 10,
};

class MemoryRingStore implements RingStatePort {
  version = 0;
  state: RingState | null = null;
  readonly history: RingState[] = [];

  async read(): Promise<VersionedRingState | null> {
    await yieldTurn();
    return this.state ? { version: this.version, state: structuredClone(this.state) } : null;
  }

  async write(expectVersion: number, state: RingState): Promise<boolean> {
    await yieldTurn();
    if (expectVersion !== this.version) return false;
    this.version += 1;
    this.state = structuredClone(state);
    this.history.push(this.state);
    return true;
  }
}

/** A business server as its ports see it: they check `crashed` on every call. */
interface Member {
  id: string;
  bank: Bank;
  crashed: boolean;
  stopped: Promise<void> | null;
  ran: number;
}

interface Server extends Member {
  ring: TokenRing;
}

interface Bank {
  index: number;
  store: MemoryRingStore;
  servers: Server[];
  /** Other banks can reach it. */
  reachable: boolean;
  /** It can reach other banks. */
  online: boolean;
  queued: number;
  ran: number;
  /** Work of this server (or of any server of the bank, when 'all') blocks until close. */
  block: Server | 'all' | null;
}

interface Send {
  from: number;
  to: number;
  outcome: SendOutcome;
}

class Consortium {
  readonly banks: Bank[];
  readonly sends: Send[] = [];
  readonly violations: string[] = [];
  readonly blocked: Member[] = [];
  private readonly inWork = new Set<Member>();
  private readonly gates: (() => void)[] = [];
  private serial = 0;
  /** Whether banks can ask each other's ring status (the detection beyond the seed). */
  withStatus = false;

  constructor(private readonly timing: Timing = TIMING, queued: number[] = [1000, 1000, 1000]) {
    this.banks = queued.map((ops, position) => ({
      index: position + 1, store: new MemoryRingStore(), servers: [], reachable: true, online: true, queued: ops, ran: 0, block: null,
    }));
    for (const bank of this.banks) this.addServers(bank);
  }

  bank(index: number): Bank {
    return this.banks[index - 1]!;
  }

  /** New business servers of the bank, on its surviving store. */
  addServers(bank: Bank): Server[] {
    const servers = [0, 1].map(() => this.addServer(bank));
    for (const server of servers) server.ring.start();
    return servers;
  }

  /** Every business server of the bank dies and nobody can reach it. */
  kill(index: number): void {
    const bank = this.bank(index);
    bank.reachable = false;
    for (const server of bank.servers) this.crash(server);
  }

  crash(server: Server): void {
    server.crashed = true;
    server.stopped ??= server.ring.stop();
  }

  /** The banks that hold the token and may run work (not handing it on), as their records say now. */
  holders(): number[] {
    return this.banks.filter((bank) => bank.servers.some((server) => !server.crashed) && bank.store.state?.holding && !bank.store.state.passing)
      .map((bank) => bank.index);
  }

  passes(index: number): number {
    return this.bank(index).store.state?.passes ?? 0;
  }

  regenerations(): number {
    return this.banks.reduce((sum, bank) => sum + (bank.store.state?.regenerations ?? 0), 0);
  }

  async close(): Promise<void> {
    this.gates.splice(0).forEach((open) => open());
    await Promise.all(this.banks.flatMap((bank) => bank.servers).map((server) => (server.stopped ??= server.ring.stop())));
  }

  private addServer(bank: Bank): Server {
    const id = `b${bank.index}-s${++this.serial}`;
    const member: Member = { id, bank, crashed: false, stopped: null, ran: 0 };
    const options: TokenRingOptions = { ...this.timing, bankIndex: bank.index, bankCount: this.banks.length, serverId: id };
    const ring = new TokenRing(options, this.storeOf(member), this.peersOf(member), (budget) => this.work(member, budget), silentLog);
    const server: Server = Object.assign(member, { ring });
    bank.servers.push(server);
    return server;
  }

  private storeOf(server: Member): RingStatePort {
    const { store } = server.bank;
    return {
      read: async () => (server.crashed ? Promise.reject(new Error('crashed')) : store.read()),
      write: async (version, state) => (server.crashed ? Promise.reject(new Error('crashed')) : store.write(version, state)),
    };
  }

  private peersOf(server: Member): RingPeersPort {
    return {
      sendToken: async (to, token) => {
        const outcome = await this.deliver(server, to, token);
        this.sends.push({ from: server.bank.index, to, outcome });
        return outcome;
      },
      ping: async (to) => {
        await yieldTurn();
        return this.reach(server, to) !== null;
      },
      status: async (to) => {
        await yieldTurn();
        const target = this.withStatus ? this.reach(server, to) : null;
        return target ? target.ring.status() : null;
      },
    };
  }

  private reach(from: Member, to: number): Server | null {
    const target = this.bank(to);
    const alive = target.servers.filter((server) => !server.crashed);
    if (from.crashed || !from.bank.online || !target.reachable || alive.length === 0) return null;
    return alive[Math.floor(Math.random() * alive.length)]!;
  }

  private async deliver(from: Member, to: number, token: RingToken): Promise<SendOutcome> {
    await yieldTurn();
    const target = this.reach(from, to);
    if (!target) return 'unreachable';
    try {
      await target.ring.receive(structuredClone(token));
      return 'accepted';
    } catch (error) {
      if (error instanceof BancaError && error.code === 'STALE_TOKEN') return 'stale';
      return 'unreachable';
    }
  }

  private async work(server: Member, budget: number): Promise<number> {
    const { bank } = server;
    const state = bank.store.state;
    if (!state?.holding || state.passing || state.holderId !== server.id) this.violations.push(`${server.id} worked without the token`);
    for (const other of this.inWork) {
      if (!other.crashed && other.bank !== bank) this.violations.push(`${server.id} worked while ${other.id} did`);
    }
    this.inWork.add(server);
    try {
      if (bank.block === 'all' || bank.block === server) {
        this.blocked.push(server);
        await new Promise<void>((resolve) => this.gates.push(resolve));
      }
      if (server.crashed) return 0;
      const ran = Math.min(budget, bank.queued);
      bank.queued -= ran;
      bank.ran += ran;
      server.ran += ran;
      if (ran > 0) await delay(2);
      return ran;
    } finally {
      this.inWork.delete(server);
    }
  }
}

const silentLog: RingLog = { info: () => undefined, warn: () => undefined };

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await delay(2);
  }
}

/** Makes the bank unreachable, waits until it has handed the token on, then kills it. */
async function killWhileWaiting(ring: Consortium, index: number): Promise<void> {
  const bank = ring.bank(index);
  bank.reachable = false;
  await until(() => bank.store.state?.holding === false, 2000, `bank ${index} hands the token on`);
  ring.kill(index);
}

/** Blocks the bank's work, waits until a pass of it is blocked in its work, then kills it. */
async function killWhileHolding(ring: Consortium, index: number): Promise<void> {
  const bank = ring.bank(index);
  bank.block = 'all';
  await until(() => ring.blocked.some((server) => server.bank === bank), 3000, `bank ${index} runs a pass`);
  ring.kill(index);
  bank.block = null;
}

const opened: Consortium[] = [];
function consortium(timing?: Timing, queued?: number[]): Consortium {
  const ring = new Consortium(timing, queued);
  opened.push(ring);
  return ring;
}

afterEach(async () => {
  await Promise.all(opened.splice(0).map((ring) => ring.close()));
});

describe('token ring', () => {
  test('token ring - the token circulates, one bank at a time holds it, work runs only with it', async () => {
    // Bank 2 has nothing queued: its passes hold the token one idle tick, then hand it on.
    const ring = consortium(TIMING, [1000, 0, 1000]);
    let samples = 0;
    let heldSamples = 0;
    const deadline = Date.now() + 1200;
    while (Date.now() < deadline) {
      const holders = ring.holders();
      assert.ok(holders.length <= 1, `banks ${holders.join(', ')} hold the token at once`);
      samples += 1;
      if (holders.length === 1) heldSamples += 1;
      await delay(1);
    }
    assert.ok(heldSamples > samples / 4, `the token was held in ${heldSamples} of ${samples} samples`);
    for (const index of [1, 2, 3]) assert.ok(ring.passes(index) >= 5, `bank ${index} passed the token ${ring.passes(index)} times`);
    assert.deepEqual(ring.violations, []);
    assert.ok(ring.bank(1).ran >= 5 && ring.bank(3).ran >= 5, 'banks with queued work ran it');
    assert.equal(ring.bank(2).ran, 0);
    // One operation per pass, as the seed: a bank ran at most as many operations as it accepted the token.
    for (const index of [1, 3]) assert.ok(ring.bank(index).ran <= ring.bank(index).store.state!.myCounter);
    assert.equal(ring.regenerations(), 0);
    const servers = ring.banks.flatMap((bank) => bank.servers).filter((server) => server.bank.index !== 2);
    assert.ok(servers.every((server) => server.ran > 0), 'both business servers of a bank run passes');
  });

  test('token ring - a pass skips a dead bank; the others keep passing to each other', async () => {
    const ring = consortium();
    await until(() => ring.passes(2) >= 2, 3000, 'the ring runs');
    await killWhileWaiting(ring, 2);
    const [first, third, deadPasses] = [ring.passes(1), ring.passes(3), ring.passes(2)];
    const sendsBefore = ring.sends.length;
    await until(() => ring.passes(1) >= first + 5 && ring.passes(3) >= third + 5, 3000, 'banks 1 and 3 pass the token on');
    const after = ring.sends.slice(sendsBefore);
    assert.ok(after.some((send) => send.from === 1 && send.to === 2 && send.outcome === 'unreachable'), 'bank 1 tried bank 2 first');
    assert.ok(after.some((send) => send.from === 1 && send.to === 3 && send.outcome === 'accepted'), 'then gave it to bank 3');
    assert.ok(after.every((send) => send.to !== 2 || send.outcome === 'unreachable'));
    assert.equal(ring.passes(2), deadPasses);
    assert.equal(ring.regenerations(), 0);
    assert.deepEqual(ring.violations, []);
  });

  test('token ring - a bank killed while holding the token: one bank regenerates it (+100) and the ring goes on', async () => {
    const ring = consortium();
    await until(() => ring.passes(3) >= 2, 3000, 'the ring runs');
    await killWhileHolding(ring, 2);
    const seen = { 1: [...ring.bank(1).store.state!.counters], 3: [...ring.bank(3).store.state!.counters] };
    await until(() => ring.regenerations() >= 1, 4000, 'the lost token is regenerated');
    const regenerator = ring.banks.find((bank) => (bank.store.state?.regenerations ?? 0) > 0)!;
    // Bank 1 times out first (600 + 1² * 100 ms against 600 + 3² * 100 ms).
    assert.equal(regenerator.index, 1);
    const regenerated = regenerator.store.history.find((state) => state.regenerations === 1)!;
    const expected = seen[1].map((value) => value + 100);
    expected[0] = expected[0]! + 1;
    assert.deepEqual(regenerated.counters, expected, 'every counter + 100, then accepted by bank 1 itself');
    const [first, third] = [ring.passes(1), ring.passes(3)];
    await delay(1200); // past bank 3's own timeout: it must not regenerate a second token
    assert.equal(ring.regenerations(), 1);
    assert.ok(ring.passes(1) >= first + 5 && ring.passes(3) >= third + 5, 'the ring goes on among the living');
    assert.ok(ring.bank(3).store.state!.myCounter > seen[3][2]! + 100, 'bank 3 accepted the new token');
    assert.deepEqual(ring.violations, []);
  });

  test('token ring - a bank killed while waiting: the ring goes on without a new token', async () => {
    const ring = consortium();
    await until(() => ring.passes(2) >= 2, 3000, 'the ring runs');
    await killWhileWaiting(ring, 2);
    const [first, third] = [ring.passes(1), ring.passes(3)];
    await delay(2000); // past every bank's lost-token timeout (bank 3: 1500 ms + 3 checks)
    assert.equal(ring.regenerations(), 0);
    assert.ok(ring.passes(1) >= first + 10 && ring.passes(3) >= third + 10);
    assert.deepEqual(ring.violations, []);
  });

  test('token ring - a revived bank with the old token is told it is stale, drops it, then takes the live one', async () => {
    const ring = consortium();
    await until(() => ring.passes(3) >= 2, 3000, 'the ring runs');
    await killWhileHolding(ring, 2);
    const third = ring.bank(3).store.state!.myCounter;
    await until(() => ring.regenerations() === 1, 4000, 'the lost token is regenerated');
    // Bank 3 must have seen the new token: before that, the old one is as good as any to it.
    await until(() => ring.bank(3).store.state!.myCounter > third + 100, 2000, 'bank 3 takes the new token');
    const bank = ring.bank(2);
    const old = structuredClone(bank.store.state!);
    assert.equal(old.holding, true, 'bank 2 died holding the old token');
    const ranBefore = bank.ran;
    // Revived, it can reach the others but they cannot reach it yet, so its own pass goes first.
    const sendsBefore = ring.sends.length;
    ring.addServers(bank);
    await until(() => bank.store.state!.holding === false, 2000, 'bank 2 drops the old token');
    const mine = ring.sends.slice(sendsBefore).filter((send) => send.from === 2);
    assert.deepEqual(mine.map((send) => send.outcome), ['stale']);
    assert.equal(bank.ran, ranBefore, 'no operation ran with the stale token');
    assert.equal(bank.store.state!.myCounter, old.myCounter);
    bank.reachable = true;
    await until(() => bank.store.state!.myCounter > old.myCounter + 100, 2000, 'bank 2 accepts the live token');
    await until(() => ring.passes(2) > old.passes, 2000, 'bank 2 passes it on');
    assert.equal(ring.regenerations(), 1);
    assert.ok(bank.ran > ranBefore, 'bank 2 runs its work again');
    assert.deepEqual(ring.violations, []);
  });

  test('token ring - when the business server running the pass dies, another server of the bank takes it over', async () => {
    // Lost-token timeouts well past the stall: the pass must be taken over, not regenerated.
    const timing = { ...TIMING, timeoutMs: 2500 };
    const ring = consortium(timing);
    const bank = ring.bank(2);
    const [slow, other] = bank.servers as [Server, Server];
    bank.block = slow;
    await until(() => ring.blocked.includes(slow), 2000, 'the first server runs a pass');
    // Alive, it renews its lease: the other server waits even past holdLeaseMs.
    await delay(timing.holdLeaseMs * 1.5);
    assert.equal(bank.store.state!.holderId, slow.id);
    const passes = ring.passes(2);
    ring.crash(slow);
    const { holdUntilMs: leaseEnd } = bank.store.state!;
    const written = bank.store.history.length;
    await until(() => bank.store.state!.holderId === other.id, 2000, 'the other server takes the pass over');
    await until(() => ring.passes(2) > passes, 2000, 'the bank passes the token on');
    const takeOver = bank.store.history.slice(written).find((state) => state.holderId === other.id)!;
    assert.ok(takeOver.holdUntilMs - timing.holdLeaseMs >= leaseEnd, 'taken over only once the lease ran out');
    const [first, third] = [ring.passes(1), ring.passes(3)];
    await until(() => ring.passes(1) > first && ring.passes(3) > third && ring.passes(2) > passes + 1, 2000, 'the ring goes on');
    assert.equal(ring.regenerations(), 0);
    assert.deepEqual(ring.violations, []);
  });

  test('token ring - a bank that can reach nobody goes to stand-by instead of regenerating, and rejoins', async () => {
    const ring = consortium();
    await until(() => ring.passes(3) >= 2, 3000, 'the ring runs');
    const bank = ring.bank(3);
    bank.reachable = false;
    await until(() => bank.store.state?.holding === false, 2000, 'bank 3 hands the token on');
    bank.online = false;
    await until(() => bank.store.state!.standby, 4000, 'bank 3 goes to stand-by');
    assert.equal(ring.regenerations(), 0);
    const passes = ring.passes(3);
    bank.reachable = true;
    bank.online = true;
    await until(() => !bank.store.state!.standby && ring.passes(3) > passes, 2000, 'bank 3 takes the token again');
    assert.equal(ring.regenerations(), 0);
    assert.deepEqual(ring.violations, []);
  });

  test('token ring - a nudge runs work queued while the bank idles with the token', async () => {
    // A long tick: an idle pass keeps the token 300 ms unless work arrives.
    const ring = consortium({ ...TIMING, tickMs: 300, timeoutMs: 3000 }, [0, 0, 0]);
    const bank = ring.bank(2);
    await until(() => ring.holders().includes(2), 3000, 'bank 2 holds the token');
    bank.queued = 1;
    const nudgedAt = Date.now();
    for (const server of bank.servers) server.ring.nudge();
    await until(() => bank.ran === 1, 1000, 'the queued operation runs');
    assert.ok(Date.now() - nudgedAt < 150, 'it ran in the same pass, before the idle tick ended');
    assert.deepEqual(ring.violations, []);
  });

  test('token ring - a token with the wrong shape is refused', async () => {
    const ring = consortium();
    const server = ring.bank(1).servers[0]!;
    await assert.rejects(server.ring.receive({ nodeSender: 2, counters: [1, 2] }), (error: unknown) => error instanceof BancaError && error.code === 'INVALID_REQUEST');
    await assert.rejects(server.ring.receive({ nodeSender: 7, counters: [1, 2, 3] }), (error: unknown) => error instanceof BancaError && error.code === 'INVALID_REQUEST');
  });

  test('token ring - beyond the seed: a bank the others cannot reach does not regenerate while they saw the token recently', async () => {
    const ring = consortium();
    ring.withStatus = true;
    await until(() => ring.passes(2) >= 2, 3000, 'the ring runs');
    // Bank 2 can reach the others but they cannot reach it (as while it restarts behind its gateway).
    await killWhileWaiting(ring, 2);
    for (const server of ring.bank(2).servers) server.crashed = false;
    ring.bank(2).servers.splice(0);
    ring.addServers(ring.bank(2));
    const passes2 = ring.passes(2);
    await delay(2000); // past bank 2's lost-token timeout and checks
    assert.equal(ring.regenerations(), 0, 'the seed would regenerate here: the previous bank answers, the token does not come');
    assert.equal(ring.passes(2), passes2);
    ring.bank(2).reachable = true;
    await until(() => ring.passes(2) > passes2, 3000, 'bank 2 gets the live token once reachable');
    assert.equal(ring.regenerations(), 0);
    assert.deepEqual(ring.violations, []);
  });

  test('token ring - beyond the seed: a bank whose copy of the token died with it accepts the live token, still refuses an old one', async () => {
    const store = new MemoryRingStore();
    // Bank 2 accepted a token (62) whose acceptance never reached bank 1, which passed the token
    // to bank 3 as well; bank 2 then died, and the live token went round banks 1 and 3.
    await store.write(0, { ...initialState(3), counters: [62, 62, 25], myCounter: 62, lastTokenAtMs: Date.now() });
    const ring = new TokenRing({ ...TIMING, bankIndex: 2, bankCount: 3, serverId: 'b2' }, store, {
      sendToken: async () => 'unreachable',
      ping: async () => false,
    }, async () => 0, silentLog);
    const old = ring.receive({ nodeSender: 1, counters: [61, 61, 24] });
    await assert.rejects(old, (error: unknown) => error instanceof BancaError && error.code === 'STALE_TOKEN');
    await ring.receive({ nodeSender: 1, counters: [205, 61, 168] });
    assert.equal(store.state!.holding, true);
    assert.equal(store.state!.myCounter, 63, 'its counter moves past both the live token and its own');
    assert.deepEqual(store.state!.counters, [205, 63, 168]);
    await ring.stop();
  });
});
