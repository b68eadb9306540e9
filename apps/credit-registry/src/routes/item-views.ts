// The registry's answers as JSON: amounts in cents and formatted ("123.45"), the document shown
// both as digits and masked. Formatting happens here, at the edge, and nowhere else.
import { Type, type Static } from '@sinclair/typebox';
import { assertNever } from '@banca/core/errors';
import { maskDocument } from '@banca/core/documents';
import { formatCents } from '@banca/core/money';
import type { PersonRecord, RegistryItem } from '../application/registry-service.js';

export const ItemSchema = Type.Object({
  id: Type.String({ description: 'Chosen by the registry when the item is recorded' }),
  kind: Type.Union([Type.Literal('debt'), Type.Literal('asset'), Type.Literal('income')]),
  amountCents: Type.Integer({ minimum: 1 }),
  amount: Type.String({ description: 'The amount formatted, e.g. "123.45" (incomes: per month)' }),
  date: Type.Optional(Type.String({ description: 'Debts: the day the debt was taken, YYYY-MM-DD' })),
  creditor: Type.Optional(Type.String({ description: 'Debts: who is owed' })),
  description: Type.Optional(Type.String({ description: 'Assets and incomes: what it is' })),
  createdAtMs: Type.Integer({ description: 'When the registry recorded it, ms since the epoch' }),
});
export type ItemView = Static<typeof ItemSchema>;

export const PersonSchema = Type.Object({
  document: Type.String({ description: 'CPF or CNPJ, digits only' }),
  documentMasked: Type.String({ description: 'e.g. ***.444.777-**' }),
  debts: Type.Array(ItemSchema),
  assets: Type.Array(ItemSchema),
  incomes: Type.Array(ItemSchema),
  totals: Type.Object({
    debtCents: Type.Integer(),
    debt: Type.String(),
    assetCents: Type.Integer(),
    assets: Type.String(),
    monthlyIncomeCents: Type.Integer(),
    monthlyIncome: Type.String(),
  }),
});
export type PersonView = Static<typeof PersonSchema>;

export function itemView(item: RegistryItem): ItemView {
  const base = { id: item.id, kind: item.kind, amountCents: item.amountCents, amount: formatCents(item.amountCents) };
  switch (item.kind) {
    case 'debt':
      return { ...base, date: item.date, creditor: item.creditor, createdAtMs: item.createdAtMs };
    case 'asset':
    case 'income':
      return { ...base, description: item.description, createdAtMs: item.createdAtMs };
    default:
      return assertNever(item);
  }
}

export function personView(person: PersonRecord): PersonView {
  const { debtCents, assetCents, monthlyIncomeCents } = person.totals;
  return {
    document: person.document,
    documentMasked: maskDocument(person.document),
    debts: person.debts.map(itemView),
    assets: person.assets.map(itemView),
    incomes: person.incomes.map(itemView),
    totals: {
      debtCents, debt: formatCents(debtCents),
      assetCents, assets: formatCents(assetCents),
      monthlyIncomeCents, monthlyIncome: formatCents(monthlyIncomeCents),
    },
  };
}
