// This bank's side of interbank authentication, built once from the config: the signer of its
// own requests (its newest private key), the verifier of other banks' requests (their public
// keys, listed or fetched from their JWKS route) and the public keys it publishes itself.
import { publicJwkOf, type InterbankPrivateJwk, type InterbankPublicJwk } from '@banca/core/interbank-keys';
import {
  createInterbankSigner, INTERBANK_JWKS_PATH, InterbankVerifier, type InterbankSigner, type PeerKeys,
} from '@banca/server-kit/interbank-signature';
import type { BusinessServerConfig } from '../config.js';

export interface InterbankAuth {
  /** null for a lone bank, which calls nobody. */
  signer: InterbankSigner | null;
  verifier: InterbankVerifier;
  publishedKeys: InterbankPublicJwk[];
}

export async function interbankAuthOf(config: BusinessServerConfig, now: () => number = Date.now): Promise<InterbankAuth> {
  const ownKeys = config.interbankPrivateKeys as readonly InterbankPrivateJwk[];
  const newest = ownKeys[0];
  const signer = newest && config.consortium.length > 0 ? await createInterbankSigner(config.bankId, newest, now) : null;
  const peers = new Map<number, PeerKeys>();
  for (const bank of config.consortium) {
    if (bank.bankId === config.bankId) continue;
    const listed = config.interbankPeerKeys[String(bank.bankId)] as readonly InterbankPublicJwk[] | undefined;
    peers.set(bank.bankId, listed ? { kind: 'listed', keys: listed } : { kind: 'jwks', url: new URL(INTERBANK_JWKS_PATH, bank.url).href });
  }
  const verifier = await InterbankVerifier.create({
    bankId: config.bankId, peers, windowMs: config.interbankSignatureWindowMs, replayCacheMax: config.interbankReplayCacheMax, jwks: config.interbankJwks, now,
  });
  return { signer, verifier, publishedKeys: ownKeys.map(publicJwkOf) };
}
