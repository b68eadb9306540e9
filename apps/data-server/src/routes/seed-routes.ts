// The seeds' routes, kept exactly: seed 000 (getLock, unLock, setAmount, getAmount with the
// business id in the path) and seed 001 (getbalance, setBalance and unLock with JSON bodies).
// With compat seed000 they speak seed 000's wire exactly: balances are bare JSON numbers in reais,
// amounts are numbers as Python prints them, and an account never written reads 0.
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { BancaError } from '@banca/core/errors';
import { parseOperationId } from '@banca/core/ids';
import { asCents, formatCents, parseAmount, parseSignedAmount } from '@banca/core/money';
import { parsePythonAmount, parsePythonBalance, reaisNumber, type Compat } from '@banca/core/seed000';
import type { LedgerService } from '../application/ledger-service.js';
import { idempotencyKey, pathBusiness } from './business-auth.js';

const Params = Type.Object({ businessId: Type.String(), accountId: Type.String() });
const SnakeParams = Type.Object({ business_id: Type.String(), account_id: Type.String() });
const AmountParams = Type.Object({ businessId: Type.String(), accountId: Type.String(), amount: Type.String() });
const LockBody = Type.Union([Type.Object({ leaseMs: Type.Optional(Type.Integer()) }, { additionalProperties: false }), Type.Null()]);
const UnlockQuery = Type.Object({ fence: Type.Optional(Type.String({ pattern: '^[0-9]{1,16}$' })) }, { additionalProperties: false });
const unlockFields = {
  business_id: Type.Optional(Type.Union([Type.String(), Type.Integer()])),
  account_id: Type.Union([Type.String(), Type.Integer()]),
  fence: Type.Optional(Type.Integer({ minimum: 0 })),
};
const UnlockBody = Type.Object(unlockFields, { additionalProperties: false });
/** Seed 001's unLock body also carries a `value`, which an unlock ignores. */
const Seed001UnlockBody = Type.Object({ ...unlockFields, value: Type.Optional(Type.Union([Type.String(), Type.Number()])) }, { additionalProperties: false });
const SetAmountBody = Type.Object(
  {
    amount: Type.Optional(Type.String({ description: 'The new balance, a decimal like "10.50" (zero allowed)' })),
    amountCents: Type.Optional(Type.Integer()),
    operationId: Type.Optional(Type.String()),
    fence: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);
const SetAmountPathBody = Type.Union([
  Type.Object({ operationId: Type.Optional(Type.String()), fence: Type.Optional(Type.Integer({ minimum: 0 })) }, { additionalProperties: false }),
  Type.Null(),
]);
const setBalanceFields = {
  business_id: Type.Optional(Type.Union([Type.String(), Type.Integer()])),
  account_id: Type.Union([Type.String(), Type.Integer()]),
  value: Type.Optional(Type.String({ description: 'A signed decimal to add, like "-3.25"' })),
  valueCents: Type.Optional(Type.Integer()),
  operationId: Type.Optional(Type.String()),
};
const SetBalanceBody = Type.Object(setBalanceFields, { additionalProperties: false });
/** Seed 001's programs send `value` as a JSON number (10.5, -3). */
const Seed001SetBalanceBody = Type.Object(
  { ...setBalanceFields, value: Type.Optional(Type.Union([Type.String(), Type.Number()], { description: 'A signed amount to add: "-3.25" or, as Python sends it, -3.25' })) },
  { additionalProperties: false },
);

const seedTag = { tags: ['seed'] };

function balanceBody(accountId: string, balanceCents: number) {
  return { accountId, amount: formatCents(balanceCents), amountCents: balanceCents, balanceCents };
}

export function registerSeedRoutes(app: FastifyInstance, ledger: LedgerService, compat: Compat = 'none'): void {
  const seed000 = compat === 'seed000';
  app.post<{ Params: Static<typeof Params>; Body: Static<typeof LockBody> }>('/getLock/:businessId/:accountId', {
    schema: { ...seedTag, summary: 'Lock an account (a lease with a fencing token); 423 if another business holds it', params: Params, body: LockBody },
  }, async (request) => {
    const businessId = pathBusiness(request, request.params.businessId);
    const grant = await ledger.lockOne(businessId, request.params.accountId, request.body?.leaseMs);
    return { locked: true, businessId, accountId: grant.accountId, fence: grant.fence, expiresAtMs: grant.expiresAtMs };
  });

  app.get<{ Params: Static<typeof Params> }>('/getLock/:businessId/:accountId', {
    schema: { ...seedTag, summary: 'Seed 001: is the account locked? 423 if by another business', params: Params },
  }, async (request) => ledger.lockStatus(pathBusiness(request, request.params.businessId), request.params.accountId));

  app.post<{ Params: Static<typeof Params>; Querystring: Static<typeof UnlockQuery> }>('/unLock/:businessId/:accountId', {
    schema: { ...seedTag, summary: 'Release a lock the business holds', params: Params, querystring: UnlockQuery },
  }, async (request) => {
    const businessId = pathBusiness(request, request.params.businessId);
    const outcome = await ledger.unlock(businessId, [request.params.accountId], request.query.fence === undefined ? undefined : Number(request.query.fence));
    return { unlocked: outcome.released.length > 0, accountId: request.params.accountId, wasHeld: outcome.released.length > 0 };
  });

  app.post<{ Body: Static<typeof UnlockBody> }>('/unLock', {
    schema: { ...seedTag, summary: 'Seed 001: release a lock (JSON body)', body: seed000 ? Seed001UnlockBody : UnlockBody },
  }, async (request) => {
    const { business_id: businessIdInput, account_id: accountId, fence } = request.body;
    const businessId = businessIdInput === undefined ? request.businessId : pathBusiness(request, businessIdInput);
    const outcome = await ledger.unlock(businessId, [accountId], fence);
    return { unlocked: outcome.released.length > 0, accountId: String(accountId), wasHeld: outcome.released.length > 0 };
  });

  const setAmount = async (businessIdInput: string, accountId: string, cents: number, operationId: string | undefined, fence: number | undefined, request: Parameters<typeof pathBusiness>[0]) => {
    const businessId = pathBusiness(request, businessIdInput);
    const id = operationId === undefined ? undefined : parseOperationId(operationId);
    const response = await ledger.setAmount(businessId, accountId, cents, id, fence);
    const view = await ledger.readCommitted(accountId);
    return { ...balanceBody(view.accountId, view.balanceCents), operationId: response.commitId, replayed: response.replayed };
  };

  app.post<{ Params: Static<typeof AmountParams>; Body: Static<typeof SetAmountPathBody> | undefined }>('/setAmount/:businessId/:accountId/:amount', {
    schema: { ...seedTag, summary: 'Set the balance of an account the business has locked (amount in the path, e.g. 10.50)', params: AmountParams, body: SetAmountPathBody },
  }, async (request) => {
    const cents = seed000 ? parsePythonBalance(request.params.amount) : parseBalance(request.params.amount);
    return setAmount(request.params.businessId, request.params.accountId, cents, idempotencyKey(request, request.body?.operationId), request.body?.fence, request);
  });

  app.post<{ Params: Static<typeof Params>; Body: Static<typeof SetAmountBody> }>('/setAmount/:businessId/:accountId', {
    schema: { ...seedTag, summary: 'Set the balance of an account the business has locked (JSON body)', params: Params, body: SetAmountBody },
  }, async (request) => {
    const { amount, amountCents, operationId, fence } = request.body;
    if ((amount === undefined) === (amountCents === undefined)) {
      throw new BancaError('INVALID_REQUEST', 'Give exactly one of "amount" (a decimal like "10.50") or "amountCents".');
    }
    const cents = amount !== undefined ? parseBalance(amount) : asCents(amountCents, 'amountCents', { allowZero: true });
    return setAmount(request.params.businessId, request.params.accountId, cents, idempotencyKey(request, operationId), fence, request);
  });

  // Seed 000 answers a balance as a bare number of reais, which Python's response.json() reads.
  const getAmount = async (businessIdInput: string, accountId: string, request: Parameters<typeof pathBusiness>[0]) => {
    const view = await ledger.readAsSeed(pathBusiness(request, businessIdInput), accountId, seed000);
    return seed000 ? reaisNumber(view.balanceCents) : balanceBody(view.accountId, view.balanceCents);
  };

  app.get<{ Params: Static<typeof Params> }>('/getAmount/:businessId/:accountId', {
    schema: { ...seedTag, summary: 'Read a balance; 423 while another business holds the account', params: Params },
  }, async (request) => getAmount(request.params.businessId, request.params.accountId, request));

  app.get<{ Params: Static<typeof SnakeParams> }>('/getbalance/:business_id/:account_id', {
    schema: { ...seedTag, summary: 'Seed 001: read a balance', params: SnakeParams },
  }, async (request) => getAmount(request.params.business_id, request.params.account_id, request));

  app.post<{ Body: Static<typeof Seed001SetBalanceBody> }>('/setBalance', {
    schema: { ...seedTag, summary: 'Seed 001: add a signed value ("-3.25") to a balance, atomically', body: seed000 ? Seed001SetBalanceBody : SetBalanceBody },
  }, async (request) => {
    const { business_id: businessIdInput, account_id: accountId, value, valueCents, operationId } = request.body;
    if ((value === undefined) === (valueCents === undefined)) {
      throw new BancaError('INVALID_REQUEST', 'Give exactly one of "value" (a signed decimal like "-3.25") or "valueCents".');
    }
    const businessId = businessIdInput === undefined ? request.businessId : pathBusiness(request, businessIdInput);
    const delta = value === undefined ? signedCents(valueCents) : typeof value === 'number' || seed000 ? signedPython(value) : parseSignedAmount(value);
    const key = idempotencyKey(request, operationId);
    const response = await ledger.addToBalance(businessId, accountId, delta, key === undefined ? undefined : parseOperationId(key));
    const view = await ledger.readCommitted(accountId);
    return { ...balanceBody(view.accountId, view.balanceCents), operationId: response.commitId, replayed: response.replayed };
  });
}

/** An absolute balance, always a string like the amounts: zero is allowed, negative is not. */
function parseBalance(text: unknown): number {
  if (text === '0' || text === '0.0' || text === '0.00') return 0;
  return parseAmount(text);
}

/** A signed amount as Python prints it (-3.25, "10.0"), for seed 001's setBalance in compat seed000. */
function signedPython(value: string | number): number {
  const text = String(value);
  return text.startsWith('-') ? -parsePythonAmount(text.slice(1), 'value') : parsePythonAmount(text, 'value');
}

function signedCents(value: unknown): number {
  const cents = typeof value === 'number' && value < 0 ? -value : value;
  const checked: number = asCents(cents, 'valueCents');
  return typeof value === 'number' && value < 0 ? -checked : checked;
}
