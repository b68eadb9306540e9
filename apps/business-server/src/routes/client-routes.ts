// The business server's client API: the seed routes (amounts in the path) and the JSON API
// (/v1). Clients authenticate with `client-id` + `auth-token`. An operation's id is the client's
// Idempotency-Key, namespaced by the client, so a retry anywhere is answered, not repeated.
// With compat seed000 the seed routes speak seed 000's wire exactly: the `auth` key alone names
// the client, amounts are numbers as Python prints them, a mutation answers 204 with no body and
// a balance is a bare JSON number of reais.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { KeyRing } from '@banca/core/auth';
import { BancaError } from '@banca/core/errors';
import { newId, parseAccountId, parseOperationId } from '@banca/core/ids';
import { parseAmount } from '@banca/core/money';
import { parsePythonAmount, reaisNumber, type Compat } from '@banca/core/seed000';
import type { QueuedOperation } from '@banca/core/protocol';
import { authenticate, headerValue } from '@banca/server-kit/auth-hook';
import { documentSecurity } from '@banca/server-kit/openapi-security';
import type { BankService } from '../application/bank-service.js';
import type { ClientAccess } from '../application/client-spaces.js';

declare module 'fastify' {
  interface FastifyRequest {
    clientId: string;
    client: ClientAccess;
  }
}

