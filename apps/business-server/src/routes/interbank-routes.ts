// The interbank API (seed 003's routes between banks): other banks of the consortium, and only
// they, each authenticated by its own signature (banca-interbank-signature: see
// server-kit/interbank-signature; verified over the request line here, over the raw body once it is
// read, each signature admitted once), ask this bank to hold, post or cancel a leg's
// money, prepare, commit or void a credit, look up a Pix key or a document, tell how a packet it
// coordinates ended (one, or many at once for a recovery sweep), and pass the token ring's token. Every step is idempotent by its leg id, and
// a leg's later steps are accepted only from the bank that coordinates it.
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { BancaError } from '@banca/core/errors';
import { isOperationId, parseAccountId } from '@banca/core/ids';
import { asCents } from '@banca/core/money';
import { headerValue } from '@banca/server-kit/auth-hook';
import { INTERBANK_SIGNATURE_HEADER, type InterbankVerifier, type VerifiedHeader } from '@banca/server-kit/interbank-signature';
import { documentSecurity } from '@banca/server-kit/openapi-security';
import type { ConsortiumService } from '../application/consortium/consortium-service.js';
import { PACKET_STATES_MAX } from '../application/consortium/coordinator.js';
import { INTERBANK_BATCH_MAX, type LegStep, type LegStepResult } from '../application/consortium/leg-steps.js';
import type { CreditRecord } from '../domain/credit.js';
import type { HoldRecord } from '../domain/hold.js';

declare module 'fastify' {
  interface FastifyRequest {
    callerBank: number;
    interbankSignature: VerifiedHeader | null;
    /** The body's bytes as sent, for the signature's content digest. */
    rawBody: string | undefined;
  }
}

export interface RingEndpoint {
  receive(token: { nodeSender: number; counters: number[] }): Promise<unknown>;
  status(): Promise<unknown>;
}

const LegId = Type.String({ minLength: 1, maxLength: 128 });
const BankId = Type.Integer({ minimum: 1, maximum: 99 });
const HoldBody = Type.Object(
  {
    legId: LegId, packetId: LegId, coordinatorBank: BankId, payerAccountId: Type.String({ maxLength: 64 }),
    payerDocument: Type.String({ maxLength: 14, description: 'For display only: it authorizes nothing' }),
    toBank: BankId, toKey: Type.Optional(Type.String({ maxLength: 254 })), amountCents: Type.Integer(), receiverName: Type.String({ maxLength: 200 }),
    consent: Type.Optional(Type.String({ maxLength: 8192, description: "The payer's consent, a token this bank issued (POST /v1/me/consents)" })),
  },
  { additionalProperties: false },
);
const CreditBody = Type.Object(
  {
    legId: LegId, packetId: LegId, coordinatorBank: BankId, fromBank: BankId, key: Type.String({ maxLength: 254 }), amountCents: Type.Integer(),
    payerName: Type.String({ maxLength: 200 }), payerDocument: Type.String({ maxLength: 14 }),
  },
  { additionalProperties: false },
);
const LegParams = Type.Object({ legId: LegId });
const PostBody = Type.Object({ receiverName: Type.Optional(Type.String({ maxLength: 200, description: "The receiver's name, for the payer's statement" })) }, { additionalProperties: false });
const TokenBody = Type.Object(
  { nodeSender: BankId, counters: Type.Array(Type.Integer({ minimum: 0 }), { minItems: 1, maxItems: 99, description: "seed 003's tokenIDList: one pass counter per bank" }) },
  { additionalProperties: false },
);
const PacketStatesBody = Type.Object(
  { packetIds: Type.Array(LegId, { minItems: 1, maxItems: PACKET_STATES_MAX }) },
  { additionalProperties: false },
);
const Receiver = Type.Optional(Type.String({ maxLength: 200 }));
const StepBody = Type.Union([
  Type.Object({ op: Type.Literal('hold'), hold: HoldBody }, { additionalProperties: false }),
  Type.Object({ op: Type.Literal('post'), legId: LegId, receiverName: Receiver }, { additionalProperties: false }),
  Type.Object({ op: Type.Literal('cancel'), legId: LegId }, { additionalProperties: false }),
  Type.Object({ op: Type.Literal('credit'), credit: CreditBody }, { additionalProperties: false }),
  Type.Object({ op: Type.Literal('apply'), credit: CreditBody }, { additionalProperties: false }),
  Type.Object({ op: Type.Literal('commit'), legId: LegId }, { additionalProperties: false }),
  Type.Object({ op: Type.Literal('void'), legId: LegId }, { additionalProperties: false }),
]);
const BatchBody = Type.Object(
  { steps: Type.Array(StepBody, { minItems: 1, maxItems: INTERBANK_BATCH_MAX }) },
  { additionalProperties: false },
);
const interbankTag = { tags: ['interbank'] };

