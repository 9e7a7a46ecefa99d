// The object identifiers kyman reads and writes, once, under the names their specifications give them.
//
// The ASN.1 modules spell names with hyphens (id-ce-basicConstraints, ecdsa-with-SHA256); here a
// hyphen becomes an underscore. Tables that attach meaning to an OID (a hash to a signature
// algorithm, a name OpenSSL prints) live with the code that uses them and refer to these.

export const OID = {
  // ---- Public-key algorithms and curves
  /** RFC 8017 Appendix C */
  rsaEncryption: '1.2.840.113549.1.1.1',
  /** RFC 4055 §3.1 */
  id_RSASSA_PSS: '1.2.840.113549.1.1.10',
  /** RFC 4055 §2.2 */
  id_mgf1: '1.2.840.113549.1.1.8',
  /** RFC 5480 §2.1.1 */
  id_ecPublicKey: '1.2.840.10045.2.1',
  /** RFC 5480 §2.1.1.1: P-256, prime256v1 */
  secp256r1: '1.2.840.10045.3.1.7',
  /** P-384 */
  secp384r1: '1.3.132.0.34',
  /** P-521 */
  secp521r1: '1.3.132.0.35',
  /** RFC 8410 §3 */
  id_X25519: '1.3.101.110',
  id_X448: '1.3.101.111',
  id_Ed25519: '1.3.101.112',
  id_Ed448: '1.3.101.113',
  /** RFC 3279 §2.3.2 */
  id_dsa: '1.2.840.10040.4.1',
  /** RFC 3279 §2.3.3 */
  dhpublicnumber: '1.2.840.10046.2.1',
  /** RFC 9881 §2 (FIPS 204): each both the key algorithm and the signature algorithm, parameters absent. */
  id_ml_dsa_44: '2.16.840.1.101.3.4.3.17',
  id_ml_dsa_65: '2.16.840.1.101.3.4.3.18',
  id_ml_dsa_87: '2.16.840.1.101.3.4.3.19',

  // ---- Hashes (RFC 3279 §2.2, RFC 5754 §2) and HMACs (RFC 8018 B.1)
  id_md5: '1.2.840.113549.2.5',
  id_sha1: '1.3.14.3.2.26',
  id_sha224: '2.16.840.1.101.3.4.2.4',
  id_sha256: '2.16.840.1.101.3.4.2.1',
  id_sha384: '2.16.840.1.101.3.4.2.2',
  id_sha512: '2.16.840.1.101.3.4.2.3',
  id_hmacWithSHA1: '1.2.840.113549.2.7',
  id_hmacWithSHA256: '1.2.840.113549.2.9',
  id_hmacWithSHA384: '1.2.840.113549.2.10',
  id_hmacWithSHA512: '1.2.840.113549.2.11',

  // ---- Signature algorithms (RFC 3279, RFC 4055 §5, RFC 5758 §3)
  md5WithRSAEncryption: '1.2.840.113549.1.1.4',
  sha1WithRSAEncryption: '1.2.840.113549.1.1.5',
  sha224WithRSAEncryption: '1.2.840.113549.1.1.14',
  sha256WithRSAEncryption: '1.2.840.113549.1.1.11',
  sha384WithRSAEncryption: '1.2.840.113549.1.1.12',
  sha512WithRSAEncryption: '1.2.840.113549.1.1.13',
  ecdsa_with_SHA1: '1.2.840.10045.4.1',
  ecdsa_with_SHA224: '1.2.840.10045.4.3.1',
  ecdsa_with_SHA256: '1.2.840.10045.4.3.2',
  ecdsa_with_SHA384: '1.2.840.10045.4.3.3',
  ecdsa_with_SHA512: '1.2.840.10045.4.3.4',
  id_dsa_with_sha1: '1.2.840.10040.4.3',
  id_dsa_with_sha256: '2.16.840.1.101.3.4.3.2',

  // ---- Certificate extensions (RFC 5280 §4.2)
  id_ce_subjectKeyIdentifier: '2.5.29.14',
  id_ce_keyUsage: '2.5.29.15',
  id_ce_privateKeyUsagePeriod: '2.5.29.16',
  id_ce_subjectAltName: '2.5.29.17',
  id_ce_issuerAltName: '2.5.29.18',
  id_ce_basicConstraints: '2.5.29.19',
  id_ce_nameConstraints: '2.5.29.30',
  id_ce_cRLDistributionPoints: '2.5.29.31',
  id_ce_certificatePolicies: '2.5.29.32',
  id_ce_policyMappings: '2.5.29.33',
  id_ce_authorityKeyIdentifier: '2.5.29.35',
  id_ce_policyConstraints: '2.5.29.36',
  id_ce_extKeyUsage: '2.5.29.37',
  id_ce_inhibitAnyPolicy: '2.5.29.54',
  id_pe_authorityInfoAccess: '1.3.6.1.5.5.7.1.1',
  id_pe_subjectInfoAccess: '1.3.6.1.5.5.7.1.11',
  /** RFC 7633 §6 */
  id_pe_tlsfeature: '1.3.6.1.5.5.7.1.24',
  /** RFC 6962 §3.3 */
  ctPrecertificateSCTs: '1.3.6.1.4.1.11129.2.4.2',
  ctPrecertificatePoison: '1.3.6.1.4.1.11129.2.4.3',
  netscape_cert_type: '2.16.840.1.113730.1.1',
  netscape_comment: '2.16.840.1.113730.1.13',
  /** Microsoft's older request attribute for the same Extensions (certreq.exe writes it). */
  msCertExtensions: '1.3.6.1.4.1.311.2.1.14',

  // ---- Key purposes (RFC 5280 §4.2.1.12) and access methods (§4.2.2.1)
  id_kp_serverAuth: '1.3.6.1.5.5.7.3.1',
  id_kp_clientAuth: '1.3.6.1.5.5.7.3.2',
  id_kp_codeSigning: '1.3.6.1.5.5.7.3.3',
  id_kp_emailProtection: '1.3.6.1.5.5.7.3.4',
  id_kp_timeStamping: '1.3.6.1.5.5.7.3.8',
  id_kp_OCSPSigning: '1.3.6.1.5.5.7.3.9',
  anyExtendedKeyUsage: '2.5.29.37.0',
  id_ad_ocsp: '1.3.6.1.5.5.7.48.1',
  id_ad_caIssuers: '1.3.6.1.5.5.7.48.2',

  // ---- Name attributes used outside the name table (RFC 5280 Appendix A)
  id_at_commonName: '2.5.4.3',

  // ---- PKCS #7 / CMS (RFC 5652 §14)
  /** The pkcs-7 arc; every ContentInfo content type is under it. */
  pkcs_7: '1.2.840.113549.1.7',
  id_data: '1.2.840.113549.1.7.1',
  id_signedData: '1.2.840.113549.1.7.2',
  id_envelopedData: '1.2.840.113549.1.7.3',
  id_encryptedData: '1.2.840.113549.1.7.6',

  // ---- PKCS #9 attributes (RFC 2985 §5.4.2, §5.5.1, §5.5.2) and Oracle's trusted-certificate attribute
  pkcs_9_at_extensionRequest: '1.2.840.113549.1.9.14',
  pkcs_9_at_friendlyName: '1.2.840.113549.1.9.20',
  pkcs_9_at_localKeyId: '1.2.840.113549.1.9.21',
  oracleTrustedKeyUsage: '2.16.840.1.113894.746875.1.1',

  // ---- PKCS #12 bag types (RFC 7292 §4.2) and certificate types (§4.2.3)
  keyBag: '1.2.840.113549.1.12.10.1.1',
  pkcs8ShroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  certBag: '1.2.840.113549.1.12.10.1.3',
  safeContentsBag: '1.2.840.113549.1.12.10.1.6',
  x509Certificate: '1.2.840.113549.1.9.22.1',

  // ---- Password-based encryption and MACs (RFC 8018 Appendix A and B, RFC 7292 Appendix C, RFC 9579)
  pbeWithMD2AndDES_CBC: '1.2.840.113549.1.5.1',
  pbeWithMD5AndDES_CBC: '1.2.840.113549.1.5.3',
  pbeWithMD5AndRC2_CBC: '1.2.840.113549.1.5.6',
  pbeWithSHA1AndDES_CBC: '1.2.840.113549.1.5.10',
  pbeWithSHA1AndRC2_CBC: '1.2.840.113549.1.5.11',
  id_PBKDF2: '1.2.840.113549.1.5.12',
  id_PBES2: '1.2.840.113549.1.5.13',
  id_PBMAC1: '1.2.840.113549.1.5.14',
  pbeWithSHAAnd128BitRC4: '1.2.840.113549.1.12.1.1',
  pbeWithSHAAnd40BitRC4: '1.2.840.113549.1.12.1.2',
  pbeWithSHAAnd3_KeyTripleDES_CBC: '1.2.840.113549.1.12.1.3',
  pbeWithSHAAnd2_KeyTripleDES_CBC: '1.2.840.113549.1.12.1.4',
  pbeWithSHAAnd128BitRC2_CBC: '1.2.840.113549.1.12.1.5',
  pbewithSHAAnd40BitRC2_CBC: '1.2.840.113549.1.12.1.6',
  desCBC: '1.3.14.3.2.7',
  des_EDE3_CBC: '1.2.840.113549.3.7',
  rc2CBC: '1.2.840.113549.3.2',
  aes128_CBC: '2.16.840.1.101.3.4.1.2',
  aes192_CBC: '2.16.840.1.101.3.4.1.22',
  aes256_CBC: '2.16.840.1.101.3.4.1.42',

  // ---- Sun's key protection in Java keystores (sun.security.provider.KeyProtector, com.sun.crypto.provider.KeyProtector)
  sunJksKeyProtector: '1.3.6.1.4.1.42.2.17.1.1',
  pbeWithMD5AndTripleDES: '1.3.6.1.4.1.42.2.19.1',
} as const;

