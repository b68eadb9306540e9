// The consortium's view of a person at this bank, for the dossier: every account of a CPF or
// CNPJ with its balance, blocked amount and latest transactions. Only a caller with an OAuth
// token carrying banks:read (issued by the dossier, checked against its JWKS) may ask; a
// customer's bank token is not one. Each read is logged with who made it, the document masked.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type } from '@sinclair/typebox';
import { BancaError } from '@banca/core/errors';
import { maskDocument, parseDocument } from '@banca/core/documents';
import { headerValue } from '@banca/server-kit/auth-hook';
import type { OAuthVerifier } from '@banca/server-kit/oauth-verifier';
import type { ConsortiumService } from '../application/consortium/consortium-service.js';

export const PEOPLE_SCOPE = 'banks:read';
/** Transactions per account in the answer, newest first. */
export const TRANSACTIONS_PER_ACCOUNT = 10;

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);
/** One line of an account's history, as GET /v1/me/transactions shows it. */
const TransactionSchema = Type.Object({
  id: Type.String(),
  type: Type.Union(['deposit', 'pix-out', 'pix-in', 'withdrawal', 'transfer-out', 'transfer-in', 'adjustment'].map((type) => Type.Literal(type))),
  direction: Type.Union([Type.Literal('in'), Type.Literal('out')]),
  madeBy: Nullable(Type.String({ description: 'Who made a movement the customer did not ask for (e.g. "teller clientA"); null for the customer\'s own' })),
  amountCents: Type.Integer(),
  amount: Type.String(),
  status: Type.Union([Type.Literal('pending'), Type.Literal('completed'), Type.Literal('failed')]),
  counterpart: Nullable(Type.String()),
  bankId: Nullable(Type.Integer()),
  method: Nullable(Type.String()),
  packetId: Nullable(Type.String()),
  atMs: Type.Integer(),
});
const PersonSchema = Type.Object({
  bankId: Type.Integer(),
  bankName: Type.String(),
  name: Nullable(Type.String({ description: 'The name of the holder with this document; null when this bank has no account for it' })),
  accounts: Type.Array(Type.Object({
    accountId: Type.String(),
    type: Type.String({ description: 'individual or company' }),
    joint: Type.Boolean(),
    holderNames: Type.Array(Type.String()),
    balanceCents: Type.Integer(),
    balance: Type.String(),
    blockedCents: Type.Integer(),
    blocked: Type.String(),
    transactions: Type.Array(TransactionSchema, { description: `The latest ${TRANSACTIONS_PER_ACCOUNT}, newest first` }),
  })),
});

export function registerPeopleRoutes(app: FastifyInstance, consortium: ConsortiumService, verifier: OAuthVerifier): void {
  app.get<{ Params: { document: string } }>('/v1/people/:document', {
    schema: {
      tags: ['consortium'],
      summary: `A person's accounts at this bank (balances, latest ${TRANSACTIONS_PER_ACCOUNT} transactions), for the dossier; needs an OAuth token with scope ${PEOPLE_SCOPE}`,
      params: Type.Object({ document: Type.String({ maxLength: 32, description: 'CPF or CNPJ, with or without punctuation' }) }),
      response: { 200: PersonSchema },
      security: [{ bearer: [] }],
    },
  }, async (request, reply) => {
    const principal = await verifier.verify(headerValue(request, 'authorization'), PEOPLE_SCOPE).catch((error: unknown) => challenge(reply, error));
    const person = await consortium.personAt(request.params.document, TRANSACTIONS_PER_ACCOUNT);
    request.log.info({ clientId: principal.clientId, subject: principal.subject, document: maskDocument(parseDocument(request.params.document).digits), accounts: person.accounts.length }, 'person read');
    return person;
  });
}

/** RFC 6750's challenge beside the catalogue's error. */
function challenge(reply: FastifyReply, error: unknown): never {
  if (error instanceof BancaError && error.status === 401) void reply.header('www-authenticate', 'Bearer error="invalid_token"');
  else if (error instanceof BancaError && error.code === 'INSUFFICIENT_SCOPE') void reply.header('www-authenticate', `Bearer error="insufficient_scope", scope="${PEOPLE_SCOPE}"`);
  throw error;
}
