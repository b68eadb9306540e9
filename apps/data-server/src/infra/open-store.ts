// Chooses the storage adapter from the data server's config.
import { EmbeddedStore } from './embedded/embedded-store.js';
import { MemoryTables } from './embedded/memory-tables.js';
import { SqliteTables } from './embedded/sqlite-tables.js';
import type { LedgerStore, StoreKind } from './ledger-store.js';

export function openStore(kind: StoreKind, sqliteFile: string): LedgerStore {
  switch (kind) {
    case 'memory':
      return new EmbeddedStore('memory', new MemoryTables());
    case 'sqlite':
      return new EmbeddedStore('sqlite', new SqliteTables(sqliteFile));
  }
}
