// Interbank keys and signatures for tests: fresh key pairs per run, the config that makes a bank
// hold only its own private key and the others' public keys, and a signer written apart from the
// business server's (so a test checks the wire format, not the server against itself) that can
// also forge: another algorithm, a wrong claim, a stale timestamp, a chosen jti.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { importJWK, SignJWT, type JWK } from 'jose';
import { generateInterbankKeyPair, publicJwkOf, type InterbankPrivateJwk } from '@banca/core/interbank-keys';
import { customerTokenSecretFile, interbankKeyFile } from '@banca/launcher/interbank-keys';

export const SIGNATURE_HEADER = 'banca-interbank-signature';

/** One new (development) key pair per bank, for this run only. */
export function testInterbankKeys(bankIds: readonly number[]): Map<number, InterbankPrivateJwk> {
  return new Map(bankIds.map((bankId) => [bankId, generateInterbankKeyPair(bankId, { dev: true })]));
}

/** What bank `bankId`'s business-server config holds: its own private key(s), the others' public keys. */
export function interbankConfigFor(bankId: number, keys: ReadonlyMap<number, InterbankPrivateJwk>): Record<string, unknown> {
  const own = keys.get(bankId);
  if (!own) throw new Error(`no test key for bank ${bankId}`);
  const peers = [...keys].filter(([id]) => id !== bankId).map(([id, key]) => [String(id), [publicJwkOf(key)]]);
  return { interbankPrivateKeys: [own], interbankPeerKeys: Object.fromEntries(peers) };
}

/** The customer-token secret a bank of a running consortium holds in its data directory (its own only). */
export function consortiumCustomerTokenSecret(dataDir: string, bankId: number): string {
  return readFileSync(customerTokenSecretFile(dataDir, bankId), 'utf8').trim();
}

/** The private key a bank of a running consortium (started by the launcher) holds in its data directory. */
export function consortiumBankKey(dataDir: string, bankId: number): InterbankPrivateJwk {
  return JSON.parse(readFileSync(interbankKeyFile(dataDir, bankId), 'utf8')) as InterbankPrivateJwk;
}

export interface SignOptions {
  key: InterbankPrivateJwk;
  /** iss: the bank the signature claims to come from. */
  sender: number | string;
  receiver: number | string;
  method: string;
  /** The path with its query, exactly as sent. */
  path: string;
  /** The body's exact bytes; undefined: no body. */
  body?: string;
  iatSeconds?: number;
  jti?: string;
  /** Extra or replaced claims and protected-header fields (to forge). */
  claims?: Record<string, unknown>;
  header?: Record<string, unknown>;
  /** The bank-id header; default: the sender. null: none. */
  bankIdHeader?: string | null;
}

export function testContentDigest(body: string | undefined): string {
  return `sha-256=:${createHash('sha256').update(body ?? '').digest('base64')}:`;
}

/** The headers of one signed interbank request. */
export async function signedInterbankHeaders(options: SignOptions): Promise<Record<string, string>> {
  const claims = {
    iss: String(options.sender), aud: String(options.receiver), htm: options.method, htu: options.path, cd: testContentDigest(options.body),
    iat: options.iatSeconds ?? Math.floor(Date.now() / 1000), jti: options.jti ?? randomBytes(16).toString('base64url'), ...options.claims,
  };
  const key = await importJWK(options.key as JWK, 'ES256');
  const jws = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: options.key.kid, typ: 'banca-interbank+jwt', ...options.header }).sign(key);
  const bankId = options.bankIdHeader === undefined ? String(options.sender) : options.bankIdHeader;
  return { [SIGNATURE_HEADER]: jws, ...(bankId === null ? {} : { 'bank-id': bankId }) };
}
