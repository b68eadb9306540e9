// One recovery sweep's walk over the open records of a collection (one tag), oldest first, in
// bounded pages: at most pagesPerRound pages of pageRecords a round. A round goes on where the
// previous one stopped, so records that stay open at the front (a peer down, a hold not yet
// expired) cannot hide the ones behind them; a pass that reaches the end starts again from the
// oldest, within the same round when pages are left, so a round sees every open record when
// they fit in its pages.
import type { BankStore, PagedRecord } from './bank-store.js';

export interface ScanBudget {
  /** Records per page (the data server gives at most 1000). */
  pageRecords: number;
  pagesPerRound: number;
}

export const SCAN_DEFAULTS: ScanBudget = { pageRecords: 200, pagesPerRound: 5 };

export class PagedScan<T> {
  /** Where the next round starts; null: at the oldest. */
  private resumeAfter: string | null = null;

  constructor(
    private readonly store: BankStore,
    private readonly collection: string,
    private readonly tag: string,
    private readonly budget: ScanBudget,
  ) {}

  /** Hands each page to `handle`, in order; returns how many records the round saw. */
  async round(handle: (page: PagedRecord<T>[]) => Promise<void>): Promise<number> {
    const startedMidway = this.resumeAfter !== null;
    let after = this.resumeAfter;
    let wrapped = false;
    let seen = 0;
    const keys = new Set<string>();
    for (let pages = 0; pages < this.budget.pagesPerRound; pages++) {
      const page = await this.store.page<T>(this.collection, this.tag, this.budget.pageRecords, after);
      // Past the wrap, a record already seen this round means the pass came round to its start.
      const cut = wrapped ? page.records.findIndex((record) => keys.has(record.key)) : -1;
      const fresh = cut < 0 ? page.records : page.records.slice(0, cut);
      for (const record of fresh) keys.add(record.key);
      seen += fresh.length;
      // The cursor moves before the handler runs: a page whose handler failed is not read again
      // at once, it comes back with the next pass.
      after = cut < 0 ? page.next : null;
      this.resumeAfter = after;
      if (fresh.length > 0) await handle(fresh);
      if (after !== null) continue;
      if (cut >= 0 || !startedMidway || wrapped) break;
      wrapped = true;
    }
    return seen;
  }
}
