// Account locks as leases with fencing tokens, for the single-instance embedded stores: they live
// in the data server's memory; a restart drops them, and the durable epoch inside every fencing
// token makes sure a token from before the restart can never match one issued after it.
import type { FenceRef, LockConflict, LockGrant } from '@banca/core/protocol';
import type { LockInfo, UnlockOutcome } from '../ledger-store.js';

interface Lease {
  businessId: string;
  fence: number;
  expiresAtMs: number;
}

export type HeldCheck =
  | { ok: true }
  | { ok: false; code: 'ACCOUNT_LOCKED' | 'LOCK_NOT_HELD' | 'STALE_FENCING_TOKEN'; accountId: string; ownerBusinessId?: string };

const FENCES_PER_EPOCH = 1_000_000_000;

export class LockTable {
  private readonly leases = new Map<string, Lease>();
  private counter = 0;

  constructor(private readonly epoch: number, private readonly now: () => number) {}

  private nextFence(): number {
    this.counter += 1;
    if (this.counter >= FENCES_PER_EPOCH) throw new Error('fencing token space of this epoch exhausted; restart the data server');
    return this.epoch * FENCES_PER_EPOCH + this.counter;
  }

  private live(accountId: string): Lease | undefined {
    const lease = this.leases.get(accountId);
    if (lease && lease.expiresAtMs <= this.now()) {
      this.leases.delete(accountId);
      return undefined;
    }
    return lease;
  }

  info(accountId: string): LockInfo | null {
    const lease = this.live(accountId);
    return lease ? { accountId, ownerBusinessId: lease.businessId, fence: lease.fence, expiresAtMs: lease.expiresAtMs } : null;
  }

  /** All or nothing: either every account is granted (or renewed, if already the caller's) or none. */
  acquire(businessId: string, accountIds: readonly string[], leaseMs: number):
    { ok: true; grants: Omit<LockGrant, 'exists' | 'balanceCents'>[] } | { ok: false; conflicts: LockConflict[] } {
    const conflicts: LockConflict[] = [];
    for (const accountId of accountIds) {
      const lease = this.live(accountId);
      if (lease && lease.businessId !== businessId) {
        conflicts.push({ accountId, ownerBusinessId: lease.businessId, expiresAtMs: lease.expiresAtMs });
      }
    }
    if (conflicts.length > 0) return { ok: false, conflicts };
    const expiresAtMs = this.now() + leaseMs;
    return {
      ok: true,
      grants: accountIds.map((accountId) => {
        const lease = this.live(accountId);
        const fence = lease ? lease.fence : this.nextFence();
        this.leases.set(accountId, { businessId, fence, expiresAtMs });
        return { accountId, fence, expiresAtMs };
      }),
    };
  }

  /** Whether the caller holds these locks with these fencing tokens right now. */
  checkHeld(businessId: string, refs: readonly FenceRef[]): HeldCheck {
    for (const { accountId, fence } of refs) {
      const lease = this.live(accountId);
      if (!lease) return { ok: false, code: 'LOCK_NOT_HELD', accountId };
      if (lease.businessId !== businessId) {
        return { ok: false, code: 'ACCOUNT_LOCKED', accountId, ownerBusinessId: lease.businessId };
      }
      if (lease.fence !== fence) return { ok: false, code: 'STALE_FENCING_TOKEN', accountId };
    }
    return { ok: true };
  }

  /** Whether someone other than the caller holds one of these accounts. */
  heldByOther(businessId: string, accountIds: readonly string[]): LockConflict | undefined {
    for (const accountId of accountIds) {
      const lease = this.live(accountId);
      if (lease && lease.businessId !== businessId) {
        return { accountId, ownerBusinessId: lease.businessId, expiresAtMs: lease.expiresAtMs };
      }
    }
    return undefined;
  }

  release(businessId: string, accountIds: readonly string[], fence?: number): UnlockOutcome {
    const held: string[] = [];
    const notHeld: string[] = [];
    for (const accountId of accountIds) {
      const lease = this.live(accountId);
      if (!lease) {
        notHeld.push(accountId);
      } else if (lease.businessId !== businessId) {
        return { ok: false, code: 'ACCOUNT_LOCKED', accountId, ownerBusinessId: lease.businessId };
      } else if (fence !== undefined && lease.fence !== fence) {
        return { ok: false, code: 'STALE_FENCING_TOKEN', accountId };
      } else {
        held.push(accountId);
      }
    }
    for (const accountId of held) this.leases.delete(accountId);
    return { ok: true, released: held, notHeld };
  }
}