const AccountParams = Type.Object({ accountId: Type.String() });
const AmountParams = Type.Object({ accountId: Type.String(), amount: Type.String() });
const TransferParams = Type.Object({ originAccountId: Type.String(), targetAccountId: Type.String(), amount: Type.String() });
const Amount = Type.String({ description: 'A positive decimal with at most two decimal places, e.g. "10.50"', maxLength: 32 });
const AccountBody = Type.Object({ accountId: Type.String({ maxLength: 64 }), amount: Amount }, { additionalProperties: false });
const TransferBody = Type.Object(
  { fromAccountId: Type.String({ maxLength: 64 }), toAccountId: Type.String({ maxLength: 64 }), amount: Amount },
  { additionalProperties: false },
);
// Query strings arrive as text: numbers are matched as digits and converted in the handler.
const HistoryQuery = Type.Object({ limit: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,2}$', description: '1 to 999' })) }, { additionalProperties: false });
const IdempotencyHeaders = Type.Object({ 'idempotency-key': Type.Optional(Type.String({ description: 'Required: a caller-chosen id (a UUID), reused on retry' })) });

const seedTag = { tags: ['seed'] };
const v1Tag = { tags: ['v1'] };

export function registerClientRoutes(app: FastifyInstance, bank: BankService, clientKeys: KeyRing, compat: Compat = 'none'): void {
  const seed000 = compat === 'seed000';
  app.decorateRequest('clientId', '');
  app.decorateRequest('client', null as unknown as ClientAccess);
  app.addHook('onRequest', async (request) => {
    request.clientId = authenticate(request, clientKeys, 'client-id', { keyAlone: seed000 });
    request.client = bank.access(request.clientId);
  });
  documentSecurity(app, { clientId: [], authToken: [] });

  const operationId = (request: FastifyRequest, required: boolean): string => {
    const key = headerValue(request, 'idempotency-key');
    if (key === undefined) {
      if (required) throw new BancaError('MISSING_IDEMPOTENCY_KEY', 'Send an Idempotency-Key header (a UUID you reuse when you retry).');
      return `${request.clientId}:${newId()}`;
    }
    return parseOperationId(`${request.clientId}:${parseOperationId(key)}`, 'client id plus idempotency key');
  };

  const submit = async (request: FastifyRequest, reply: FastifyReply, body: QueuedOperation, keyRequired: boolean, seedRoute = false) => {
    const submitted = await bank.submit(request.client, operationId(request, keyRequired), body, request.id);
    // Seed 000 answers an accepted operation 204 with an empty body.
    if (seed000 && seedRoute) return reply.status(204).send();
    if (submitted.mode === 'seed') return reply.status(202).send(submitted.accepted);
    return reply.status(200).send(submitted.result);
  };

  // The seed routes' amounts: "10.50" in banca's wire; in seed 000's, a number as Python prints it.
  type ParseAmount = (amount: unknown) => number;
  const pathAmount: ParseAmount = seed000 ? parsePythonAmount : parseAmount;
  const deposit = (accountId: unknown, amount: unknown, parse: ParseAmount = parseAmount): QueuedOperation => ({ kind: 'deposit', accountId: parseAccountId(accountId), amountCents: parse(amount) });
  const withdrawal = (accountId: unknown, amount: unknown, parse: ParseAmount = parseAmount): QueuedOperation => ({ kind: 'withdrawal', accountId: parseAccountId(accountId), amountCents: parse(amount) });
  const transfer = (from: unknown, to: unknown, amount: unknown, parse: ParseAmount = parseAmount): QueuedOperation => ({
    kind: 'transfer', fromAccountId: parseAccountId(from, 'origin account id'), toAccountId: parseAccountId(to, 'target account id'), amountCents: parse(amount),
  });

  app.post<{ Params: Static<typeof AmountParams> }>('/deposit/:accountId/:amount', {
    schema: { ...seedTag, summary: 'Deposit (amount like 10.50); 200 when saved (batch mode) or 202 when queued (seed mode)', params: AmountParams },
  }, (request, reply) => submit(request, reply, deposit(request.params.accountId, request.params.amount, pathAmount), false, true));

  app.post<{ Params: Static<typeof AmountParams> }>('/withdrawal/:accountId/:amount', {
    schema: { ...seedTag, summary: 'Withdraw; 422 INSUFFICIENT_FUNDS rather than an overdraft', params: AmountParams },
  }, (request, reply) => submit(request, reply, withdrawal(request.params.accountId, request.params.amount, pathAmount), false, true));

  app.post<{ Params: Static<typeof TransferParams> }>('/transfer/:originAccountId/:targetAccountId/:amount', {
    schema: { ...seedTag, summary: 'Transfer between two accounts of this bank', params: TransferParams },
  }, (request, reply) => submit(request, reply, transfer(request.params.originAccountId, request.params.targetAccountId, request.params.amount, pathAmount), false, true));

  app.get<{ Params: Static<typeof AccountParams> }>('/balance/:accountId', {
    schema: { ...seedTag, summary: 'The committed balance of an account (compat seed000: a bare number of reais)', params: AccountParams },
  }, async (request) => {
    const balance = await bank.balance(request.client, parseAccountId(request.params.accountId), request.id);
    return seed000 ? reaisNumber(balance.balanceCents) : balance;
  });

  app.post<{ Body: Static<typeof AccountBody> }>('/v1/deposits', {
    schema: { ...v1Tag, summary: 'Deposit', headers: IdempotencyHeaders, body: AccountBody },
  }, (request, reply) => submit(request, reply, deposit(request.body.accountId, request.body.amount), true));

  app.post<{ Body: Static<typeof AccountBody> }>('/v1/withdrawals', {
    schema: { ...v1Tag, summary: 'Withdrawal', headers: IdempotencyHeaders, body: AccountBody },
  }, (request, reply) => submit(request, reply, withdrawal(request.body.accountId, request.body.amount), true));

  app.post<{ Body: Static<typeof TransferBody> }>('/v1/transfers', {
    schema: { ...v1Tag, summary: 'Transfer', headers: IdempotencyHeaders, body: TransferBody },
  }, (request, reply) => submit(request, reply, transfer(request.body.fromAccountId, request.body.toAccountId, request.body.amount), true));

  app.get<{ Params: Static<typeof AccountParams> }>('/v1/accounts/:accountId', {
    schema: { ...v1Tag, summary: 'Balance of an account', params: AccountParams },
  }, (request) => bank.balance(request.client, parseAccountId(request.params.accountId), request.id));

  app.get<{ Params: Static<typeof AccountParams>; Querystring: Static<typeof HistoryQuery> }>('/v1/accounts/:accountId/history', {
    schema: { ...v1Tag, summary: 'Latest movements of an account, newest first', params: AccountParams, querystring: HistoryQuery },
  }, (request) => bank.history(request.client, parseAccountId(request.params.accountId), Number(request.query.limit ?? 50), request.id));

  app.get<{ Params: { key: string } }>('/v1/operations/:key', {
    schema: { ...v1Tag, summary: 'Where an operation stands, by the Idempotency-Key it was sent with', params: Type.Object({ key: Type.String() }) },
  }, (request) => bank.operation(request.client, `${request.clientId}:${parseOperationId(request.params.key)}`, request.id));
}
