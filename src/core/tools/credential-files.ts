// A certificate chain and private key from files (PEM or DER), as `tls client` and `tls server` take them with --cert and --key.

import type { CryptoProvider, PrivateKeyHandle } from '../crypto/provider.js';
import { badInput } from '../errors.js';
import { readCertificateFile } from '../pki/certificate-file.js';
import { orderChain } from '../pki/chain.js';
import { readPrivateKeyFile } from '../pki/private-key.js';

export interface FileCredentials {
  /** Leaf first, then the issuers the file holds, in chain order. */
  certificateChain: Uint8Array[];
  privateKey: PrivateKeyHandle;
}

/**
 * The chain in `certBytes` (its first certificate is the leaf) and the key in `keyBytes` (PKCS #8,
 * PKCS #1 or SEC 1; encrypted PKCS #8 with `password`). BAD_INPUT when they are not a pair.
 */
export function credentialsFromFiles(provider: CryptoProvider, certBytes: Uint8Array, keyBytes: Uint8Array, password: string | undefined, names: { cert: string; key: string }): FileCredentials {
  const certs = readCertificateFile(certBytes);
  if (!certs.length) throw badInput(`${names.cert} holds no certificate`);
  const privateKey = provider.importPrivateKey(readPrivateKeyFile(provider, keyBytes, password, names.key));
  if (!sameKey(privateKey.spki, certs[0])) throw badInput(`the key in ${names.key} is not the key of the first certificate in ${names.cert}`);
  return { certificateChain: orderChain(provider, certs[0], certs.slice(1)), privateKey };
}

/** Whether the certificate's SubjectPublicKeyInfo bytes are `spki` (they appear whole inside its DER). */
function sameKey(spki: Uint8Array, certificate: Uint8Array): boolean {
  return Buffer.from(certificate.buffer, certificate.byteOffset, certificate.byteLength).includes(Buffer.from(spki.buffer, spki.byteOffset, spki.byteLength));
}
