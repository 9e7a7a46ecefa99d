// What a key store brings to a handshake or a chain check: the anchors its trusted entries give, and an entry's chain and key.

import type { CryptoProvider, PrivateKeyHandle } from '../crypto/provider.js';
import { softwareProvider } from '../crypto/software.js';
import { usage } from '../errors.js';
import { readCertificate } from '../pki/certificate/index.js';
import { orderChain } from '../pki/chain.js';
import type { KeyStore } from './types.js';

/** The certificates and key a database entry brings to a handshake. */
export interface StoreCredentials {
  label: string;
  certificateChain: Uint8Array[];
  privateKey: PrivateKeyHandle;
  /** The provider that holds the key (the token's, for a token): hand it to the engine as `provider`. */
  provider: CryptoProvider;
}

/**
 * Whether an entry's certificate may anchor a chain: it is trusted, and it is a CA or
 * self-signed. GSKit marks every key entry trusted; a signed leaf must still chain to its CA,
 * so a leaf does not anchor anything by itself.
 */
function isAnchor(provider: CryptoProvider, trusted: boolean, certificate: Uint8Array): boolean {
  if (!trusted) return false;
  const info = readCertificate(provider, certificate);
  return info.isCA || info.selfSigned;
}

/**
 * A key store's certificates as a chain check wants them, read once: the anchors (trusted CA or
 * self-signed entries) and the rest, candidates for the middle of a chain.
 */
export function trustMaterialOf(store: KeyStore, provider: CryptoProvider = softwareProvider()): { anchors: Uint8Array[]; intermediates: Uint8Array[] } {
  const anchors: Uint8Array[] = [];
  const intermediates: Uint8Array[] = [];
  for (const e of store.entries()) (isAnchor(provider, e.trusted, e.certificate) ? anchors : intermediates).push(e.certificate);
  return { anchors, intermediates };
}

/** The trust anchors of a key store: the certificates of its trusted CA or self-signed entries. */
export function trustAnchorsOf(store: KeyStore, provider: CryptoProvider = softwareProvider()): Uint8Array[] {
  return trustMaterialOf(store, provider).anchors;
}

/** The entry `label` (or the default key) as a chain (its certificate and the issuers the store holds) and its private key. */
export async function credentialsFrom(store: KeyStore, label: string | undefined, provider: CryptoProvider = store.provider): Promise<StoreCredentials> {
  const entry = label === undefined ? store.defaultEntry() : store.entry(label);
  if (!entry) throw usage(`${store.path} has no default key: give --label, or set one with "kyman cert default LABEL --db ${store.path}"`);
  if (!entry.hasPrivateKey) throw usage(`"${entry.label}" in ${store.path} has no private key, so it cannot be used for a handshake: choose an entry with a key`);
  const others = store.entries().filter((e) => e.label !== entry.label).map((e) => e.certificate);
  const chain = orderChain(provider, entry.certificate, others);
  // The root is left out, as servers usually do: the peer has it or does not trust it.
  const sent = chain.length > 1 && readCertificate(provider, chain[chain.length - 1]).selfSigned ? chain.slice(0, -1) : chain;
  return { label: entry.label, certificateChain: sent, privateKey: await store.privateKey(entry.label), provider };
}
