// Chooses the storage adapter from the data server's config.
import { EmbeddedStore } from './embedded/embedded-store.js';
import { MemoryTables } from './embedded/memory-tables.js';
import { SqliteTables } from './embedded/sqlite-tables.js';
import type { LedgerStore, StoreKind } from './ledger-store.js';
import { PostgresStore } from './postgres/postgres-store.js';

export interface StoreLocation {
  sqliteFile: string;
  /** Needed by the postgres store only. */
  databaseUrl?: string | undefined;
}

export async function openStore(kind: StoreKind, location: StoreLocation): Promise<LedgerStore> {
  switch (kind) {
    case 'memory':
      return new EmbeddedStore('memory', new MemoryTables());
    case 'sqlite':
      return new EmbeddedStore('sqlite', new SqliteTables(location.sqliteFile));
    case 'postgres':
      if (!location.databaseUrl) throw new Error('the postgres store needs a database URL (databaseUrl in the config, or DATABASE_URL)');
      return PostgresStore.open(location.databaseUrl);
  }
}
