// Helpers for the dossier's tests: the dossier and the credit registry as real processes (the
// launcher's spawnService, which starts any service by its dist/src/main.js), a signing key the
// test knows (so it can mint tokens the dossier would never issue: expired, foreign), and the
// token endpoint's calls.
import { generateKeyPair, exportJWK, SignJWT, type CryptoKey, type JWK } from 'jose';
import { spawnService, type ServiceName, type ServiceProcess } from '@banca/launcher/spawn-service';
import { http } from '@banca/testkit/testkit';

export const DEV_WRITER = { clientId: 'registry-writer', secret: 'dev-insecure-registry-writer' };
export const DEV_READER = { clientId: 'dossier-reader', secret: 'dev-insecure-dossier-reader' };

/** Starts apps/<service>/dist/src/main.js with its config as BANCA_CONFIG; waits until it listens. */
export function startService(service: 'dossier' | 'credit-registry', name: string, config: Record<string, unknown>, options: {
  env?: NodeJS.ProcessEnv; onLine?: (line: string) => void;
} = {}): Promise<ServiceProcess> {
  // The launcher's ServiceName lists the bank's services; its entry path works for any app.
  return spawnService(service as ServiceName, { name, config: { logLevel: 'warn', ...config }, env: options.env ?? {}, ...(options.onLine ? { onLine: options.onLine } : {}) });
}

export interface TestKey {
  jwk: JWK & { kid: string };
  /** Signs a token as the dossier would, with any claims and times. */
  sign(claims: { sub?: string; client_id?: string; scope?: string; iss?: string; aud?: string; iatSeconds?: number; expSeconds?: number }): Promise<string>;
}

export async function testKey(kid = 'test-key'): Promise<TestKey> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid };
  return { jwk, sign: (claims) => signWith(privateKey, kid, claims) };
}

async function signWith(key: CryptoKey, kid: string, claims: Parameters<TestKey['sign']>[0]): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const payload: Record<string, string> = {};
  if (claims.scope !== undefined) payload.scope = claims.scope;
  if (claims.client_id !== undefined) payload.client_id = claims.client_id;
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'ES256', kid, typ: 'at+jwt' })
    .setIssuer(claims.iss ?? 'banca-dossier')
    .setAudience(claims.aud ?? 'banca')
    .setSubject(claims.sub ?? claims.client_id ?? 'test')
    .setIssuedAt(claims.iatSeconds ?? now)
    .setExpirationTime(claims.expSeconds ?? now + 300)
    .sign(key);
}

/** POST /oauth/token with a form body and HTTP Basic; returns the whole answer. */
export function requestToken(dossierUrl: string, client: { clientId: string; secret: string }, params: Record<string, string> = {}) {
  const basic = Buffer.from(`${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.secret)}`).toString('base64');
  return http(`${dossierUrl}/oauth/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', ...params }).toString(),
  });
}

/** A bearer token for the client, or a thrown error saying why not. */
export async function tokenFor(dossierUrl: string, client: { clientId: string; secret: string }, scope?: string): Promise<string> {
  const answer = await requestToken(dossierUrl, client, scope === undefined ? {} : { scope });
  if (answer.status !== 200) throw new Error(`token for ${client.clientId}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body.access_token as string;
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
