// Key usages and extended key usages (RFC 5280 §4.2.1.3, §4.2.1.12): the names options take and the words renderings use.

import { KeyUsageFlags } from '@peculiar/asn1-x509';
import { OID } from '../../der/oids.js';

/** RFC 5280 §4.2.1.3 names, in bit order, with the words `openssl x509 -text` uses. */
export const KEY_USAGES: ReadonlyArray<{ name: string; flag: KeyUsageFlags; words: string }> = [
  { name: 'digitalSignature', flag: KeyUsageFlags.digitalSignature, words: 'Digital Signature' },
  { name: 'nonRepudiation', flag: KeyUsageFlags.nonRepudiation, words: 'Non Repudiation' },
  { name: 'keyEncipherment', flag: KeyUsageFlags.keyEncipherment, words: 'Key Encipherment' },
  { name: 'dataEncipherment', flag: KeyUsageFlags.dataEncipherment, words: 'Data Encipherment' },
  { name: 'keyAgreement', flag: KeyUsageFlags.keyAgreement, words: 'Key Agreement' },
  { name: 'keyCertSign', flag: KeyUsageFlags.keyCertSign, words: 'Certificate Sign' },
  { name: 'cRLSign', flag: KeyUsageFlags.cRLSign, words: 'CRL Sign' },
  { name: 'encipherOnly', flag: KeyUsageFlags.encipherOnly, words: 'Encipher Only' },
  { name: 'decipherOnly', flag: KeyUsageFlags.decipherOnly, words: 'Decipher Only' },
];
// X.509 (2019) renamed nonRepudiation to contentCommitment; accept both when reading options.
export const KEY_USAGE_BY_NAME = new Map([
  ...KEY_USAGES.map((k) => [k.name.toLowerCase(), k] as const),
  ['contentcommitment', KEY_USAGES[1]] as const,
]);

/** RFC 5280 §4.2.1.12 key purposes, with OpenSSL's long names for the -text rendering. */
export const EXTENDED_KEY_USAGES: ReadonlyArray<{ name: string; oid: string; words: string }> = [
  { name: 'serverAuth', oid: OID.id_kp_serverAuth, words: 'TLS Web Server Authentication' },
  { name: 'clientAuth', oid: OID.id_kp_clientAuth, words: 'TLS Web Client Authentication' },
  { name: 'codeSigning', oid: OID.id_kp_codeSigning, words: 'Code Signing' },
  { name: 'emailProtection', oid: OID.id_kp_emailProtection, words: 'E-mail Protection' },
  { name: 'timeStamping', oid: OID.id_kp_timeStamping, words: 'Time Stamping' },
  { name: 'OCSPSigning', oid: OID.id_kp_OCSPSigning, words: 'OCSP Signing' },
  { name: 'anyExtendedKeyUsage', oid: OID.anyExtendedKeyUsage, words: 'Any Extended Key Usage' },
];
export const EKU_BY_OID = new Map(EXTENDED_KEY_USAGES.map((e) => [e.oid, e]));
export const EKU_BY_NAME = new Map(EXTENDED_KEY_USAGES.map((e) => [e.name.toLowerCase(), e]));