export type OidName = keyof typeof OID;

/** The three NIST curves kyman makes keys on, by namedCurve OID (RFC 5480 §2.1.1.1). */
export const CURVE_BY_OID: Readonly<Record<string, 'P-256' | 'P-384' | 'P-521'>> = {
  [OID.secp256r1]: 'P-256',
  [OID.secp384r1]: 'P-384',
  [OID.secp521r1]: 'P-521',
};

/** The namedCurve OID of each curve. */
export const OID_OF_CURVE: Readonly<Record<'P-256' | 'P-384' | 'P-521', string>> = {
  'P-256': OID.secp256r1,
  'P-384': OID.secp384r1,
  'P-521': OID.secp521r1,
};

/** Digest AlgorithmIdentifier OIDs by the provider's hash names. */
export const HASH_OID: Readonly<Record<'MD5' | 'SHA-1' | 'SHA-224' | 'SHA-256' | 'SHA-384' | 'SHA-512', string>> = {
  MD5: OID.id_md5,
  'SHA-1': OID.id_sha1,
  'SHA-224': OID.id_sha224,
  'SHA-256': OID.id_sha256,
  'SHA-384': OID.id_sha384,
  'SHA-512': OID.id_sha512,
};

/** HMAC PRF OIDs (RFC 8018 B.1.1, B.1.2) by hash. hmacWithSHA224 is absent: kyman writes no PBES2 with it. */
export const HMAC_OID: Readonly<Record<'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512', string>> = {
  'SHA-1': OID.id_hmacWithSHA1,
  'SHA-256': OID.id_hmacWithSHA256,
  'SHA-384': OID.id_hmacWithSHA384,
  'SHA-512': OID.id_hmacWithSHA512,
};

/** The inverse of a name-to-OID table, as a Map so that no OID text can meet an Object prototype key. */
export function byOid<K extends string>(table: Readonly<Record<K, string>>): ReadonlyMap<string, K> {
  return new Map((Object.entries(table) as Array<[K, string]>).map(([name, oid]) => [oid, name]));
}
