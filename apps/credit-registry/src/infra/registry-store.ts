// What the credit registry needs from storage. Both adapters (SQLite, PostgreSQL) implement it
// and pass the same conformance suite. A record is written at most once per (client, idempotency
// key): the check, the per-person limit and the insert happen in one transaction.

export const ITEM_KINDS = ['debt', 'asset', 'income'] as const;
export type ItemKind = (typeof ITEM_KINDS)[number];

/** What is known about one item, by kind: debts have a date and a creditor, the others a description. */
export type ItemFacts =
  | { kind: 'debt'; date: string; creditor: string }
  | { kind: 'asset'; description: string }
  | { kind: 'income'; description: string };

/** One debt, asset or (monthly) income of a person, identified by CPF or CNPJ digits. */
export type RegistryItem = ItemFacts & {
  id: string;
  document: string;
  amountCents: number;
  createdAtMs: number;
};

export interface RecordRequest {
  item: RegistryItem;
  /** Who records it: idempotency keys are scoped to the client that chose them. */
  clientId: string;
  idempotencyKey: string;
  /** Digest of what was asked, to tell a replay from a reused key. */
  requestHash: string;
  /** Refuse the write when the person already has this many items. */
  itemsPerPersonMax: number;
}

export type RecordOutcome =
  | { outcome: 'created'; item: RegistryItem }
  /** The key was used before for the same request: the item recorded then. */
  | { outcome: 'replayed'; item: RegistryItem }
  /** The key was used before for a different request; nothing was written. */
  | { outcome: 'conflict' }
  /** The person already has itemsPerPersonMax items; nothing was written. */
  | { outcome: 'full'; itemsPerPersonMax: number };

export type StoreKind = 'sqlite' | 'postgres';

export interface RegistryStore {
  readonly kind: StoreKind;
  record(request: RecordRequest): Promise<RecordOutcome>;
  /** Every item of a person, in the order recorded. */
  itemsOf(document: string): Promise<RegistryItem[]>;
  close(): Promise<void>;
}

/** The columns both adapters store an item in (date, creditor, description are NULL when not of its kind). */
export interface ItemRow {
  id: string;
  document: string;
  kind: string;
  amount_cents: number;
  debt_date: string | null;
  creditor: string | null;
  description: string | null;
  created_at_ms: number;
}

export function toRow(item: RegistryItem): ItemRow {
  const base = { id: item.id, document: item.document, kind: item.kind, amount_cents: item.amountCents, created_at_ms: item.createdAtMs };
  switch (item.kind) {
    case 'debt':
      return { ...base, debt_date: item.date, creditor: item.creditor, description: null };
    case 'asset':
    case 'income':
      return { ...base, debt_date: null, creditor: null, description: item.description };
  }
}

export function fromRow(row: ItemRow): RegistryItem {
  const base = { id: row.id, document: row.document, amountCents: row.amount_cents, createdAtMs: row.created_at_ms };
  if (row.kind === 'debt' && row.debt_date !== null && row.creditor !== null) {
    return { ...base, kind: 'debt', date: row.debt_date, creditor: row.creditor };
  }
  if ((row.kind === 'asset' || row.kind === 'income') && row.description !== null) {
    return { ...base, kind: row.kind, description: row.description };
  }
  throw new Error(`Invariant broken: registry item ${row.id} has kind ${JSON.stringify(row.kind)} without its fields`);
}
