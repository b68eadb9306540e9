// Chooses the storage adapter: PostgreSQL when a database URL is configured, else SQLite.
import { PostgresStore } from './postgres-store.js';
import type { RegistryStore } from './registry-store.js';
import { SqliteStore } from './sqlite-store.js';

export interface StoreLocation {
  /** A SQLite file, or ":memory:". */
  databasePath: string;
  /** When set, the PostgreSQL store is used and databasePath ignored. */
  databaseUrl?: string | undefined;
}

export async function openStore(location: StoreLocation): Promise<RegistryStore> {
  return location.databaseUrl ? PostgresStore.open(location.databaseUrl) : new SqliteStore(location.databasePath);
}
