// The credit registry's JSON API: read a person's debts, assets and incomes with their totals
// (scope registry:read); record one of each (scope registry:write) with an Idempotency-Key, so a
// retry answers with the item first recorded instead of recording it twice.
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchemaValidationError } from 'fastify';
import { Type, type Static, type TObject } from '@sinclair/typebox';
import { parseDocument } from '@banca/core/documents';
import { BancaError } from '@banca/core/errors';
import { parseOperationId } from '@banca/core/ids';
import { parseAmount } from '@banca/core/money';
import { headerValue } from '@banca/server-kit/auth-hook';
import type { OAuthScope, OAuthVerifier } from '@banca/server-kit/oauth-verifier';
import type { EntryInput, RegistryItem, RegistryService } from '../application/registry-service.js';
import { TEXT_CHARS_MAX } from '../application/entry-rules.js';
import { itemView, ItemSchema, personView, PersonSchema } from './item-views.js';
import { principalOf, scopeGuard } from './require-scope.js';

const DocumentParams = Type.Object({
  document: Type.String({ minLength: 1, maxLength: 32, description: "CPF (11 digits) or CNPJ (14 digits), punctuation allowed (a CNPJ's '/' as %2F)" }),
});
type DocumentParams = Static<typeof DocumentParams>;
const Amount = Type.String({ maxLength: 32, description: 'A positive decimal with at most two decimal places, e.g. "123.45"' });
const Text = (description: string) => Type.String({ minLength: 1, maxLength: TEXT_CHARS_MAX, description });
const DebtBody = Type.Object(
  {
    amount: Amount,
    date: Type.String({ maxLength: 32, description: 'The day the debt was taken, YYYY-MM-DD, not in the future' }),
    creditor: Text('Who is owed'),
  },
  { additionalProperties: false },
);
const HoldingBody = (amount: string, description: string) => Type.Object(
  { amount: { ...Amount, description: amount }, description: Text(description) },
  { additionalProperties: false },
);
const AssetBody = HoldingBody('What the asset is worth, e.g. "42000.00"', 'What the asset is, e.g. "Carro"');
const IncomeBody = HoldingBody('Per month, e.g. "5200.00"', 'Where the income comes from, e.g. "Salário"');
const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(Type.String({ description: 'Required: a caller-chosen id (a UUID), reused on retry' })),
});
/** OpenAPI 3.0 lists scopes only for oauth2 schemes: a bearer route names its scope in its description. */
const bearer = (scope: OAuthScope) => ({ security: [{ bearer: [] }], description: `Needs an access token with scope ${scope} (the dossier's POST /oauth/token).` });
const registryTag = { tags: ['registry'] };
const written = {
  201: { ...ItemSchema, description: 'Recorded' },
  200: { ...ItemSchema, description: 'Already recorded with this Idempotency-Key and the same body: the item recorded then' },
};

export function registerRegistryRoutes(app: FastifyInstance, registry: RegistryService, verifier: OAuthVerifier): void {
  const guard = scopeGuard(app, verifier);
  app.setSchemaErrorFormatter(schemaProblem);

  app.get<{ Params: DocumentParams }>('/v1/people/:document', {
    onRequest: guard('registry:read'),
    schema: {
      ...registryTag,
      summary: "A person's debts, assets and monthly incomes, with totals (empty lists when nothing is recorded)",
      params: DocumentParams,
      ...bearer('registry:read'),
      response: { 200: PersonSchema },
    },
  }, async (request) => {
    return personView(await registry.person(parseDocument(request.params.document).digits));
  });

  const recordRoute = <B extends TObject>(
    path: string, summary: string, body: B, toEntry: (body: Static<B>) => EntryInput,
  ) => {
    app.post<{ Params: DocumentParams; Body: Static<B> }>(path, {
      onRequest: guard('registry:write'),
      schema: { ...registryTag, summary, params: DocumentParams, headers: IdempotencyHeaders, body, ...bearer('registry:write'), response: written },
    }, async (request, reply) => {
      const document = parseDocument(request.params.document).digits;
      const caller = { clientId: principalOf(request).clientId, idempotencyKey: idempotencyKey(request) };
      const { created, item } = await registry.record(document, toEntry(request.body as Static<B>), caller);
      return answer(reply, created, item);
    });
  };

  recordRoute('/v1/people/:document/debts', 'Record a debt: amount, date, creditor', DebtBody, (body) => ({
    kind: 'debt', amountCents: parseAmount(body.amount), date: body.date, creditor: body.creditor,
  }));
  recordRoute('/v1/people/:document/assets', 'Record an asset (patrimony): amount, description', AssetBody, (body) => ({
    kind: 'asset', amountCents: parseAmount(body.amount), description: body.description,
  }));
  recordRoute('/v1/people/:document/incomes', 'Record a source of income: monthly amount, description', IncomeBody, (body) => ({
    kind: 'income', amountCents: parseAmount(body.amount), description: body.description,
  }));
}

/** Names the field a body may not have, which the default message leaves out. */
function schemaProblem(errors: FastifySchemaValidationError[], dataVar: string): Error {
  const first = errors[0];
  const unknown = first?.keyword === 'additionalProperties' ? (first.params as { additionalProperty?: unknown }).additionalProperty : undefined;
  if (typeof unknown === 'string') return new Error(`${dataVar}${first?.instancePath ?? ''} has a field it does not take: '${unknown.slice(0, 40)}'`);
  return new Error(errors.map((error) => `${dataVar}${error.instancePath} ${error.message ?? 'is not valid'}`).join(', '));
}

function idempotencyKey(request: FastifyRequest): string {
  const key = headerValue(request, 'idempotency-key');
  if (key === undefined) throw new BancaError('MISSING_IDEMPOTENCY_KEY', 'Send an Idempotency-Key header (a UUID you reuse when you retry).');
  return parseOperationId(key);
}

function answer(reply: FastifyReply, created: boolean, item: RegistryItem) {
  if (!created) void reply.header('idempotent-replayed', 'true');
  return reply.status(created ? 201 : 200).send(itemView(item));
}
