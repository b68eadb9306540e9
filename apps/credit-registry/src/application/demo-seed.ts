// Records the demo people's items (infra/demo-data.ts) through the same rules as the API. Each
// item has a fixed idempotency key under the demo client, so seeding again changes nothing.
import { parseAmount } from '@banca/core/money';
import { DEMO_CLIENT_ID, DEMO_PEOPLE } from '../infra/demo-data.js';
import type { EntryInput, RegistryService } from './registry-service.js';

/** Returns how many items were new (0 when the demo was already recorded). */
export async function seedDemo(registry: RegistryService): Promise<number> {
  let created = 0;
  for (const person of DEMO_PEOPLE) {
    const entries: EntryInput[] = [
      ...person.debts.map((debt) => ({ kind: 'debt' as const, amountCents: parseAmount(debt.amount), date: debt.date, creditor: debt.creditor })),
      ...person.assets.map((asset) => ({ kind: 'asset' as const, amountCents: parseAmount(asset.amount), description: asset.description })),
      ...person.incomes.map((income) => ({ kind: 'income' as const, amountCents: parseAmount(income.amount), description: income.description })),
    ];
    for (const [index, entry] of entries.entries()) {
      const caller = { clientId: DEMO_CLIENT_ID, idempotencyKey: `demo:${person.document}:${entry.kind}:${index}` };
      if ((await registry.record(person.document, entry, caller)).created) created += 1;
    }
  }
  return created;
}
