// Records this bank writes once and never changes (customers, Pix keys: written at sign-up with
// expectVersion 0, no route updates or deletes them), kept in memory once read: a record found is
// the record forever, so the cache can never be stale. An absence is never kept (the record may be
// written later). Bounded: past `max` entries the least recently used goes.
export class WriteOnceCache<V> {
  private readonly entries = new Map<string, V>();

  constructor(private readonly max: number) {}

  /** The cached record, or the one `read` finds (kept when found). */
  async get(key: string, read: () => Promise<V | null>): Promise<V | null> {
    const cached = this.entries.get(key);
    if (cached !== undefined) {
      // Most recently used goes to the end of the Map's order.
      this.entries.delete(key);
      this.entries.set(key, cached);
      return cached;
    }
    const found = await read();
    if (found !== null) {
      this.entries.set(key, found);
      if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value as string);
    }
    return found;
  }

  get size(): number {
    return this.entries.size;
  }
}
