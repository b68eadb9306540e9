// Windowed counters shared by a bank's business servers (their log-in and sign-up limits):
// count hits all or nothing, take one back or reset a key. Keys are stored hashed.
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { LIMIT_BOUNDS } from '@banca/core/protocol';
import type { LimitService } from '../application/limit-service.js';

// Shapes and sizes only: the limit service checks names and bounds with clearer messages.
const Limit = Type.String({ minLength: 1, maxLength: 32, description: 'The counter, e.g. "login-email"' });
const Key = Type.String({ minLength: 1, maxLength: LIMIT_BOUNDS.keyCharsMax, description: 'What it counts (an e-mail, an address); stored as a SHA-256 hash' });
const HitsBody = Type.Object(
  {
    hits: Type.Array(
      Type.Object({ limit: Limit, key: Key, windowMs: Type.Integer({ description: 'Sliding window, 1000 ms to 24 h' }), max: Type.Integer({ description: 'Hits allowed within the window' }) }, { additionalProperties: false }),
      { minItems: 1, maxItems: LIMIT_BOUNDS.hitsPerRequestMax },
    ),
  },
  { additionalProperties: false },
);
const ForgetBody = Type.Object(
  {
    forget: Type.Array(
      Type.Object({ limit: Limit, key: Key, atMs: Type.Optional(Type.Integer({ description: 'The hit to take back (atMs of its answer); absent: every hit of the key' })) }, { additionalProperties: false }),
      { minItems: 1, maxItems: LIMIT_BOUNDS.hitsPerRequestMax },
    ),
  },
  { additionalProperties: false },
);

const limitsTag = { tags: ['limits'] };

export function registerLimitRoutes(app: FastifyInstance, limits: LimitService): void {
  app.post<{ Body: Static<typeof HitsBody> }>('/v1/limits/hits', {
    schema: {
      ...limitsTag, body: HitsBody,
      summary: 'Count a hit on each counter, all or nothing: none is counted when one is full (allowed false, retryAfterMs)',
    },
  }, async (request) => limits.hit(request.body.hits));

  app.post<{ Body: Static<typeof ForgetBody> }>('/v1/limits/forget', {
    schema: { ...limitsTag, body: ForgetBody, summary: 'Take back one hit (atMs), or reset a key (no atMs)' },
  }, async (request) => limits.forget(request.body.forget));
}
