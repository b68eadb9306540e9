// The accounts this business server is working on right now. The data server's lock is held by
// the business server, not by one of its requests (a second lock request of the same server on
// the same account is granted the same lease), so two requests of one server must never work on
// one account at once: the first commit would release the lock under the second. Everything in
// this process that locks accounts (the batcher, the consortium's holds, credits and deposits)
// goes through one gate.

export class AccountGate {
  private readonly busy = new Set<string>();
  private waiters: (() => void)[] = [];
  private readonly listeners: (() => void)[] = [];

  isBusy(accountId: string): boolean {
    return this.busy.has(accountId);
  }

  /** Marks accounts busy now; the caller checked they were free (the batcher). */
  take(accountIds: readonly string[]): void {
    for (const accountId of accountIds) this.busy.add(accountId);
  }

  /** Waits until none of the accounts is busy, then marks them all (no partial holds, no deadlock). */
  async enter(accountIds: readonly string[]): Promise<void> {
    while (accountIds.some((accountId) => this.busy.has(accountId))) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    this.take(accountIds);
  }

  leave(accountIds: readonly string[]): void {
    for (const accountId of accountIds) this.busy.delete(accountId);
    const waiting = this.waiters;
    this.waiters = [];
    for (const wake of waiting) wake();
    for (const listener of this.listeners) listener();
  }

  /** Called after every leave (the batcher takes its next batch). */
  onLeave(listener: () => void): void {
    this.listeners.push(listener);
  }
}
