// Token-ring coordination of interbank work (seed 003, "Algoritmo Token Ring"): only the bank
// holding the token runs interbank operations, at most opsPerPass per pass, then hands the token
// to the next bank it can reach. The token carries one pass counter per bank; a bank refuses a
// token whose counter for it is below its own (STALE_TOKEN): that token was replaced while its
// sender was cut off. A bank that has not seen the token for timeoutMs + index² * timeoutStepMs
// checks its predecessor, then every bank, and puts a new token (every counter + 100) in the ring
// unless nobody answers, in which case it is the one cut off and waits in stand-by.
//
// A bank is several stateless business servers sharing one data store, so the ring state is one
// versioned record of the bank (RingStatePort, compare-and-set): any of its servers accepts the
// token; the one running the pass holds a lease (holdUntilMs) it renews, and when it dies another
// takes the pass over; only the server whose write wins regenerates a lost token. Every change is
// a write against the version read; a lost write is re-read and decided again, never acted on.
//
// API:
//   new TokenRing(options, statePort, peersPort, work, log, now?)
//   start()          starts this server's tick loop (unref'd timers)
//   stop()           stops it; a running pass finishes (hands the token on) or gives its lease up
//   receive(token)   the interbank route's handler: accepts or throws BancaError STALE_TOKEN (409);
//                    the pass then runs in the background
//   status()         the bank's ring state as its record says
//   nudge()          work was queued: a pass idling on this server runs it now
// work(budget) runs up to budget queued interbank operations and returns how many it ran.
import type { FastifyBaseLogger } from 'fastify';
import { BancaError } from '@banca/core/errors';

export interface RingToken {
  nodeSender: number;
  /** One pass counter per bank; bank i's is at index i - 1 (the seed's tokenIDList). */
  counters: number[];
}

export interface RingState {
  /** The counters of the last token this bank accepted. */
  counters: number[];
  myCounter: number;
  /** The bank has the token: it runs a pass or hands the token on. */
  holding: boolean;
  /** The pass's work is done and the token is being handed on: no operation runs now. */
  passing: boolean;
  /** The business server running the pass. */
  holderId: string | null;
  /** That server's lease on the pass; after it, another server of the bank may take it over. */
  holdUntilMs: number;
  /** When the bank last received, passed or dropped the token (the lost-token timer). */
  lastTokenAtMs: number;
  /** When this bank last restarted its lost-token timer without seeing the token (it checked and
   *  found the token alive elsewhere, went to stand-by, or dropped a stale token). */
  lastCheckAtMs: number;
  standby: boolean;
  regenerations: number;
  passes: number;
}

export interface VersionedRingState {
  version: number;
  state: RingState;
}

/** The bank's ring record. write is a compare-and-set: false when the version moved. */
export interface RingStatePort {
  read(): Promise<VersionedRingState | null>;
  write(expectVersion: number, state: RingState): Promise<boolean>;
}

export type SendOutcome = 'accepted' | 'stale' | 'unreachable';

export interface RingPeersPort {
  sendToken(toBank: number, token: RingToken): Promise<SendOutcome>;
  ping(bank: number): Promise<boolean>;
  /** A bank's ring status, null when it cannot be reached. Optional: without it, the seed's
   *  detection runs unchanged. */
  status?(bank: number): Promise<RingStatus | null>;
}

export interface TokenRingOptions {
  bankIndex: number;
  bankCount: number;
  serverId: string;
  opsPerPass: number;
  timeoutMs: number;
  timeoutStepMs: number;
  checkAttempts: number;
  checkIntervalMs: number;
  /** Must outlast one sendToken attempt: the lease is renewed before each. */
  holdLeaseMs: number;
  /** The tick loop's period; also how long an idle pass keeps the token before passing it. */
  tickMs: number;
}

export interface RingStatus {
  holding: boolean;
  passing: boolean;
  counters: number[];
  myCounter: number;
  standby: boolean;
  regenerations: number;
  passes: number;
  /** How long ago this bank last received or passed the token. */
  sinceTokenMs: number;
}

