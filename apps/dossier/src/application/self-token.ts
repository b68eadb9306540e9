// The dossier's own token for its sources (banks: banks:read, the registry: registry:read). The
// dossier is the issuer, so it mints the token itself, and keeps it until shortly before it
// expires; callers at the same moment share one.
import type { TokenIssuer } from './token-issuer.js';

export const DOSSIER_CLIENT_ID = 'banca-dossier';
export const SOURCE_SCOPES = ['registry:read', 'banks:read'] as const;

export class SelfToken {
  private cached: { token: string; renewAtMs: number } | null = null;
  private minting: Promise<string> | null = null;

  constructor(private readonly issuer: TokenIssuer, private readonly now: () => number) {}

  get(): Promise<string> {
    if (this.cached && this.now() < this.cached.renewAtMs) return Promise.resolve(this.cached.token);
    this.minting ??= this.mint().finally(() => {
      this.minting = null;
    });
    return this.minting;
  }

  private async mint(): Promise<string> {
    const startedAtMs = this.now();
    const answer = await this.issuer.issue({ subject: DOSSIER_CLIENT_ID, clientId: DOSSIER_CLIENT_ID, scopes: SOURCE_SCOPES });
    const lifetimeMs = answer.expires_in * 1000;
    // Renewed with a margin (a fifth of its life, at most 30 s) so no source sees it expire in flight.
    this.cached = { token: answer.access_token, renewAtMs: startedAtMs + lifetimeMs - Math.min(30_000, lifetimeMs / 5) };
    return answer.access_token;
  }
}
