// Runs the conformance suite once per adapter named in BANCA_TEST_STORES (default: all embedded).
import { join } from 'node:path';
import { tempDir } from '@banca/testkit/testkit';
import { openStore } from '../src/infra/open-store.js';
import type { StoreKind } from '../src/infra/ledger-store.js';
import { storeConformance } from './store-conformance.js';

const kinds = (process.env.BANCA_TEST_STORES ?? 'memory,sqlite').split(',').map((kind) => kind.trim()) as StoreKind[];

for (const kind of kinds) {
  storeConformance(kind, async () => {
    const dir = tempDir();
    const store = openStore(kind, join(dir.path, 'ledger.sqlite'));
    return {
      store,
      async cleanup() {
        await store.close();
        dir.remove();
      },
    };
  });
}
