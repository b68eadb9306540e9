// The OAuth2 authorization server's HTTP face: the token endpoint (RFC 6749 client credentials,
// form or JSON body, client authentication by HTTP Basic or in the body), the public keys
// (JWKS) and the server's metadata (RFC 8414). The token endpoint's errors carry RFC 6749's
// `error` and `error_description` beside the catalogue's `code` and `message`.
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { BancaError } from '@banca/core/errors';
import { headerValue } from '@banca/server-kit/auth-hook';
import { toBancaError } from '@banca/server-kit/create-server';
import { CLIENT_CREDENTIALS, type ClientCredentials } from '../application/client-credentials.js';
import type { TokenResponse } from '../application/token-issuer.js';

const oauthTag = { tags: ['oauth'] };
export const REALM = 'banca-dossier';

export const TokenResponseSchema = Type.Object({
  access_token: Type.String({ description: 'An ES256 JWT' }),
  token_type: Type.Literal('Bearer'),
  expires_in: Type.Integer({ description: 'Seconds' }),
  scope: Type.String({ description: 'The granted scopes, space separated' }),
});

export const OAuthErrorSchema = Type.Object({
  error: Type.String({ description: 'RFC 6749: invalid_request, invalid_client, unsupported_grant_type, invalid_scope, server_error' }),
  error_description: Type.String(),
  code: Type.String({ description: "The catalogue's code" }),
  message: Type.String(),
  retryable: Type.Boolean(),
  requestId: Type.Optional(Type.String()),
});

const TokenBody = Type.Object(
  {
    grant_type: Type.String({ maxLength: 64, description: 'client_credentials' }),
    client_id: Type.Optional(Type.String({ maxLength: 128 })),
    client_secret: Type.Optional(Type.String({ maxLength: 512 })),
    scope: Type.Optional(Type.String({ maxLength: 2048, description: 'Space separated; a subset of the client\'s scopes (default: all of them)' })),
  },
  // RFC 6749 section 3.2: parameters the server does not know are ignored.
  { additionalProperties: true },
);

export interface OAuthRouteOptions {
  clients: ClientCredentials;
  publicJwks: { keys: unknown[] };
  issuer: string;
  /** The address others reach this server at; else taken from each request's Host. */
  publicUrl: string | undefined;
  /** Where a request comes from (trusted proxies' X-Forwarded-For believed), for the limits. */
  clientAddress(peer: string | undefined, forwardedFor: string | undefined): string;
}

export function registerOAuthRoutes(app: FastifyInstance, options: OAuthRouteOptions): void {
  // Form bodies, as RFC 6749 wants them, in this scope only; a parameter given twice is refused.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    const params = new URLSearchParams(body as string);
    const names = [...params.keys()];
    const repeated = names.find((name, index) => names.indexOf(name) !== index);
    if (repeated !== undefined) done(new BancaError('INVALID_REQUEST', `The parameter ${repeated.slice(0, 40)} is given more than once.`), undefined);
    else done(null, Object.fromEntries(params));
  });
  app.setErrorHandler((error: FastifyError | BancaError, request, reply) => {
    const banca = toBancaError(error);
    if (banca.status >= 500) request.log.error({ err: error }, 'token request failed');
    if (banca.status === 401) void reply.header('www-authenticate', `Basic realm="${REALM}"`);
    const retryAfter = (banca.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds;
    if (retryAfter !== undefined) void reply.header('retry-after', String(retryAfter));
    void reply.status(banca.status).headers({ 'cache-control': 'no-store', pragma: 'no-cache' }).send({
      error: oauthErrorOf(banca), error_description: banca.message, code: banca.code, message: banca.message, retryable: banca.retryable, requestId: request.id,
    });
  });

  app.post<{ Body: Static<typeof TokenBody> }>('/oauth/token', {
    schema: {
      ...oauthTag,
      summary: 'RFC 6749 client credentials: a token for some or all of the client\'s scopes (client id and secret by HTTP Basic or in the body)',
      consumes: ['application/x-www-form-urlencoded', 'application/json'],
      body: TokenBody,
      response: { 200: TokenResponseSchema, 400: OAuthErrorSchema, 401: OAuthErrorSchema },
    },
  }, async (request, reply) => {
    const client = clientOf(request);
    const answer: TokenResponse = await options.clients.grant({
      grantType: request.body.grant_type, clientId: client.clientId, clientSecret: client.clientSecret, scope: request.body.scope,
      address: options.clientAddress(request.ip, headerValue(request, 'x-forwarded-for')),
    });
    return reply.headers({ 'cache-control': 'no-store', pragma: 'no-cache' }).send(answer);
  });

  app.get('/.well-known/jwks.json', {
    schema: { ...oauthTag, summary: 'The public keys tokens are signed with (ES256); services verify tokens against them' },
  }, async (_request, reply) => reply.header('cache-control', 'public, max-age=300').send(options.publicJwks));

  app.get('/.well-known/oauth-authorization-server', {
    schema: { ...oauthTag, summary: 'RFC 8414 metadata: issuer, token endpoint, JWKS, grant types, scopes' },
  }, async (request) => {
    const base = options.publicUrl ?? `${request.protocol}://${request.host}`;
    return {
      issuer: options.issuer,
      token_endpoint: `${base}/oauth/token`,
      jwks_uri: `${base}/.well-known/jwks.json`,
      grant_types_supported: [CLIENT_CREDENTIALS],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      response_types_supported: [],
      scopes_supported: options.clients.scopesSupported,
    };
  });
}

/** The client's id and secret, from HTTP Basic (RFC 6749 section 2.3.1) or the body, never both. */
function clientOf(request: FastifyRequest<{ Body: Static<typeof TokenBody> }>): { clientId: string | undefined; clientSecret: string | undefined } {
  const body = { clientId: request.body.client_id, clientSecret: request.body.client_secret };
  const basic = headerValue(request, 'authorization')?.match(/^Basic\s+([A-Za-z0-9+/=]+)\s*$/i)?.[1];
  if (basic === undefined) return body;
  const decoded = Buffer.from(basic, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw new BancaError('INVALID_CLIENT', 'The Basic credentials must be client_id:client_secret.');
  const clientId = formDecode(decoded.slice(0, colon));
  const clientSecret = formDecode(decoded.slice(colon + 1));
  if (body.clientSecret !== undefined) throw new BancaError('INVALID_REQUEST', 'Authenticate the client one way: HTTP Basic or client_secret in the body, not both.');
  if (body.clientId !== undefined && body.clientId !== clientId) throw new BancaError('INVALID_REQUEST', 'The client_id in the body is not the one in the Basic credentials.');
  return { clientId, clientSecret };
}

/** Basic credentials are form-encoded before base64 (RFC 6749 section 2.3.1). */
function formDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch (cause) {
    throw new BancaError('INVALID_CLIENT', 'The Basic credentials are not valid form encoding.', { cause });
  }
}

function oauthErrorOf(error: BancaError): string {
  switch (error.code) {
    case 'INVALID_CLIENT':
      return 'invalid_client';
    case 'UNSUPPORTED_GRANT_TYPE':
      return 'unsupported_grant_type';
    case 'INVALID_SCOPE':
      return 'invalid_scope';
    default:
      if (error.status === 503) return 'temporarily_unavailable';
      return error.status >= 500 ? 'server_error' : 'invalid_request';
  }
}
