// IANA names for TLS code points the engine does not speak, so a trace names what a peer offers instead of printing bare hex.

/** Signature schemes (IANA TLS SignatureScheme registry) beyond those in SIGNATURE_SCHEMES. */
export const OTHER_SCHEME_NAMES: Readonly<Record<number, string>> = {
  0x0201: 'rsa_pkcs1_sha1',
  0x0202: 'dsa_sha1',
  0x0203: 'ecdsa_sha1',
  0x0301: 'rsa_pkcs1_sha224',
  0x0302: 'dsa_sha224',
  0x0303: 'ecdsa_sha224',
  0x0402: 'dsa_sha256',
  0x0502: 'dsa_sha384',
  0x0602: 'dsa_sha512',
  0x0808: 'ed448',
  0x081a: 'ecdsa_brainpoolP256r1tls13_sha256',
  0x081b: 'ecdsa_brainpoolP384r1tls13_sha384',
  0x081c: 'ecdsa_brainpoolP512r1tls13_sha512',
  0x0904: 'mldsa44',
  0x0905: 'mldsa65',
  0x0906: 'mldsa87',
  0x0709: 'gostr34102012_256a',
  0x070a: 'gostr34102012_256b',
  0x070b: 'gostr34102012_256c',
  0x070c: 'gostr34102012_256d',
  0x070d: 'gostr34102012_512a',
  0x070e: 'gostr34102012_512b',
  0x070f: 'gostr34102012_512c',
  0x0840: 'sm2sig_sm3',
};

/** Supported groups (IANA TLS Supported Groups registry) beyond those in GROUPS. */
export const OTHER_GROUP_NAMES: Readonly<Record<number, string>> = {
  0x0015: 'secp224r1',
  0x0016: 'secp256k1',
  0x001a: 'brainpoolP256r1',
  0x001b: 'brainpoolP384r1',
  0x001c: 'brainpoolP512r1',
  0x001f: 'brainpoolP256r1tls13',
  0x0020: 'brainpoolP384r1tls13',
  0x0021: 'brainpoolP512r1tls13',
  0x0029: 'curveSM2',
  0x0200: 'MLKEM512',
  0x0201: 'MLKEM768',
  0x0202: 'MLKEM1024',
  0x11eb: 'SecP256r1MLKEM768',
  0x11ec: 'X25519MLKEM768',
  0x11ed: 'SecP384r1MLKEM1024',
  0x6399: 'X25519Kyber768Draft00',
};

/** Cipher-suite values that are signals, not suites. */
export const SIGNAL_SUITE_NAMES: Readonly<Record<number, string>> = {
  0x00ff: 'TLS_EMPTY_RENEGOTIATION_INFO_SCSV',
  0x5600: 'TLS_FALLBACK_SCSV',
};
