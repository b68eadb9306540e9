// A bearer token of the consortium's OAuth2 server (the dossier's POST /oauth/token, client
// credentials by HTTP Basic), kept for the measured loops: every request gets the same header
// until shortly before the token expires (300 s by default), then one refresh shared by every
// caller, so a long run never sends an expired token.
import type { Pool } from 'undici';
import { HttpStatusError } from './http.js';

export interface OAuthClient {
  clientId: string;
  secret: string;
}

/** The dossier's development clients (apps/dossier's DEV_CLIENTS): what a fresh `npm start` accepts. */
export const DEV_OAUTH_CLIENTS = {
  dossierReader: { clientId: 'dossier-reader', secret: 'dev-insecure-dossier-reader' },
  registryWriter: { clientId: 'registry-writer', secret: 'dev-insecure-registry-writer' },
} as const satisfies Record<string, OAuthClient>;

/** Renewed this long before it expires, at most a fifth of its life. */
const RENEW_MARGIN_MS_MAX = 30_000;

export class ClientToken {
  private cached: { header: string; renewAtMs: number; scope: string } | null = null;
  private fetching: Promise<string> | null = null;
  /** Tokens obtained so far (the first one included). */
  issued = 0;

  constructor(private readonly pool: Pool, private readonly client: OAuthClient) {}

  /** `Bearer <token>`, fresh. */
  authorization(): Promise<string> {
    if (this.cached && Date.now() < this.cached.renewAtMs) return Promise.resolve(this.cached.header);
    this.fetching ??= this.fetch().finally(() => {
      this.fetching = null;
    });
    return this.fetching;
  }

  /** The scopes of the last token, space separated ('' before the first). */
  get scope(): string {
    return this.cached?.scope ?? '';
  }

  private async fetch(): Promise<string> {
    const startedAtMs = Date.now();
    const basic = Buffer.from(`${encodeURIComponent(this.client.clientId)}:${encodeURIComponent(this.client.secret)}`).toString('base64');
    const response = await this.pool.request({
      method: 'POST', path: '/oauth/token',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials' }).toString(),
    });
    const text = await response.body.text();
    if (response.statusCode !== 200) {
      const cause = new HttpStatusError(response.statusCode, text);
      throw new Error(`POST /oauth/token for ${this.client.clientId}: ${cause.message}`, { cause });
    }
    const answer = JSON.parse(text) as { access_token: string; expires_in: number; scope: string };
    const lifetimeMs = answer.expires_in * 1000;
    const header = `Bearer ${answer.access_token}`;
    this.cached = { header, renewAtMs: startedAtMs + lifetimeMs - Math.min(RENEW_MARGIN_MS_MAX, lifetimeMs / 5), scope: answer.scope };
    this.issued += 1;
    return header;
  }
}
