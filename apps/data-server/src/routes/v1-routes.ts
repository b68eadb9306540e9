// The data server's v1 API for business servers: all-or-nothing locks that return balances,
// atomic idempotent commits that release their locks (and compare-and-set versioned records),
// committed reads, record reads, the durable queue, audit.
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { LEDGER_ACCOUNT_ID_CHARS_MAX } from '@banca/core/ids';
import { RECORD_LIMITS, TRANSFER_KINDS } from '@banca/core/protocol';
import { BancaError } from '@banca/core/errors';
import type { LedgerService } from '../application/ledger-service.js';

const Id = Type.String({ minLength: 1, maxLength: 128 });
const AccountId = Type.String({ minLength: 1, maxLength: LEDGER_ACCOUNT_ID_CHARS_MAX });
const LockBody = Type.Object(
  {
    accountIds: Type.Array(AccountId, { minItems: 1 }),
    leaseMs: Type.Optional(Type.Integer()),
    lookupTransferIds: Type.Optional(Type.Array(Id)),
  },
  { additionalProperties: false },
);
const ReleaseBody = Type.Object(
  { accountIds: Type.Array(AccountId, { minItems: 1 }), fence: Type.Optional(Type.Integer({ minimum: 0 })) },
  { additionalProperties: false },
);
const FenceRef = Type.Object({ accountId: AccountId, fence: Type.Integer({ minimum: 0 }) }, { additionalProperties: false });
const Transfer = Type.Object(
  {
    transferId: Id,
    kind: Type.Union(TRANSFER_KINDS.map((kind) => Type.Literal(kind))),
    debitAccountId: AccountId,
    creditAccountId: AccountId,
    amountCents: Type.Integer(),
  },
  { additionalProperties: false },
);
const QueueResult = Type.Object(
  {
    operationId: Id,
    status: Type.Union([Type.Literal('applied'), Type.Literal('rejected')]),
    transferId: Type.Optional(Id),
    errorCode: Type.Optional(Type.String({ maxLength: 64 })),
    message: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);
// Shapes only: the ledger service checks names, sizes and counts with clearer messages.
const RecordWrite = Type.Object(
  {
    collection: Type.String(),
    key: Type.String(),
    expectVersion: Type.Integer(),
    value: Type.Record(Type.String(), Type.Unknown()),
    tags: Type.Optional(Type.Array(Type.String())),
  },
  { additionalProperties: false },
);
const Operation = Type.Union([
  Type.Object({ kind: Type.Literal('deposit'), accountId: AccountId, amountCents: Type.Integer() }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('withdrawal'), accountId: AccountId, amountCents: Type.Integer() }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('transfer'), fromAccountId: AccountId, toAccountId: AccountId, amountCents: Type.Integer() }, { additionalProperties: false }),
]);
const Refusal = Type.Object(
  { operationId: Id, operation: Operation, code: Type.String({ minLength: 1, maxLength: 64 }), message: Type.String({ maxLength: 500 }) },
  { additionalProperties: false },
);
const CommitBody = Type.Object(
  {
    commitId: Id,
    locks: Type.Array(FenceRef),
    transfers: Type.Array(Transfer),
    release: Type.Boolean(),
    unlocked: Type.Optional(Type.Boolean({ description: 'Touch customer accounts without holding their locks: refused with ACCOUNT_LOCKED while another business holds one, and never below zero.' })),
    queue: Type.Optional(Type.Object({ claimId: Id, results: Type.Array(QueueResult) }, { additionalProperties: false })),
    records: Type.Optional(Type.Array(RecordWrite)),
    refusals: Type.Optional(Type.Array(Refusal)),
  },
  { additionalProperties: false },
);
const ReadRecordsBody = Type.Object(
  { collection: Type.String(), keys: Type.Array(Type.String(), { minItems: 1, maxItems: RECORD_LIMITS.listLimitMax }) },
  { additionalProperties: false },
);
const CollectionParams = Type.Object({ collection: Type.String() });
const EnqueueBody = Type.Object({ operationId: Id, operation: Operation }, { additionalProperties: false });
const ClaimBody = Type.Object(
  {
    minCount: Type.Integer({ minimum: 1, maximum: 1000 }),
    maxCount: Type.Integer({ minimum: 1, maximum: 1000 }),
    leaseMs: Type.Optional(Type.Integer()),
  },
  { additionalProperties: false },
);
const AccountParams = Type.Object({ accountId: Type.String() });
const OperationParams = Type.Object({ operationId: Type.String() });
// Query strings arrive as text: numbers are matched as digits and converted in the handler.
const HistoryQuery = Type.Object({ limit: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,3}$' })) }, { additionalProperties: false });
const RecordsQuery = Type.Object(
  {
    tag: Type.String({ minLength: 1, maxLength: 128 }),
    limit: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,3}$' })),
    order: Type.Optional(Type.Union([Type.Literal('newest'), Type.Literal('oldest')], { description: 'newest (default) or oldest first' })),
    // Checked by the ledger service, with a message saying what to send instead.
    after: Type.Optional(Type.String({ description: 'order=oldest only: the "next" of the previous page' })),
  },
  { additionalProperties: false },
);

