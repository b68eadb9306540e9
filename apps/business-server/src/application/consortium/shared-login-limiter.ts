// The business server's log-in and sign-up limits, counted at the bank's data server so that every
// business server of the bank sees the same counts (three servers do not allow three times the
// limit) and a restart forgets nothing. Failed log-ins per e-mail and per client address, sign-ups
// per client address; a trusted proxy's own address is counted like any other (a proxy that does
// not append X-Forwarded-For makes its clients share one count: fail closed). When the data server
// cannot be reached, the check throws its retryable 503: a log-in is never let through unlimited.
import { BancaError } from '@banca/core/errors';
import type { LimitForget, LimitHit, LimitHitsResponse } from '@banca/core/protocol';
import { addressBlock, clientAddressOf, describeWait, parseTrustedProxies, type LoginLimits } from '@banca/server-kit/login-limiter';
import type { BlockList } from 'node:net';

/** Where the counters live: the data client. */
export interface LimitCounterPort {
  hitLimits(hits: readonly LimitHit[]): Promise<LimitHitsResponse>;
  forgetLimits(forget: readonly LimitForget[]): Promise<void>;
}

/** One attempt let through: say how it ended so the right counters keep it. */
export interface SharedLoginAttempt {
  /** The password was right: the e-mail's failures are reset; this attempt leaves the address's count. */
  succeeded(): Promise<void>;
  /** The attempt failed for another reason than the credentials (a store down): it does not count. */
  cancelled(): Promise<void>;
}

export const LIMIT_NAMES = { email: 'login-email', address: 'login-address', signUp: 'signup-address' } as const;

export class SharedLoginLimiter {
  private readonly trusted: BlockList;

  constructor(private readonly limits: LoginLimits, private readonly counters: LimitCounterPort) {
    this.trusted = parseTrustedProxies(limits.trustedProxies);
  }

  /** The address a request comes from: the peer, or what the trusted proxies in front of it saw. */
  clientAddress(peer: string | undefined, forwardedFor: string | undefined): string {
    return clientAddressOf(this.trusted, peer, forwardedFor);
  }

  /**
   * Lets one log-in attempt through or throws TOO_MANY_REQUESTS (with retryAfterSeconds). The
   * attempt counts as a failure from now on, so concurrent guesses at any of the bank's servers
   * cannot all pass while their hashes are computed; succeeded() or cancelled() takes it back.
   */
  async begin(email: string, address: string): Promise<SharedLoginAttempt> {
    const emailKey = email.trim().toLowerCase();
    const hits: LimitHit[] = [{ limit: LIMIT_NAMES.email, key: emailKey, windowMs: this.limits.windowMs, max: this.limits.attemptsMax }];
    const addressKey = address === '' ? null : addressBlock(address);
    if (addressKey !== null) hits.push({ limit: LIMIT_NAMES.address, key: addressKey, windowMs: this.limits.windowMs, max: this.limits.attemptsPerIpMax });
    const answer = await this.counters.hitLimits(hits);
    if (!answer.allowed) {
      const wait = (limit: string) => answer.counts.find((count) => count.limit === limit)?.retryAfterMs ?? 0;
      const emailWait = wait(LIMIT_NAMES.email);
      const addressWait = wait(LIMIT_NAMES.address);
      const what = emailWait >= addressWait ? 'for this e-mail' : 'from your network address';
      throw tooMany(`Too many failed log-ins ${what}`, Math.max(emailWait, addressWait), 'checking the e-mail and password');
    }
    const atMs = answer.atMs;
    const addressHit = addressKey === null ? [] : [{ limit: LIMIT_NAMES.address, key: addressKey, atMs }];
    let settled = false;
    const settle = (forget: LimitForget[]) => {
      if (settled) return Promise.resolve();
      settled = true;
      return this.counters.forgetLimits(forget);
    };
    return {
      // The address's other failures stay: one account of their own must not wipe someone's guesses at others.
      succeeded: () => settle([{ limit: LIMIT_NAMES.email, key: emailKey }, ...addressHit]),
      cancelled: () => settle([{ limit: LIMIT_NAMES.email, key: emailKey, atMs }, ...addressHit]),
    };
  }

  /** Lets one sign-up through or throws TOO_MANY_REQUESTS: every sign-up hashes a password. */
  async beginSignUp(address: string): Promise<void> {
    const key = address === '' ? 'unknown' : addressBlock(address);
    const answer = await this.counters.hitLimits([{ limit: LIMIT_NAMES.signUp, key, windowMs: this.limits.windowMs, max: this.limits.signUpsPerIpMax }]);
    if (!answer.allowed) throw tooMany('Too many accounts opened from your network address', answer.counts[0]?.retryAfterMs ?? this.limits.windowMs);
  }
}

function tooMany(what: string, waitMs: number, advice?: string): BancaError {
  const seconds = Math.max(1, Math.ceil(waitMs / 1000));
  return new BancaError('TOO_MANY_REQUESTS', `${what}; wait ${describeWait(seconds)} and try again${advice ? `, ${advice}` : ''}.`, {
    details: { retryAfterSeconds: seconds },
  });
}
