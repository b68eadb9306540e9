// Mints the consortium's access tokens: ES256 JWTs naming the issuer, the audience, the subject,
// the client (`client_id`) and the granted scopes (`scope`, space separated), for a bounded time.
import type { SigningKeys } from '../infra/signing-keys.js';

/** RFC 6749 section 5.1. */
export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
}

export interface TokenSettings {
  issuer: string;
  audience: string;
  ttlSeconds: number;
}

export interface Grant {
  subject: string;
  clientId: string;
  scopes: readonly string[];
}

export class TokenIssuer {
  constructor(private readonly keys: SigningKeys, readonly settings: TokenSettings, private readonly now: () => number) {}

  async issue(grant: Grant): Promise<TokenResponse> {
    const issuedAtSeconds = Math.floor(this.now() / 1000);
    const expiresIn = this.settings.ttlSeconds;
    const token = await this.keys.sign({
      ...grant, issuer: this.settings.issuer, audience: this.settings.audience, issuedAtSeconds, expiresAtSeconds: issuedAtSeconds + expiresIn,
    });
    return { access_token: token, token_type: 'Bearer', expires_in: expiresIn, scope: grant.scopes.join(' ') };
  }
}
