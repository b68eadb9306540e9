// What the dossier's sources answer, as schemas: a bank's GET /v1/people/:document and the
// credit registry's GET /v1/people/:document. Answers are checked against them before use, so a
// source with a bug shows as unavailable instead of putting a wrong sum in a dossier.
import { Type, type Static } from '@sinclair/typebox';

const Cents = Type.Integer({ minimum: -Number.MAX_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

/** One line of an account's history: the shape of a bank's GET /v1/me/transactions. */
export const TransactionSchema = Type.Object({
  id: Type.String(),
  type: Type.String({ description: 'deposit, pix-out, pix-in, withdrawal, transfer-out, transfer-in or adjustment' }),
  direction: Type.Optional(Type.String({ description: 'in or out' })),
  madeBy: Type.Optional(Nullable(Type.String({ description: 'Who made a movement the customer did not ask for (e.g. "teller clientA")' }))),
  amountCents: Cents,
  amount: Type.String(),
  status: Type.String({ description: 'pending, completed or failed' }),
  counterpart: Nullable(Type.String()),
  bankId: Nullable(Type.Integer()),
  method: Nullable(Type.String()),
  packetId: Nullable(Type.String()),
  atMs: Type.Integer(),
});

export const AccountSchema = Type.Object({
  accountId: Type.String(),
  type: Type.String({ description: 'individual or company' }),
  joint: Type.Boolean(),
  holderNames: Type.Array(Type.String()),
  balanceCents: Cents,
  balance: Type.String(),
  blockedCents: Cents,
  blocked: Type.String(),
  transactions: Type.Array(TransactionSchema, { description: 'The latest ones, newest first' }),
});

export const BankAnswerSchema = Type.Object({
  bankId: Type.Integer(),
  bankName: Type.String(),
  /** The name this bank knows the document's holder by; null when it has no account. */
  name: Type.Optional(Nullable(Type.String())),
  accounts: Type.Array(AccountSchema, { maxItems: 1000 }),
});

export const RegistryItemSchema = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  amountCents: Cents,
  amount: Type.String(),
  date: Type.Optional(Type.String()),
  creditor: Type.Optional(Type.String()),
  description: Type.Optional(Type.String()),
  createdAtMs: Type.Integer(),
});

export const RegistryAnswerSchema = Type.Object({
  document: Type.String(),
  debts: Type.Array(RegistryItemSchema),
  assets: Type.Array(RegistryItemSchema),
  incomes: Type.Array(RegistryItemSchema),
  totals: Type.Object({ debtCents: Cents, assetCents: Cents, monthlyIncomeCents: Cents }),
});

export type BankAnswer = Static<typeof BankAnswerSchema>;
export type RegistryAnswer = Static<typeof RegistryAnswerSchema>;
export type RegistryItem = Static<typeof RegistryItemSchema>;