const v1Tag = { tags: ["v1"] };

export function registerV1Routes(app: FastifyInstance, ledger: LedgerService): void {
  app.post<{ Body: Static<typeof LockBody> }>('/v1/locks', {
    schema: { ...v1Tag, summary: 'Lock several accounts, all or nothing; returns fencing tokens and balances', body: LockBody },
  }, async (request) => ledger.lock(request.businessId, request.body.accountIds, request.body.leaseMs, request.body.lookupTransferIds));

  app.post<{ Body: Static<typeof ReleaseBody> }>('/v1/locks/release', {
    schema: { ...v1Tag, summary: 'Release locks the business holds', body: ReleaseBody },
  }, async (request) => ledger.unlock(request.businessId, request.body.accountIds, request.body.fence));

  app.post<{ Body: Static<typeof CommitBody> }>('/v1/commits', {
    schema: { ...v1Tag, summary: 'Commit a batch of double-entry transfers and record writes (and release its locks) atomically; idempotent by commitId', body: CommitBody },
  }, async (request) => ledger.commit(request.businessId, request.body));

  app.get<{ Params: Static<typeof AccountParams> }>('/v1/accounts/:accountId', {
    schema: { ...v1Tag, summary: 'The last committed balance (never blocked by locks)', params: AccountParams },
  }, async (request) => ledger.readCommitted(request.params.accountId));

  app.get<{ Params: Static<typeof AccountParams>; Querystring: Static<typeof HistoryQuery> }>('/v1/accounts/:accountId/history', {
    schema: { ...v1Tag, summary: 'Latest transfers of an account, newest first', params: AccountParams, querystring: HistoryQuery },
  }, async (request) => ledger.history(request.params.accountId, request.query.limit === undefined ? undefined : Number(request.query.limit)));

  app.post<{ Body: Static<typeof ReadRecordsBody> }>('/v1/records/read', {
    schema: { ...v1Tag, summary: 'The versioned records of these keys that exist, in the order of the keys', body: ReadRecordsBody },
  }, async (request) => ledger.readRecords(request.body.collection, request.body.keys));

  app.get<{ Params: Static<typeof CollectionParams>; Querystring: Static<typeof RecordsQuery> }>('/v1/records/:collection', {
    schema: {
      ...v1Tag, params: CollectionParams, querystring: RecordsQuery,
      summary: 'Records of a collection carrying a tag, newest first, or oldest first in pages (order=oldest, after=<next of the previous page>; next is null on the last); limit default 100, at most 1000',
    },
  }, async (request) => {
    const { tag, order, after } = request.query;
    const limit = request.query.limit === undefined ? undefined : Number(request.query.limit);
    if (order === 'oldest') return ledger.pageRecords(request.params.collection, tag, limit, after);
    if (after !== undefined) throw new BancaError('INVALID_REQUEST', 'after pages only the oldest-first listing: add order=oldest.');
    return ledger.listRecords(request.params.collection, tag, limit);
  });

  app.post<{ Body: Static<typeof EnqueueBody> }>('/v1/queue', {
    schema: { ...v1Tag, summary: 'Seed mode: add an operation to the durable queue; idempotent by operationId', body: EnqueueBody },
  }, async (request) => ledger.enqueue(request.businessId, request.body.operationId, request.body.operation));

  app.get<{ Params: Static<typeof OperationParams> }>('/v1/queue/:operationId', {
    schema: { ...v1Tag, summary: 'Seed mode: the state of a queued operation', params: OperationParams },
  }, async (request) => ledger.queueEntry(request.params.operationId));

  app.post<{ Body: Static<typeof ClaimBody> }>('/v1/queue/claim', {
    schema: { ...v1Tag, summary: 'Seed mode: claim the oldest pending operations when at least minCount wait', body: ClaimBody },
  }, async (request) => ledger.claimQueue(request.businessId, request.body.minCount, request.body.maxCount, request.body.leaseMs));

  app.get<{ Params: Static<typeof OperationParams> }>('/v1/refusals/:operationId', {
    schema: { ...v1Tag, summary: 'Batch mode: the refusal recorded for an operation id (its answer forever)', params: OperationParams },
  }, async (request) => ledger.refusal(request.params.operationId));

  app.get<{ Params: { transferId: string } }>('/v1/transfers/:transferId', {
    schema: { ...v1Tag, summary: 'A committed transfer by its id', params: Type.Object({ transferId: Type.String() }) },
  }, async (request) => ledger.transfer(request.params.transferId));

  app.get('/v1/audit', {
    schema: { ...v1Tag, summary: 'Checks the ledger: balances sum to zero and match the journal' },
  }, async () => ledger.audit());
}