export type RingLog = Pick<FastifyBaseLogger, 'info' | 'warn'>;

export type RingWork = (budget: number) => Promise<number>;

/** What the seed adds to every counter of a regenerated token. */
export const REGENERATION_STEP = 100;
/** Bounds the compare-and-set retries of one decision; conflicts are rare (a few writers per bank). */
const CAS_ATTEMPTS_MAX = 16;

type HandOn = 'passed' | 'dropped' | 'lost' | 'nobody';
type SleepKind = 'idle' | 'wait';

export class TokenRing {
  private readonly startedAtMs: number;
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;
  private pass: Promise<void> | null = null;
  private passAgain = false;
  private nudged = false;
  private readonly sleepers = new Map<() => void, SleepKind>();

  constructor(
    private readonly options: TokenRingOptions,
    private readonly store: RingStatePort,
    private readonly peers: RingPeersPort,
    private readonly work: RingWork,
    private readonly log: RingLog,
    private readonly now: () => number = Date.now,
  ) {
    const { bankIndex, bankCount } = options;
    if (!Number.isInteger(bankCount) || bankCount < 1 || !Number.isInteger(bankIndex) || bankIndex < 1 || bankIndex > bankCount) {
      throw new BancaError('INTERNAL', `token ring: bank ${bankIndex} is not one of 1..${bankCount}`);
    }
    this.startedAtMs = now();
  }

