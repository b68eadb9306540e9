// The administrator's log-in for the web page: name and password for a short-lived dossier:read
// token, the same answer as the token endpoint's. 429 with Retry-After after too many failures.
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { BancaError } from '@banca/core/errors';
import { headerValue } from '@banca/server-kit/auth-hook';
import type { AdminSessions } from '../application/admin-sessions.js';
import { TokenResponseSchema } from './oauth-routes.js';

const SessionBody = Type.Object(
  { username: Type.String({ minLength: 1, maxLength: 64 }), password: Type.String({ maxLength: 200 }) },
  { additionalProperties: false },
);

export function registerAdminRoutes(app: FastifyInstance, sessions: AdminSessions): void {
  app.post<{ Body: Static<typeof SessionBody> }>('/v1/admin/sessions', {
    schema: {
      tags: ['admin'],
      summary: "The web page's administrator logs in: a dossier:read token whose subject is the administrator (429 with Retry-After after too many failures)",
      body: SessionBody,
      response: { 200: TokenResponseSchema },
    },
  }, async (request, reply) => {
    const address = sessions.clientAddress(request.ip, headerValue(request, 'x-forwarded-for'));
    try {
      const answer = await sessions.logIn(request.body.username, request.body.password, address);
      request.log.info({ admin: request.body.username }, 'administrator logged in');
      return await reply.headers({ 'cache-control': 'no-store', pragma: 'no-cache' }).send(answer);
    } catch (error) {
      const seconds = error instanceof BancaError ? (error.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds : undefined;
      if (seconds !== undefined) void reply.header('retry-after', String(seconds));
      throw error;
    }
  });
}
