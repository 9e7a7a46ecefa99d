// Certificate signatures checked through a CryptoProvider, and whether a certificate certifies a given key.

import { AsnParser } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import type { CryptoProvider, SignatureScheme } from '../../crypto/provider.js';
import { badInput } from '../../errors.js';
import { expectTlv, type Tlv } from '../../der/reader.js';
import { readSpkiLayout } from '../../der/spki.js';
import { equalBytes, toHex } from '../../bytes.js';
import { layoutCertificate, type CertificateLayout } from './layout.js';
import { signatureSchemeOf } from './signature-algorithms.js';

/** Whether the laid-out certificate's signature verifies with `issuerSpki`; false for algorithms we cannot verify. */
export function verifyLaidOut(provider: CryptoProvider, der: Uint8Array, layout: CertificateLayout, issuerSpki: Uint8Array): boolean {
  const outer = der.subarray(layout.signatureAlgorithm.start, layout.signatureAlgorithm.end);
  const inner = der.subarray(layout.innerSignature.start, layout.innerSignature.end);
  // RFC 5280 §4.1.1.2: the signatureAlgorithm MUST be the same as the TBSCertificate's signature.
  if (!equalBytes(outer, inner)) return false;
  let scheme: SignatureScheme | undefined;
  try {
    scheme = signatureSchemeOf(AsnParser.parse(outer, AlgorithmIdentifier));
  } catch {
    return false;
  }
  const bits = layout.signatureValue;
  if (!scheme || bits.end - bits.valueStart < 2 || der[bits.valueStart] !== 0) return false;
  const tbs = der.subarray(layout.tbs.start, layout.tbs.end);
  return provider.verify(issuerSpki, scheme, tbs, der.subarray(bits.valueStart + 1, bits.end));
}

/**
 * Whether `issuerSpki`'s key made the certificate's signature. False, not an error, for a wrong
 * key or an algorithm we cannot verify; BAD_INPUT when the certificate is malformed.
 */
export function verifyCertificateSignature(provider: CryptoProvider, cert: Uint8Array, issuerSpki: Uint8Array): boolean {
  return verifyLaidOut(provider, cert, layoutCertificate(cert), issuerSpki);
}

/** The algorithm OID and key bits of a SubjectPublicKeyInfo, for comparing keys however they are encoded. */
function keyIdentity(der: Uint8Array, spki: Tlv): { oid: string; params: string; key: Uint8Array } {
  const { algorithmOid: oid, parameters, subjectPublicKey: bits } = readSpkiLayout(der, spki);
  const params = der.subarray(parameters.start, parameters.end);
  // NULL and absent parameters mean the same (RFC 4055 §2.1).
  const paramsHex = params.length === 2 && params[0] === 0x05 && params[1] === 0 ? '' : toHex(params);
  return { oid: toHex(der.subarray(oid.valueStart, oid.end)), params: paramsHex, key: der.subarray(bits.valueStart, bits.end) };
}

/** Whether the certificate certifies the public key `spki` (SubjectPublicKeyInfo DER). */
export function publicKeyMatches(certificate: Uint8Array, spki: Uint8Array): boolean {
  const layout = layoutCertificate(certificate);
  const ours = certificate.subarray(layout.subjectPublicKeyInfo.start, layout.subjectPublicKeyInfo.end);
  if (equalBytes(ours, spki)) return true;
  let theirs: ReturnType<typeof keyIdentity>;
  try {
    const top = expectTlv(spki, 0, spki.length, 0x30, 'a SubjectPublicKeyInfo');
    if (top.end !== spki.length) return false;
    theirs = keyIdentity(spki, top);
  } catch (e) {
    throw badInput('the public key is not a DER SubjectPublicKeyInfo', e);
  }
  const mine = keyIdentity(certificate, layout.subjectPublicKeyInfo);
  return mine.oid === theirs.oid && mine.params === theirs.params && equalBytes(mine.key, theirs.key);
}
