// The certificates and key the PKCS #12 tests put in stores: OpenSSL's CA and leaf from fixtures/, and the bags kyman writes of them.

import type { Pkcs12Bag } from '../../src/core/pki/pkcs12.js';
import { decodePem } from '../../src/core/pki/pem.js';
import { fixtureBytes } from './fixtures.js';

export interface Pkcs12Material {
  /** The RSA leaf certificate, DER. */
  leaf: Uint8Array;
  /** The P-256 CA that signed it, DER. */
  ca: Uint8Array;
  /** The leaf's key, PKCS #8 DER (OpenSSL 3 writes "PRIVATE KEY"). */
  leafKey: Uint8Array;
}

export function pkcs12Material(): Pkcs12Material {
  const der = (name: string) => decodePem(fixtureBytes(name))[0].der;
  return { leaf: der('openssl/p12-leaf.pem'), ca: der('openssl/p12-ca.pem'), leafKey: der('openssl/p12-leaf.key') };
}

/** The leaf with its key under one local key id, and the CA as a trusted certificate. */
export function kymanBags({ leaf, ca, leafKey }: Pkcs12Material): Pkcs12Bag[] {
  const id = new Uint8Array([0xde, 0xad, 0xbe, 0xef]);
  return [
    { type: 'key', data: leafKey, encrypted: false, friendlyName: 'my leaf', localKeyId: id },
    { type: 'certificate', data: leaf, friendlyName: 'my leaf', localKeyId: id },
    { type: 'certificate', data: ca, friendlyName: 'trusted ca', trustedUsage: ['2.5.29.37.0'] },
  ];
}
