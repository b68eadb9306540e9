// A stand-in for the dossier's token endpoint in the registry's tests: the testkit's ES256 key and
// JWKS server, with the registry's usual claims (both registry scopes, client bank-1) by default.
import { serveJwks, testSigningKey } from '@banca/testkit/oauth';

export interface TokenOptions {
  scope?: string;
  clientId?: string;
  expiresInSeconds?: number;
}

export interface TokenIssuer {
  jwksUrl: string;
  token(options?: TokenOptions): Promise<string>;
  /** `{ authorization: 'Bearer <token>' }` */
  auth(options?: TokenOptions): Promise<Record<string, string>>;
  close(): Promise<void>;
}

export async function startTokenIssuer(): Promise<TokenIssuer> {
  const key = await testSigningKey('registry-test-key');
  const jwks = await serveJwks([key]);
  const token = (options: TokenOptions = {}) => key.sign({
    scope: options.scope ?? 'registry:read registry:write',
    client_id: options.clientId ?? 'bank-1',
    expiresInSeconds: options.expiresInSeconds ?? 300,
  });
  return {
    jwksUrl: jwks.url,
    token,
    auth: async (options) => ({ authorization: `Bearer ${await token(options)}` }),
    close: () => jwks.close(),
  };
}
