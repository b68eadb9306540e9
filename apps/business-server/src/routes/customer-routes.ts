// The consortium's customer API (seed 003's interface routes, as JSON): open an account, log in
// for a bearer token, then see the account, deposit with a method, look up a Pix key, send a Pix
// or a packet of them. Every mutation takes an Idempotency-Key; a customer reaches only the
// accounts the token names.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { BancaError } from '@banca/core/errors';
import { parseOperationId } from '@banca/core/ids';
import { parseAmount } from '@banca/core/money';
import { headerValue } from '@banca/server-kit/auth-hook';
import type { CustomerClaims, CustomerTokens } from '../infra/customer-tokens.js';
import { CONSENT_TTL_SECONDS, type ConsortiumService } from '../application/consortium/consortium-service.js';
import type { PacketRecord } from '../domain/packet.js';
import type { SharedLoginAttempt, SharedLoginLimiter } from '../application/consortium/shared-login-limiter.js';

declare module 'fastify' {
  interface FastifyRequest {
    customer: CustomerClaims | null;
  }
}

const Amount = Type.String({ description: 'A positive decimal with at most two decimal places, e.g. "10.50"', maxLength: 32 });
const Holder = Type.Object({ name: Type.String({ maxLength: 200 }), document: Type.String({ maxLength: 32, description: 'CPF or CNPJ, with or without punctuation' }) }, { additionalProperties: false });
const SignUpBody = Type.Object(
  {
    type: Type.Union([Type.Literal('individual'), Type.Literal('company')]),
    holders: Type.Array(Holder, { minItems: 1, maxItems: 2, description: 'Two holders make a joint account' }),
    email: Type.String({ maxLength: 254 }),
    password: Type.String({ maxLength: 200 }),
    phone: Type.Optional(Type.String({ maxLength: 32 })),
  },
  { additionalProperties: false },
);
const LoginBody = Type.Object({ email: Type.String({ maxLength: 254 }), password: Type.String({ maxLength: 200 }) }, { additionalProperties: false });
const DepositBody = Type.Object(
  { amount: Amount, method: Type.Union([Type.Literal('cash'), Type.Literal('qrcode'), Type.Literal('boleto')]) },
  { additionalProperties: false },
);
const PixBody = Type.Object(
  { toBankId: Type.Integer({ minimum: 1, maximum: 99 }), key: Type.String({ maxLength: 254 }), amount: Amount },
  { additionalProperties: false },
);
const Leg = Type.Object(
  {
    fromBankId: Type.Integer({ minimum: 1, maximum: 99 }),
    fromAccountId: Type.Optional(Type.String({ maxLength: 64 })),
    toBankId: Type.Integer({ minimum: 1, maximum: 99 }),
    key: Type.String({ maxLength: 254 }),
    amount: Amount,
  },
  { additionalProperties: false },
);
const BankId = Type.Integer({ minimum: 1, maximum: 99 });
const ConsentGiven = Type.Object(
  { bankId: BankId, token: Type.String({ minLength: 1, maxLength: 8192, description: 'The token that bank answered to POST /v1/me/consents' }) },
  { additionalProperties: false },
);
const PacketBody = Type.Object(
  {
    transfers: Type.Array(Leg, { minItems: 1, maxItems: 20 }),
    consents: Type.Optional(Type.Array(ConsentGiven, { maxItems: 20, description: 'The payer\'s consent from each other bank paying a leg (see CONSENT_REQUIRED)' })),
  },
  { additionalProperties: false },
);
const ConsentLegBody = Type.Object(
  { legId: Type.String({ minLength: 1, maxLength: 128 }), toBank: BankId, key: Type.String({ maxLength: 254 }), amountCents: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) },
  { additionalProperties: false },
);
const ConsentBody = Type.Object(
  {
    packetId: Type.String({ minLength: 1, maxLength: 64 }),
    coordinatorBank: BankId,
    payerAccount: Type.String({ maxLength: 64, description: 'Your account at this bank that pays the legs' }),
    legs: Type.Array(ConsentLegBody, { minItems: 1, maxItems: 20, description: 'As CONSENT_REQUIRED listed them: leg id, receiving bank, key, amount in cents' }),
    expiresInSeconds: Type.Optional(Type.Integer({ minimum: CONSENT_TTL_SECONDS.min, maximum: CONSENT_TTL_SECONDS.max, default: CONSENT_TTL_SECONDS.default })),
  },
  { additionalProperties: false },
);
const LookupQuery = Type.Object({ bankId: Type.String({ pattern: '^[1-9][0-9]?$' }), key: Type.String({ maxLength: 254 }) }, { additionalProperties: false });
const LimitQuery = Type.Object({ limit: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,2}$' })) }, { additionalProperties: false });
const IdempotencyHeaders = Type.Object({ 'idempotency-key': Type.Optional(Type.String({ description: 'Required: a caller-chosen id (a UUID), reused on retry' })) });
const bearer = [{ bearer: [] }];

const customerTag = { tags: ['customers'] };

export function registerCustomerRoutes(
  app: FastifyInstance, consortium: ConsortiumService, tokens: CustomerTokens, transferWaitMs: number, limiter: SharedLoginLimiter,
): void {
  app.decorateRequest('customer', null);

  const claims = async (request: FastifyRequest): Promise<CustomerClaims> => {
    const header = headerValue(request, 'authorization');
    const match = header?.match(/^Bearer\s+(\S+)$/i);
    if (!match?.[1]) throw new BancaError('UNAUTHENTICATED', "Log in (POST /v1/sessions) and send 'Authorization: Bearer <token>'.");
    return tokens.verify(match[1]);
  };
  const limited = async <T>(reply: FastifyReply, check: () => Promise<T>): Promise<T> => {
    try {
      return await check();
    } catch (error) {
      const seconds = error instanceof BancaError ? (error.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds : undefined;
      if (seconds !== undefined) void reply.header('retry-after', String(seconds));
      throw error;
    }
  };
  const addressOf = (request: FastifyRequest) => limiter.clientAddress(request.ip, headerValue(request, 'x-forwarded-for'));
  const beginLogin = (request: FastifyRequest, reply: FastifyReply, email: string): Promise<SharedLoginAttempt> =>
    limited(reply, () => limiter.begin(email, addressOf(request)));
  const idempotencyKey = (request: FastifyRequest): string => {
    const key = headerValue(request, 'idempotency-key');
    if (key === undefined) throw new BancaError('MISSING_IDEMPOTENCY_KEY', 'Send an Idempotency-Key header (a UUID you reuse when you retry).');
    return parseOperationId(key);
  };
  const answer = async (reply: FastifyReply, packet: PacketRecord) => {
    const settled = packet.state === 'completed' || packet.state === 'failed' ? packet : await consortium.waitForPacket(packet.packetId, transferWaitMs);
    if (settled.state === 'failed' && settled.error) {
      const leg = settled.failedLeg;
      // A lone Pix fails with its leg's own code, unless that code says "retry" (a bank was down):
      // the transfer has ended, and repeating the same request would only repeat this answer.
      const final = new BancaError(settled.error.code, settled.error.message);
      if (settled.kind === 'pix' && !final.retryable) throw new BancaError(settled.error.code, settled.error.message, { details: { packetId: settled.packetId } });
      const what = settled.kind === 'pix' ? 'The Pix' : `Transfer ${leg} of the packet`;
      throw new BancaError('PACKET_REFUSED', `${what} failed (${settled.error.code}): ${settled.error.message} Nothing was moved.`, {
        details: { packetId: settled.packetId, failedLeg: leg, code: settled.error.code, message: settled.error.message },
      });
    }
    return reply.status(settled.state === 'completed' ? 200 : 202).send(packetView(settled));
  };

  app.get('/v1/bank', { schema: { ...customerTag, summary: "This bank's name, colour, coordination mode and the consortium's banks" } }, async () => consortium.info);

  app.post<{ Body: Static<typeof SignUpBody> }>('/v1/customers', {
    schema: { ...customerTag, summary: 'Open an account: individual (CPF) or company (CNPJ), joint with two holders (429 with Retry-After past signUpsPerIpMax per address)', body: SignUpBody },
  }, async (request, reply) => {
    // Counted at the bank's data server (every business server sees it); unreachable: 503, not unlimited.
    await limited(reply, () => limiter.beginSignUp(addressOf(request)));
    return reply.status(201).send(await consortium.signUp(request.body));
  });

  app.post<{ Body: Static<typeof LoginBody> }>('/v1/sessions', {
    schema: { ...customerTag, summary: 'Log in with e-mail and password; returns a short-lived bearer token (429 with Retry-After after too many failures at any of the bank\'s servers)', body: LoginBody },
  }, async (request, reply) => {
    // Counted before the password is hashed: a refused attempt costs no scrypt.
    const attempt = await beginLogin(request, reply, request.body.email);
    let session: Awaited<ReturnType<typeof consortium.login>>;
    try {
      session = await consortium.login(request.body.email, request.body.password);
    } catch (error) {
      // Taking the attempt back is best effort: if the data server is down too, it stays counted (stricter).
      if (!(error instanceof BancaError && error.code === 'INVALID_CREDENTIALS')) await attempt.cancelled().catch(() => undefined);
      throw error;
    }
    await attempt.succeeded().catch((error: unknown) => request.log.warn({ err: error }, 'could not reset the e-mail\'s failed log-ins'));
    return session;
  });

  app.get('/v1/me', {
    schema: { ...customerTag, summary: 'The account: holders, Pix keys, balance, blocked balance', security: bearer },
  }, async (request) => consortium.account((await claims(request)).accountId));

  app.get<{ Querystring: Static<typeof LimitQuery> }>('/v1/me/transactions', {
    schema: { ...customerTag, summary: 'Deposits and Pix in and out with their status (pending, completed, failed), newest first', querystring: LimitQuery, security: bearer },
  }, async (request) => ({ transactions: await consortium.transactions((await claims(request)).accountId, Number(request.query.limit ?? 50)) }));

  app.get('/v1/me/banks', {
    schema: { ...customerTag, summary: "The customer's accounts at every bank of the consortium (by CPF/CNPJ)", security: bearer },
  }, async (request) => ({ banks: await consortium.banksOf((await claims(request)).document) }));

  app.post<{ Body: Static<typeof DepositBody> }>('/v1/me/deposits', {
    schema: { ...customerTag, summary: 'Deposit by cash, QR code or boleto', headers: IdempotencyHeaders, body: DepositBody, security: bearer },
  }, async (request) => {
    const customer = await claims(request);
    return consortium.deposit(customer.accountId, parseAmount(request.body.amount), request.body.method, idempotencyKey(request));
  });

  app.get<{ Querystring: Static<typeof LookupQuery> }>('/v1/pix-keys/lookup', {
    schema: { ...customerTag, summary: "Who a Pix key belongs to at a bank: name, bank, document masked", querystring: LookupQuery, security: bearer },
  }, async (request) => {
    await claims(request);
    return consortium.lookupKey(Number(request.query.bankId), request.query.key);
  });

  app.post<{ Body: Static<typeof PixBody> }>('/v1/me/pix', {
    schema: { ...customerTag, summary: 'Send a Pix to a key at any bank (two phases with holds); 200 completed, 202 still pending', headers: IdempotencyHeaders, body: PixBody, security: bearer },
  }, async (request, reply) => {
    const customer = await claims(request);
    const key = idempotencyKey(request);
    const account = await consortium.customer(customer.accountId);
    const amountCents = parseAmount(request.body.amount);
    const packet = await consortium.submit(account, customer.document, 'pix', [{ fromBankId: consortium.info.bankId, toBankId: request.body.toBankId, key: request.body.key, amountCents }], key);
    return answer(reply, packet);
  });

  app.post<{ Body: Static<typeof PacketBody> }>('/v1/me/packets', {
    schema: { ...customerTag, summary: "Send several Pix at once, from the customer's accounts at any banks: all or nothing", headers: IdempotencyHeaders, body: PacketBody, security: bearer },
  }, async (request, reply) => {
    const customer = await claims(request);
    const key = idempotencyKey(request);
    const account = await consortium.customer(customer.accountId);
    const legs = request.body.transfers.map((leg, index) => ({
      fromBankId: leg.fromBankId, toBankId: leg.toBankId, key: leg.key, amountCents: parseAmount(leg.amount, `amount of transfer ${index + 1}`),
      ...(leg.fromAccountId === undefined ? {} : { fromAccountId: leg.fromAccountId }),
    }));
    const consents = new Map((request.body.consents ?? []).map((consent) => [consent.bankId, consent.token]));
    return answer(reply, await consortium.submit(account, customer.document, 'packet', legs, key, consents));
  });

  app.post<{ Body: Static<typeof ConsentBody> }>('/v1/me/consents', {
    schema: {
      ...customerTag,
      summary: "Consent to legs of another bank's packet paid from your account here: a short-lived token for that packet, its receivers and amounts only",
      body: ConsentBody, security: bearer,
    },
  }, async (request, reply) => {
    const customer = await claims(request);
    const body = request.body;
    const consent = await consortium.issueConsent(customer.document, {
      packetId: body.packetId, coordinatorBank: body.coordinatorBank, payerAccountId: body.payerAccount, legs: body.legs,
      expiresInSeconds: body.expiresInSeconds ?? CONSENT_TTL_SECONDS.default,
    });
    return reply.status(201).send(consent);
  });

  app.get<{ Params: { packetId: string } }>('/v1/me/packets/:packetId', {
    schema: { ...customerTag, summary: 'Where a Pix or packet stands', params: Type.Object({ packetId: Type.String({ maxLength: 64 }) }), security: bearer },
  }, async (request) => {
    const customer = await claims(request);
    // Someone else's packet and no packet answer alike: the answer must not tell which ids exist.
    const notYours = new BancaError('TRANSFER_NOT_FOUND', `No packet ${request.params.packetId} of yours.`);
    const packet = await consortium.packet(request.params.packetId).catch((error: unknown) => {
      throw error instanceof BancaError && error.code === 'TRANSFER_NOT_FOUND' ? notYours : error;
    });
    if (packet.accountId !== customer.accountId) throw notYours;
    return packetView(packet);
  });
}

/** A packet as its customer sees it (no internal hashes or documents). */
export function packetView(packet: PacketRecord) {
  return {
    packetId: packet.packetId,
    kind: packet.kind,
    status: packet.state === 'completed' ? 'completed' : packet.state === 'failed' ? 'failed' : 'pending',
    state: packet.state,
    failedLeg: packet.failedLeg,
    error: packet.error,
    transfers: packet.legs.map((leg) => ({
      fromBankId: leg.fromBank, fromAccountId: leg.fromAccountId, toBankId: leg.toBank, receiverName: leg.receiverName, amountCents: leg.amountCents,
    })),
    createdAtMs: packet.createdAtMs,
    updatedAtMs: packet.updatedAtMs,
  };
}