  start(): void {
    if (this.stopped || this.timer !== null || this.ticking !== null) return;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const wake of [...this.sleepers.keys()]) wake();
    await this.ticking;
    await this.pass;
  }

  nudge(): void {
    this.nudged = true;
    for (const [wake, kind] of [...this.sleepers]) if (kind === 'idle') wake();
  }

  async status(): Promise<RingStatus> {
    const { state } = await this.read();
    const { holding, passing, counters, myCounter, standby, regenerations, passes } = state;
    return { holding, passing, counters, myCounter, standby, regenerations, passes, sinceTokenMs: Math.max(0, this.now() - state.lastTokenAtMs) };
  }

  async receive(token: RingToken): Promise<void> {
    if (this.stopped) throw new BancaError('UNAVAILABLE', 'This business server is shutting down; send the token to another.');
    this.checkToken(token);
    const index = this.options.bankIndex - 1;
    const mine = token.counters[index]!;
    for (let attempt = 0; attempt < CAS_ATTEMPTS_MAX; attempt++) {
      const { version, state } = await this.read();
      // The seed's rule, refined: a token is stale when its counter for this bank is below the
      // one this bank last saw, unless it carries newer passes of a third bank than this bank
      // ever saw; then it is this bank that was cut off (a copy of the token died with it), and
      // refusing the live token would leave the ring with none.
      const newerElsewhere = token.counters.some((value, at) => at !== index && at !== token.nodeSender - 1 && value > (state.counters[at] ?? 0));
      if (mine < state.myCounter && !newerElsewhere) {
        throw new BancaError('STALE_TOKEN', `Bank ${this.options.bankIndex} already saw pass ${state.myCounter}; this token (from bank ${token.nodeSender}) says ${mine}.`);
      }
      const counters = [...token.counters];
      counters[index] = Math.max(mine, state.myCounter) + 1;
      // Accepting while holding happens only when this bank held a token that was replaced
      // (it was cut off): the newer token wins and the old pass stops at its next write.
      if (await this.store.write(version, this.holdingState(state, counters))) {
        this.startPass();
        return;
      }
    }
    throw new BancaError('UNAVAILABLE', 'The ring state kept changing; send the token again.');
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.ticking = this.tick()
        .catch((error: unknown) => this.log.warn({ err: error }, 'token ring: tick failed; trying again'))
        .finally(() => {
          this.ticking = null;
          this.schedule(this.options.tickMs);
        });
    }, delayMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    const snapshot = await this.read();
    const { version, state } = snapshot;
    if (version === 0 && this.options.bankIndex === 1) return this.putFirstToken();
    if (state.holding) return this.takeOverIfOrphaned(snapshot);
    if (this.pass === null) await this.detectLostToken(snapshot);
  }

  /** Bank 1 starts the ring once, when its record has never existed. */
  private async putFirstToken(): Promise<void> {
    const counters = new Array<number>(this.options.bankCount).fill(0);
    counters[0] = 1;
    if (await this.store.write(0, this.holdingState(initialState(this.options.bankCount), counters))) {
      this.log.info({ bank: 1 }, 'token ring: first token put in the ring');
      this.startPass();
    }
  }

  /** A pass whose server's lease ran out (it died or lost its store), or one this server dropped. */
  private async takeOverIfOrphaned({ version, state }: VersionedRingState): Promise<void> {
    if (this.pass !== null) return;
    const mine = state.holderId === this.options.serverId;
    if (!mine && state.holdUntilMs > this.now()) return;
    if (!(await this.store.write(version, { ...state, holderId: this.options.serverId, holdUntilMs: this.leaseEnd() }))) return;
    if (!mine) this.log.warn({ previousHolder: state.holderId, myCounter: state.myCounter }, 'token ring: took over a pass whose server stopped renewing its lease');
    this.startPass();
  }

  private startPass(): void {
    if (this.stopped) return;
    if (this.pass !== null) {
      this.passAgain = true;
      return;
    }
    this.pass = this.runPass()
      .catch((error: unknown) => this.log.warn({ err: error }, 'token ring: pass interrupted; the lease lets it resume'))
      .finally(() => {
        this.pass = null;
        if (this.passAgain) {
          this.passAgain = false;
          this.startPass();
        }
      });
  }

  /** Runs this bank's work, then hands the token on; loops while no other bank can be reached. */
  private async runPass(): Promise<void> {
    const first = await this.read();
    if (!first.state.holding || first.state.holderId !== this.options.serverId) return;
    const counter = first.state.myCounter;
    // A pass taken over long after its token arrived may carry a token the other banks have
    // already replaced: only its acceptance by the next bank proves it live, so it runs no work.
    let skipWork = this.now() - first.state.lastTokenAtMs >= this.options.timeoutMs;
    for (;;) {
      const current = await this.update(counter, (state) => state);
      if (!current) return;
      if (!current.state.passing) {
        if (!skipWork) await this.runWork(counter);
        if (!(await this.update(counter, (state) => ({ ...state, passing: true, holdUntilMs: this.leaseEnd() })))) return;
      }
      skipWork = false;
      if ((await this.handOn(counter)) !== 'nobody') return;
      // No other bank answers: the seed keeps the token and tries again; work may run meanwhile.
      const holdUntilMs = this.stopped ? 0 : this.leaseEnd();
      if (!(await this.update(counter, (state) => ({ ...state, passing: false, holdUntilMs })))) return;
      if (this.stopped) return;
      await this.sleep(this.options.tickMs, 'wait');
    }
  }

  /** The work of one pass, with the lease renewed meanwhile; an idle pass waits a tick for work. */
  private async runWork(counter: number): Promise<void> {
    let renewing: Promise<unknown> = Promise.resolve();
    const heartbeat = setInterval(() => {
      renewing = this.update(counter, (state) => ({ ...state, holdUntilMs: this.leaseEnd() })).catch((error: unknown) => {
        this.log.warn({ err: error }, 'token ring: could not renew the pass lease');
      });
    }, Math.max(1, Math.floor(this.options.holdLeaseMs / 3)));
    heartbeat.unref();
    try {
      this.nudged = false;
      let ran = await this.runBudget(this.options.opsPerPass);
      if (ran === 0 && !this.stopped) {
        if (!this.nudged) await this.sleep(this.options.tickMs, 'idle');
        if (this.nudged) ran = await this.runBudget(this.options.opsPerPass);
      }
    } finally {
      clearInterval(heartbeat);
      await renewing;
    }
  }

  private async runBudget(budget: number): Promise<number> {
    try {
      return await this.work(budget);
    } catch (error) {
      // The token must move on whatever the work did; the operation stays queued for a next pass.
      this.log.warn({ err: error }, 'token ring: interbank work failed during the pass');
      return 0;
    }
  }

  /** Tries the next banks in ring order, never itself, until one takes the token or refuses it. */
  private async handOn(counter: number): Promise<HandOn> {
    for (const target of this.banksAfterMe()) {
      const current = await this.update(counter, (state) => ({ ...state, holdUntilMs: this.leaseEnd() }));
      if (!current) return 'lost';
      const token: RingToken = { nodeSender: this.options.bankIndex, counters: [...current.state.counters] };
      const outcome = await this.peers.sendToken(target, token).catch((): SendOutcome => 'unreachable');
      if (outcome === 'unreachable') continue;
      if (outcome === 'stale') {
        this.log.warn({ target, counter }, 'token ring: our token is stale (a newer one circulates); dropping it');
      }
      await this.release(counter, outcome === 'accepted');
      return outcome === 'accepted' ? 'passed' : 'dropped';
    }
    return 'nobody';
  }

  /** The token left (or was dropped); if it already came back around, only the pass is counted. */
  private async release(counter: number, passed: boolean): Promise<void> {
    for (let attempt = 0; attempt < CAS_ATTEMPTS_MAX; attempt++) {
      const { version, state } = await this.read();
      const passes = state.passes + (passed ? 1 : 0);
      let next: RingState;
      if (state.myCounter === counter && state.holding) {
        const seen = passed ? { lastTokenAtMs: this.now() } : { lastCheckAtMs: this.now() };
        next = { ...state, holding: false, passing: false, holderId: null, holdUntilMs: 0, ...seen, passes };
      } else if (passed) {
        next = { ...state, passes };
      } else {
        return;
      }
      if (await this.store.write(version, next)) return;
    }
    this.log.warn({ counter }, 'token ring: could not record the hand-off; the ring state kept changing');
  }

  /**
   * The seed's lost-token detection. The decision is written against the version read when the
   * timer expired: if anything changed meanwhile (the token came, another server of the bank
   * decided), the write loses and nothing happens.
   */
  private async detectLostToken({ version, state }: VersionedRingState): Promise<void> {
    const { bankIndex, timeoutMs, timeoutStepMs, checkAttempts, checkIntervalMs } = this.options;
    const since = Math.max(state.lastTokenAtMs, state.lastCheckAtMs, this.startedAtMs);
    const waitedMs = this.now() - since;
    if (waitedMs < timeoutMs + bankIndex * bankIndex * timeoutStepMs) return;
    const predecessor = this.banksAfterMe().at(-1);
    if (predecessor === undefined) return;
    this.log.warn({ waitedMs, predecessor }, 'token ring: the token has not come back; checking the previous bank');
    for (let attempt = 1; attempt <= checkAttempts; attempt++) {
      const alive = await this.peers.ping(predecessor).catch(() => false);
      this.log.info({ predecessor, attempt, alive }, 'token ring: previous bank checked');
      await this.sleep(checkIntervalMs, 'wait');
      if (this.stopped || (await this.read()).version !== version) return;
    }
    const answers = await Promise.all(this.banksAfterMe().map((bank) => this.peers.ping(bank).catch(() => false)));
    if (!answers.some(Boolean)) {
      if (await this.store.write(version, { ...state, standby: true, lastCheckAtMs: this.now() })) {
        this.log.warn({}, 'token ring: no bank answers; this bank is the one cut off and waits in stand-by');
      }
      return;
    }
    // Beyond the seed: a bank that saw the token within the timeout proves it is not lost (this
    // bank is being skipped: others cannot reach it yet, e.g. while it restarts). And a new token
    // starts from the freshest counters any bank knows, so it is never refused as stale at once.
    const peers = this.peers.status
      ? await Promise.all(this.banksAfterMe().map((bank) => this.peers.status!(bank).catch(() => null)))
      : [];
    const alive = peers.filter((peer): peer is RingStatus => peer !== null);
    if (alive.some((peer) => peer.holding || peer.sinceTokenMs < timeoutMs)) {
      // Only the timer restarts: this bank did not see the token, so it must not vouch for it.
      if (await this.store.write(version, { ...state, lastCheckAtMs: this.now() })) {
        this.log.info({}, 'token ring: another bank saw the token recently; it is not lost, this bank waits for it');
      }
      return;
    }
    const freshest = state.counters.map((value, index) => Math.max(value, ...alive.map((peer) => peer.counters[index] ?? 0)));
    const counters = freshest.map((value) => value + REGENERATION_STEP);
    counters[bankIndex - 1] = counters[bankIndex - 1]! + 1;
    const next = { ...this.holdingState(state, counters), regenerations: state.regenerations + 1 };
    if (await this.store.write(version, next)) {
      this.log.warn({ counters }, 'token ring: token lost; a new one is in the ring');
      this.startPass();
    }
  }

  /** The state of this bank right after it accepted a token whose counters are now `counters`. */
  private holdingState(state: RingState, counters: number[]): RingState {
    return {
      ...state,
      counters,
      myCounter: counters[this.options.bankIndex - 1]!,
      holding: true,
      passing: false,
      holderId: this.options.serverId,
      holdUntilMs: this.leaseEnd(),
      lastTokenAtMs: this.now(),
      standby: false,
    };
  }

  /**
   * Applies change to the pass `counter` while this server still runs it; re-reads on a lost
   * write. Null when the pass is no longer this server's (handed over, replaced or released).
   */
  private async update(counter: number, change: (state: RingState) => RingState): Promise<VersionedRingState | null> {
    for (let attempt = 0; attempt < CAS_ATTEMPTS_MAX; attempt++) {
      const { version, state } = await this.read();
      if (!state.holding || state.holderId !== this.options.serverId || state.myCounter !== counter) return null;
      const next = change(state);
      if (next === state) return { version, state };
      if (await this.store.write(version, next)) return { version: version + 1, state: next };
    }
    throw new BancaError('UNAVAILABLE', 'token ring: the ring state kept changing');
  }

  private async read(): Promise<VersionedRingState> {
    const snapshot = await this.store.read();
    if (!snapshot) return { version: 0, state: initialState(this.options.bankCount) };
    const counters = Array.from({ length: this.options.bankCount }, (_, index) => snapshot.state.counters[index] ?? 0);
    return { version: snapshot.version, state: { ...snapshot.state, counters } };
  }

  private checkToken(token: RingToken): void {
    const { bankCount } = this.options;
    const valid = Number.isInteger(token.nodeSender) && token.nodeSender >= 1 && token.nodeSender <= bankCount
      && Array.isArray(token.counters) && token.counters.length === bankCount
      && token.counters.every((value) => Number.isSafeInteger(value) && value >= 0);
    if (!valid) throw new BancaError('INVALID_REQUEST', `A ring token has a sender in 1..${bankCount} and ${bankCount} non-negative integer counters.`);
  }

  /** Ring order after this bank: i + 1, ..., N, 1, ..., i - 1. */
  private banksAfterMe(): number[] {
    const { bankIndex, bankCount } = this.options;
    return Array.from({ length: bankCount - 1 }, (_, step) => ((bankIndex + step) % bankCount) + 1);
  }

  private leaseEnd(): number {
    return this.now() + this.options.holdLeaseMs;
  }

  /** An unref'd pause that stop() ends early; nudge() also ends an 'idle' one. */
  private sleep(ms: number, kind: SleepKind): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      timer.unref();
      this.sleepers.set(wake, kind);
    });
  }
}

export function initialState(bankCount: number): RingState {
  return {
    counters: new Array<number>(bankCount).fill(0),
    myCounter: 0,
    holding: false,
    passing: false,
    holderId: null,
    holdUntilMs: 0,
    lastTokenAtMs: 0,
    lastCheckAtMs: 0,
    standby: false,
    regenerations: 0,
    passes: 0,
  };
}
