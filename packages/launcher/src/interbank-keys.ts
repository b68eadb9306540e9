// Development interbank key pairs for a consortium on this machine: one ES256 pair per bank,
// generated under <dataDir>/interbank-keys/ on first start and reused after (kid `dev-...`, which
// production refuses). Each bank is given only its own private key file and the others' public keys,
// and a customer-token secret of its own (its customers' sessions and the consents it issues), so
// no bank's configuration can mint another bank's tokens.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEV_KEY_PREFIX } from '@banca/core/auth';
import { generateInterbankKeyPair, publicJwkOf, type InterbankPrivateJwk, type InterbankPublicJwk } from '@banca/core/interbank-keys';

export interface BankKeyFile {
  /** The bank's private key (a JWK), readable by its owner only. */
  privateKeyFile: string;
  publicKey: InterbankPublicJwk;
  /** The bank's own secret for its customers' session and consent tokens (dev prefix: production refuses it). */
  customerTokenSecret: string;
}

export type ConsortiumKeys = ReadonlyMap<number, BankKeyFile>;

export function interbankKeyFile(dataDir: string, bankId: number): string {
  return join(dataDir, 'interbank-keys', `bank-${bankId}.private.jwk.json`);
}

export function customerTokenSecretFile(dataDir: string, bankId: number): string {
  return join(dataDir, 'interbank-keys', `bank-${bankId}.customer-token-secret`);
}

/** Writes a new owner-only file, unless it exists (two starts at once: the first one wins). */
function createOnce(file: string, text: () => string): void {
  if (existsSync(file)) return;
  try {
    writeFileSync(file, text(), { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  chmodSync(file, 0o600);
}

/** The key pair of each bank, made on first use and kept in dataDir. */
export function devInterbankKeys(dataDir: string, bankIds: readonly number[]): ConsortiumKeys {
  const keys = new Map<number, BankKeyFile>();
  for (const bankId of bankIds) {
    const file = interbankKeyFile(dataDir, bankId);
    const secretFile = customerTokenSecretFile(dataDir, bankId);
    mkdirSync(join(dataDir, 'interbank-keys'), { recursive: true, mode: 0o700 });
    createOnce(file, () => `${JSON.stringify(generateInterbankKeyPair(bankId, { dev: true }), null, 2)}\n`);
    createOnce(secretFile, () => `${DEV_KEY_PREFIX}customer-token-bank-${bankId}-${randomBytes(32).toString('hex')}\n`);
    const key = JSON.parse(readFileSync(file, 'utf8')) as InterbankPrivateJwk;
    keys.set(bankId, { privateKeyFile: file, publicKey: publicJwkOf(key), customerTokenSecret: readFileSync(secretFile, 'utf8').trim() });
  }
  return keys;
}

/** A bank's interbank config: its own private key file, the other members' public keys. */
export function interbankConfigOf(bankId: number, keys: ConsortiumKeys): Record<string, unknown> {
  const own = keys.get(bankId);
  if (!own) throw new Error(`no interbank key for bank ${bankId}`);
  const peers = [...keys].filter(([id]) => id !== bankId).map(([id, key]) => [String(id), [key.publicKey]] as const);
  return { interbankPrivateKeyFile: own.privateKeyFile, interbankPeerKeys: Object.fromEntries(peers), customerTokenSecret: own.customerTokenSecret };
}
