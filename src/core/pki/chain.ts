// Putting certificates in chain order: from a leaf up through the issuers found among candidates.

import type { CryptoProvider } from '../crypto/provider.js';
import { readCertificate, verifyCertificateSignature, type CertificateInfo } from './certificate/index.js';

/** A chain may not be longer than this: a loop or a hostile bundle must not run on. */
export const MAX_CHAIN_LENGTH = 10;

/**
 * The chain from `leaf` upwards: each next certificate is a candidate whose subject is the
 * previous one's issuer and whose key verifies its signature. Stops at a self-signed certificate
 * or when no issuer is found.
 */
export function orderChain(provider: CryptoProvider, leaf: Uint8Array, candidates: readonly Uint8Array[]): Uint8Array[] {
  const infos = candidates.map((der) => readCertificate(provider, der));
  const chain: CertificateInfo[] = [readCertificate(provider, leaf)];
  while (chain.length < MAX_CHAIN_LENGTH) {
    const last = chain[chain.length - 1];
    if (last.selfSigned) break;
    const issuer = infos.find(
      (c) => !chain.includes(c) && c.subject === last.issuer && verifyCertificateSignature(provider, last.der, c.publicKey.spki),
    );
    if (!issuer) break;
    chain.push(issuer);
  }
  return chain.map((c) => c.der);
}
