// The web page's administrator logs in with a name and password and gets a dossier:read token
// whose subject is the administrator's name. Failed log-ins are bounded per name and per client
// address (the shared LoginLimiter), counted before the check; the password is compared in
// constant time.
import { verifyKey } from '@banca/core/auth';
import { BancaError } from '@banca/core/errors';
import type { LoginLimiter } from '@banca/server-kit/login-limiter';
import type { TokenIssuer, TokenResponse } from './token-issuer.js';

export const ADMIN_SCOPE = 'dossier:read';
/** The `client_id` of administrators' tokens: the dossier's web page. */
export const ADMIN_CLIENT_ID = 'dossier-web';

export class AdminSessions {
  private readonly passwords: Record<string, string>;

  constructor(admin: { username: string; password: string }, private readonly limiter: LoginLimiter, private readonly issuer: TokenIssuer) {
    this.passwords = { [admin.username]: admin.password };
  }

  /** Where a request comes from, as the limiter counts it (trusted proxies' X-Forwarded-For believed). */
  clientAddress(peer: string | undefined, forwardedFor: string | undefined): string {
    return this.limiter.clientAddress(peer, forwardedFor);
  }

  /** Throws TOO_MANY_REQUESTS (details.retryAfterSeconds) or INVALID_CREDENTIALS. */
  async logIn(username: string, password: string, address: string): Promise<TokenResponse> {
    const attempt = this.limiter.begin(username, address);
    if (!verifyKey(this.passwords, username, password)) {
      throw new BancaError('INVALID_CREDENTIALS', 'The user name or password is wrong.');
    }
    attempt.succeeded();
    return this.issuer.issue({ subject: username, clientId: ADMIN_CLIENT_ID, scopes: [ADMIN_SCOPE] });
  }
}
