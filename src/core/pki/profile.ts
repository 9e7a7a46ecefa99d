// Certificate profiles: what a server, client or CA certificate says about its key's uses (RFC 5280 §4.2.1.3, §4.2.1.12).

import { usage } from '../errors.js';
import type { CertificateOptions, PublicKeyInfo } from './certificate/index.js';

export type CertificateProfile = 'server' | 'client' | 'ca' | 'any';
export const CERTIFICATE_PROFILES: readonly CertificateProfile[] = ['server', 'client', 'ca', 'any'];

/** The profile named `text`, or USAGE naming the ones there are. */
export function parseProfile(text: string): CertificateProfile {
  const p = text.trim().toLowerCase();
  if ((CERTIFICATE_PROFILES as readonly string[]).includes(p)) return p as CertificateProfile;
  throw usage(`unknown profile "${text}": use ${CERTIFICATE_PROFILES.join(', ')}`);
}

/**
 * The basic constraints, key usage and extended key usage of a profile for a subject key of
 * `keyType`. keyEncipherment only for RSA: TLS 1.2's RSA key exchange encrypts to the key, which
 * an EC or Ed25519 key cannot do (RFC 5480 §3, RFC 8410 §5 forbid it there).
 */
export function profileOptions(
  profile: CertificateProfile,
  keyType: PublicKeyInfo['type'],
): Required<Pick<CertificateOptions, 'ca' | 'keyUsage' | 'extendedKeyUsage'>> {
  const signing = keyType === 'rsa' ? ['digitalSignature', 'keyEncipherment'] : ['digitalSignature'];
  switch (profile) {
    case 'server':
      return { ca: false, keyUsage: signing, extendedKeyUsage: ['serverAuth'] };
    case 'client':
      // A TLS client only ever signs (CertificateVerify); it never receives an encrypted secret.
      return { ca: false, keyUsage: ['digitalSignature'], extendedKeyUsage: ['clientAuth'] };
    case 'ca':
      // No EKU on a CA: one there would constrain every certificate below it (CA/B Forum practice).
      return { ca: true, keyUsage: ['keyCertSign', 'cRLSign'], extendedKeyUsage: [] };
    case 'any':
      return { ca: false, keyUsage: signing, extendedKeyUsage: ['serverAuth', 'clientAuth'] };
  }
}
