// Helpers for the dossier's tests: the dossier and the credit registry as real processes (the
// launcher's spawnService, which starts any service by its dist/src/main.js) and the token
// endpoint's calls. A signing key the test knows (to mint tokens the dossier would never issue:
// expired, foreign) is the testkit's testSigningKey.
import { spawnService, type ServiceProcess } from '@banca/launcher/spawn-service';
import { http } from '@banca/testkit/testkit';

export const DEV_WRITER = { clientId: 'registry-writer', secret: 'dev-insecure-registry-writer' };
export const DEV_READER = { clientId: 'dossier-reader', secret: 'dev-insecure-dossier-reader' };

/** Starts apps/<service>/dist/src/main.js with its config as BANCA_CONFIG; waits until it listens. */
export function startService(service: 'dossier' | 'credit-registry', name: string, config: Record<string, unknown>, options: {
  env?: NodeJS.ProcessEnv; onLine?: (line: string) => void;
} = {}): Promise<ServiceProcess> {
  return spawnService(service, { name, config: { logLevel: 'warn', ...config }, env: options.env ?? {}, ...(options.onLine ? { onLine: options.onLine } : {}) });
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
