// A stand-in for the dossier's token endpoint in tests: an ES256 key made at run time, its JWKS
// served by node:http on a 127.0.0.1 port chosen at run time, and tokens signed with it.
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { OAUTH_DEFAULTS } from '@banca/server-kit/oauth-verifier';

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

const KID = 'registry-test-key';

export async function startTokenIssuer(): Promise<TokenIssuer> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: KID, alg: 'ES256', use: 'sig' }] });
  const server = createServer((request, response) => {
    if (request.url !== '/.well-known/jwks.json') return void response.writeHead(404).end();
    response.writeHead(200, { 'content-type': 'application/json' }).end(jwks);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const token = async (options: TokenOptions = {}) => {
    const nowSeconds = Math.floor(Date.now() / 1000);
    const clientId = options.clientId ?? 'bank-1';
    return new SignJWT({ scope: options.scope ?? 'registry:read registry:write', client_id: clientId })
      .setProtectedHeader({ alg: 'ES256', kid: KID, typ: 'JWT' })
      .setSubject(clientId)
      .setIssuer(OAUTH_DEFAULTS.issuer)
      .setAudience(OAUTH_DEFAULTS.audience)
      .setIssuedAt(nowSeconds)
      .setExpirationTime(nowSeconds + (options.expiresInSeconds ?? 300))
      .sign(privateKey);
  };
  return {
    jwksUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`,
    token,
    auth: async (options) => ({ authorization: `Bearer ${await token(options)}` }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
