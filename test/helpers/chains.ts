// Certificates for the chain-validation tests: EC P-256, valid around one fixed moment unless told otherwise.

import { createSoftwareProvider, type PrivateKeyHandle } from '../../src/core/crypto/index.js';
import { createCertificate, type CertificateOptions } from '../../src/core/pki/certificate/index.js';

const provider = createSoftwareProvider();
export const DAY = 86_400_000;
/** The moment the chains are validated at. */
export const AT = new Date('2030-06-01T00:00:00Z');

/** A certificate for `subject`, self-signed or signed by `issuer`, valid from 30 days before AT to 300 after. */
export async function make(subject: string, issuer?: { der: Uint8Array; key: PrivateKeyHandle }, options: Partial<CertificateOptions> = {}, key?: PrivateKeyHandle) {
  const k = key ?? (await provider.generateKeyPair({ type: 'ec', curve: 'P-256' }));
  const der = await createCertificate(provider, {
    subject,
    subjectKey: k,
    issuer: issuer && { certificate: issuer.der, key: issuer.key },
    notBefore: new Date(AT.getTime() - 30 * DAY),
    notAfter: new Date(AT.getTime() + 300 * DAY),
    ...options,
  });
  return { der, key: k };
}