export function registerInterbankRoutes(app: FastifyInstance, consortium: ConsortiumService, verifier: InterbankVerifier, ring: RingEndpoint | null): void {
  app.decorateRequest('callerBank', 0);
  app.decorateRequest('interbankSignature', null);
  app.decorateRequest('rawBody', undefined);
  // The signature is refused before the body is read; the body's digest is checked once it is.
  app.addHook('onRequest', async (request) => {
    const verified = await verifier.verifyHeader(headerValue(request, INTERBANK_SIGNATURE_HEADER), request.method, request.url, headerValue(request, 'bank-id'));
    request.interbankSignature = verified;
    request.callerBank = verified.sender;
  });
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    request.rawBody = body as string;
    // The default parser answers through `done`; what it returns is nothing to wait for.
    void parseJson(request, body as string, done);
  });
  app.addHook('preValidation', async (request) => {
    if (!request.interbankSignature) throw new Error('interbank route reached without a verified signature');
    verifier.verifyBody(request.interbankSignature, request.rawBody);
  });
  documentSecurity(app, { interbankSignature: [] });
  const leg = (legId: string) => {
    if (!isOperationId(legId)) throw new BancaError('INVALID_REQUEST', 'The leg id is not valid.');
    return legId;
  };
  const fromCoordinator = (request: { callerBank: number }, coordinatorBank: number) => {
    if (request.callerBank !== coordinatorBank) throw new BancaError('FORBIDDEN', `Bank ${request.callerBank} cannot act for bank ${coordinatorBank}.`);
  };

  app.get('/interbank/v1/ping', { schema: { ...interbankTag, summary: "Is this bank up (seed 003's /verify-conection)" } }, async () => ({
    bankId: consortium.info.bankId, name: consortium.info.name, ok: true,
  }));

  app.post<{ Body: Static<typeof TokenBody> }>('/interbank/v1/token', {
    schema: { ...interbankTag, summary: 'Token ring: receive the token; 409 STALE_TOKEN when it is older than one already seen', body: TokenBody },
  }, async (request) => {
    if (!ring) throw new BancaError('ROUTE_NOT_FOUND', 'This bank does not run the token ring (coordination: holds).');
    if (request.body.nodeSender !== request.callerBank) throw new BancaError('FORBIDDEN', 'A bank passes only its own token.');
    await ring.receive(request.body);
    return { accepted: true };
  });

  app.get('/interbank/v1/ring', { schema: { ...interbankTag, summary: "Token ring: this bank's counters and whether it holds the token" } }, async () => {
    if (!ring) throw new BancaError('ROUTE_NOT_FOUND', 'This bank does not run the token ring (coordination: holds).');
    return ring.status();
  });

  app.get<{ Params: { document: string } }>('/interbank/v1/documents/:document', {
    schema: { ...interbankTag, summary: "The accounts a CPF/CNPJ holds at this bank (seed 003's /search-account)", params: Type.Object({ document: Type.String({ maxLength: 32 }) }) },
  }, async (request) => consortium.localAccountsOf(request.params.document));

  app.post<{ Body: { key: string } }>('/interbank/v1/keys/lookup', {
    schema: { ...interbankTag, summary: "Who a Pix key belongs to here, document masked (seed 003's /account/pix)", body: Type.Object({ key: Type.String({ maxLength: 254 }) }, { additionalProperties: false }) },
  }, async (request) => consortium.localKeyLookup(request.body.key));

  /** One leg's step, as its own route runs it (the batch route runs many). */
  const runStep = async (callerBank: number, step: LegStep): Promise<HoldRecord | CreditRecord> => {
    switch (step.op) {
      case 'hold':
        fromCoordinator({ callerBank }, step.hold.coordinatorBank);
        return consortium.holdWithConsent({ ...step.hold, legId: leg(step.hold.legId), payerAccountId: parseAccountId(step.hold.payerAccountId), amountCents: asCents(step.hold.amountCents) });
      case 'post':
        return consortium.postHold(leg(step.legId), callerBank, step.receiverName);
      case 'cancel':
        return consortium.cancelHold(leg(step.legId), callerBank);
      case 'credit':
        fromCoordinator({ callerBank }, step.credit.coordinatorBank);
        return consortium.prepareCredit({ ...step.credit, legId: leg(step.credit.legId), amountCents: asCents(step.credit.amountCents) });
      case 'apply':
        fromCoordinator({ callerBank }, step.credit.coordinatorBank);
        return consortium.applyCredit({ ...step.credit, legId: leg(step.credit.legId), amountCents: asCents(step.credit.amountCents) });
      case 'commit':
        return consortium.commitCredit(leg(step.legId), callerBank);
      case 'void':
        return consortium.voidCredit(leg(step.legId), callerBank);
    }
  };

  app.post<{ Body: Static<typeof BatchBody> }>('/interbank/v1/batch', {
    schema: {
      ...interbankTag, body: BatchBody,
      summary: `Up to ${INTERBANK_BATCH_MAX} legs' steps in one request (hold, post, cancel, credit, apply, commit, void, each as its own route does it); one answer per step in the order sent, a refused step failing only itself`,
    },
  }, async (request) => {
    const results = await Promise.all(request.body.steps.map((step) => runStep(request.callerBank, step).then(
      (record): LegStepResult => ({ ok: true, record }),
      (error: unknown): LegStepResult => {
        if (error instanceof BancaError) return { ok: false, error: { code: error.code, message: error.message } };
        request.log.error({ err: error, op: step.op }, 'an interbank step failed');
        return { ok: false, error: { code: 'INTERNAL', message: 'This step failed inside the bank; retry it.' } };
      },
    )));
    return { results };
  });

  app.post<{ Body: Static<typeof HoldBody> }>('/interbank/v1/holds', {
    schema: { ...interbankTag, summary: "Phase one at the paying bank: hold the amount (blocked balance), only with the payer's consent issued here; idempotent by legId", body: HoldBody },
  }, async (request) => runStep(request.callerBank, { op: 'hold', hold: request.body }));

  app.post<{ Params: Static<typeof LegParams>; Body: Static<typeof PostBody> }>('/interbank/v1/holds/:legId/post', {
    schema: { ...interbankTag, summary: 'Phase two at the paying bank: post the hold (answers the state it is in when it cannot)', params: LegParams, body: PostBody },
    // The body is optional (banks before receiverName send none): no body reads as {}.
    preValidation: async (request) => {
      request.body ??= {};
    },
  }, async (request) => runStep(request.callerBank, { op: 'post', legId: request.params.legId, ...(request.body.receiverName ? { receiverName: request.body.receiverName } : {}) }));

  app.post<{ Params: Static<typeof LegParams> }>('/interbank/v1/holds/:legId/cancel', {
    schema: { ...interbankTag, summary: 'Abort at the paying bank: void the hold, or reverse a posted leg', params: LegParams },
  }, async (request) => runStep(request.callerBank, { op: 'cancel', legId: request.params.legId }));

  app.post<{ Body: Static<typeof CreditBody> }>('/interbank/v1/credits', {
    schema: { ...interbankTag, summary: "Phase one at the receiving bank: record a pending credit to the key's account (seed 003's /account/receive-pix)", body: CreditBody },
  }, async (request) => runStep(request.callerBank, { op: 'credit', credit: request.body }));

  app.post<{ Body: Static<typeof CreditBody> }>('/interbank/v1/credits/apply', {
    schema: {
      ...interbankTag, body: CreditBody,
      summary: "A direct Pix (one leg, its money held by the coordinator itself): apply the credit at once; this bank's answer decides the packet (completed, or failed when a void came first)",
    },
  }, async (request) => runStep(request.callerBank, { op: 'apply', credit: request.body }));

  app.post<{ Params: Static<typeof LegParams> }>('/interbank/v1/credits/:legId/commit', {
    schema: { ...interbankTag, summary: "Phase two at the receiving bank: apply the credit (seed 003's /account/confirmation-operation)", params: LegParams },
  }, async (request) => runStep(request.callerBank, { op: 'commit', legId: request.params.legId }));

  app.post<{ Params: Static<typeof LegParams> }>('/interbank/v1/credits/:legId/void', {
    schema: { ...interbankTag, summary: "Abort at the receiving bank (seed 003's /account/error-transaction)", params: LegParams },
  }, async (request) => runStep(request.callerBank, { op: 'void', legId: request.params.legId }));

  app.post<{ Body: Static<typeof PacketStatesBody> }>('/interbank/v1/packets/states', {
    schema: {
      ...interbankTag, body: PacketStatesBody,
      summary: `How up to ${PACKET_STATES_MAX} packets coordinated here stand, one answer per id in the order asked (unknown: no such packet involving the caller); the recovery sweep's batch of GET /interbank/v1/packets/:packetId`,
    },
  }, async (request) => ({ packets: await consortium.packetStatesFor(request.callerBank, request.body.packetIds) }));

  app.get<{ Params: { packetId: string } }>('/interbank/v1/packets/:packetId', {
    schema: { ...interbankTag, summary: 'How a packet coordinated here stands, for a bank holding one of its legs', params: Type.Object({ packetId: LegId }) },
  }, async (request) => consortium.packetStateFor(request.callerBank, request.params.packetId));
}
