// RFC 6749's client credentials grant: a client of the consortium (the registry's writer, a
// dossier reader) proves its secret and gets a token for some or all of its scopes. Secrets are
// compared in constant time, unknown clients included.
import { verifyKey } from '@banca/core/auth';
import { BancaError } from '@banca/core/errors';
import type { LoginLimiter } from '@banca/server-kit/login-limiter';
import type { TokenIssuer, TokenResponse } from './token-issuer.js';

export interface ClientRecord {
  clientId: string;
  secret: string;
  scopes: readonly string[];
}

export interface TokenRequest {
  grantType: string | undefined;
  clientId: string | undefined;
  clientSecret: string | undefined;
  scope: string | undefined;
  /** Where the request comes from, as the limiter counts it. */
  address: string;
}

export const CLIENT_CREDENTIALS = 'client_credentials';

export class ClientCredentials {
  private readonly secrets: Record<string, string>;
  private readonly scopes: ReadonlyMap<string, ReadonlySet<string>>;

  /** Failed client authentications are limited per client id and per address, like log-ins. */
  constructor(clients: readonly ClientRecord[], private readonly issuer: TokenIssuer, private readonly limiter: LoginLimiter) {
    this.secrets = Object.fromEntries(clients.map((client) => [client.clientId, client.secret]));
    this.scopes = new Map(clients.map((client) => [client.clientId, new Set(client.scopes)]));
  }

  /** Every scope some client may be granted (for the server's metadata). */
  get scopesSupported(): string[] {
    return [...new Set([...this.scopes.values()].flatMap((scopes) => [...scopes]))].sort();
  }

  async grant(request: TokenRequest): Promise<TokenResponse> {
    if (request.grantType === undefined || request.grantType === '') {
      throw new BancaError('INVALID_REQUEST', 'The grant_type parameter is missing; this server supports grant_type=client_credentials.');
    }
    if (request.grantType !== CLIENT_CREDENTIALS) {
      throw new BancaError('UNSUPPORTED_GRANT_TYPE', `The grant type "${request.grantType.slice(0, 40)}" is not supported; use client_credentials.`);
    }
    if (request.clientId === undefined || request.clientSecret === undefined) {
      throw new BancaError('INVALID_CLIENT', 'Authenticate the client: HTTP Basic with client id and secret, or client_id and client_secret in the body.');
    }
    const attempt = this.limiter.begin(request.clientId, request.address);
    if (!verifyKey(this.secrets, request.clientId, request.clientSecret)) {
      throw new BancaError('INVALID_CLIENT', 'Unknown client, or wrong secret.');
    }
    attempt.succeeded();
    const allowed = this.scopes.get(request.clientId) ?? new Set<string>();
    const asked = parseScope(request.scope);
    const scopes = asked ?? [...allowed];
    const refused = scopes.filter((scope) => !allowed.has(scope));
    if (refused.length > 0) {
      throw new BancaError('INVALID_SCOPE', `Client ${request.clientId} may not have the scope ${refused.join(' ')}; its scopes are: ${[...allowed].join(' ')}.`);
    }
    return this.issuer.issue({ subject: request.clientId, clientId: request.clientId, scopes });
  }
}

/** "a b a" -> ["a", "b"]; absent or blank: null (every scope of the client). */
function parseScope(scope: string | undefined): string[] | null {
  if (scope === undefined) return null;
  const tokens = scope.split(' ').filter(Boolean);
  if (tokens.length === 0) return null;
  if (tokens.length > 32 || tokens.some((token) => !/^[\x21\x23-\x5B\x5D-\x7E]{1,64}$/.test(token))) {
    throw new BancaError('INVALID_SCOPE', 'The scope must be up to 32 space-separated scope names.');
  }
  return [...new Set(tokens)];
}
