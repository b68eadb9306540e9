// Windowed counters for a bank's business servers (log-in and sign-up limits that hold across all
// of them). Checks names and bounds, hashes every key before it reaches storage (keys are
// e-mails and network addresses: personal data), and reads the clock (injected for tests).
import { createHash } from 'node:crypto';
import { BancaError } from '@banca/core/errors';
import { LIMIT_BOUNDS, type LimitForget, type LimitHit, type LimitHitsResponse } from '@banca/core/protocol';
import type { LedgerStore } from '../infra/ledger-store.js';

const LIMIT_NAME = /^[a-z][a-z0-9-]{0,31}$/;

export class LimitService {
  constructor(private readonly store: LedgerStore, private readonly now: () => number = Date.now) {}

  /** Counts one hit on every counter named, or on none if one of them is full. */
  async hit(hits: readonly LimitHit[]): Promise<LimitHitsResponse> {
    this.checkCount(hits.length);
    const hashed = hits.map((hit) => {
      checkBound('windowMs', hit.windowMs, 1000, LIMIT_BOUNDS.windowMsMax);
      checkBound('max', hit.max, 1, LIMIT_BOUNDS.maxMax);
      return { limit: limitName(hit.limit), keyHash: hashKey(hit.key), windowMs: hit.windowMs, max: hit.max };
    });
    const atMs = this.now();
    const outcome = await this.store.hitLimits(hashed, atMs);
    return { ...outcome, atMs };
  }

  /** Takes back the hit recorded at atMs, or every hit of the key when atMs is absent. */
  async forget(forgets: readonly LimitForget[]): Promise<{ forgotten: number }> {
    this.checkCount(forgets.length);
    const hashed = forgets.map((forget) => {
      if (forget.atMs !== undefined) checkBound('atMs', forget.atMs, 0, Number.MAX_SAFE_INTEGER);
      return { limit: limitName(forget.limit), keyHash: hashKey(forget.key), ...(forget.atMs === undefined ? {} : { atMs: forget.atMs }) };
    });
    await this.store.forgetLimits(hashed);
    return { forgotten: hashed.length };
  }

  private checkCount(count: number): void {
    if (count < 1 || count > LIMIT_BOUNDS.hitsPerRequestMax) {
      throw new BancaError('INVALID_REQUEST', `Name 1 to ${LIMIT_BOUNDS.hitsPerRequestMax} counters per request.`);
    }
  }
}

function limitName(name: string): string {
  if (!LIMIT_NAME.test(name)) throw new BancaError('INVALID_REQUEST', `Counter name "${name.slice(0, 40)}" must be 1 to 32 lower-case letters, digits and dashes.`);
  return name;
}

function hashKey(key: string): string {
  if (key.length < 1 || key.length > LIMIT_BOUNDS.keyCharsMax) {
    throw new BancaError('INVALID_REQUEST', `A counter key has 1 to ${LIMIT_BOUNDS.keyCharsMax} characters.`);
  }
  return createHash('sha256').update(key).digest('base64url');
}

function checkBound(name: string, value: number, min: number, max: number): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new BancaError('INVALID_REQUEST', `${name} must be a whole number from ${min} to ${max}.`);
  }
}
