// Development interbank key pairs for a consortium on this machine: one ES256 pair per bank,
// generated under <dataDir>/interbank-keys/ on first start and reused after (kid `dev-...`, which
// production refuses). Each bank is given only its own private key file and the others' public keys.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateInterbankKeyPair, publicJwkOf, type InterbankPrivateJwk, type InterbankPublicJwk } from '@banca/core/interbank-keys';

export interface BankKeyFile {
  /** The bank's private key (a JWK), readable by its owner only. */
  privateKeyFile: string;
  publicKey: InterbankPublicJwk;
}

export type ConsortiumKeys = ReadonlyMap<number, BankKeyFile>;

export function interbankKeyFile(dataDir: string, bankId: number): string {
  return join(dataDir, 'interbank-keys', `bank-${bankId}.private.jwk.json`);
}

/** The key pair of each bank, made on first use and kept in dataDir. */
export function devInterbankKeys(dataDir: string, bankIds: readonly number[]): ConsortiumKeys {
  const keys = new Map<number, BankKeyFile>();
  for (const bankId of bankIds) {
    const file = interbankKeyFile(dataDir, bankId);
    if (!existsSync(file)) {
      mkdirSync(join(dataDir, 'interbank-keys'), { recursive: true, mode: 0o700 });
      writeFileSync(file, `${JSON.stringify(generateInterbankKeyPair(bankId, { dev: true }), null, 2)}\n`, { mode: 0o600, flag: 'wx' });
      chmodSync(file, 0o600);
    }
    const key = JSON.parse(readFileSync(file, 'utf8')) as InterbankPrivateJwk;
    keys.set(bankId, { privateKeyFile: file, publicKey: publicJwkOf(key) });
  }
  return keys;
}

/** A bank's interbank config: its own private key file, the other members' public keys. */
export function interbankConfigOf(bankId: number, keys: ConsortiumKeys): Record<string, unknown> {
  const own = keys.get(bankId);
  if (!own) throw new Error(`no interbank key for bank ${bankId}`);
  const peers = [...keys].filter(([id]) => id !== bankId).map(([id, key]) => [String(id), [key.publicKey]] as const);
  return { interbankPrivateKeyFile: own.privateKeyFile, interbankPeerKeys: Object.fromEntries(peers) };
}
