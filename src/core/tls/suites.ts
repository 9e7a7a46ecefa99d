// What TLS 1.3 can negotiate, as data: cipher suites, key-exchange groups and signature schemes (RFC 8446 §4.2.3, §4.2.7, §B.4).

import type { AeadAlgorithm, CryptoProvider, HashAlgorithm, KeyExchangeGroup, MlDsaParameterSet, NamedCurve, PrivateKeyHandle, RecordBlockCipher, SignatureScheme } from '../crypto/provider.js';
import { mlDsaParameterSetOf } from '../crypto/ml-dsa.js';
import { usage } from '../errors.js';
import { readSpkiAlgorithm } from '../der/spki.js';
import { CURVE_BY_OID, OID } from '../der/oids.js';

export interface CipherSuite {
  readonly id: number;
  /** The IANA name, as the RFC and OpenSSL spell it. */
  readonly name: Tls13CipherSuiteName;
  readonly aead: AeadAlgorithm;
  readonly hash: HashAlgorithm;
  readonly hashLength: number;
  readonly keyLength: number;
  /** RFC 8446 §5.3: every TLS 1.3 AEAD here takes a 12-byte nonce. */
  readonly ivLength: 12;
  /** The AEAD's tag: 16 bytes, 8 for AES-CCM-8 (RFC 6655 §3). */
  readonly tagLength: 16 | 8;
  /** Enabled only when named in cipherSuites, never by default (a weaker or rarely wanted suite). */
  readonly optIn?: true;
}

export type Tls13CipherSuiteName =
  | 'TLS_AES_128_GCM_SHA256'
  | 'TLS_AES_256_GCM_SHA384'
  | 'TLS_CHACHA20_POLY1305_SHA256'
  | 'TLS_AES_128_CCM_SHA256'
  | 'TLS_AES_128_CCM_8_SHA256';

export type Tls12CipherSuiteName =
  | 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'
  | 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384'
  | 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256'
  | 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'
  | 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384'
  | 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256'
  | 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA'
  | 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA'
  | 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256'
  | 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384'
  | 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA'
  | 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA'
  | 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256'
  | 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384'
  | 'TLS_DHE_RSA_WITH_AES_128_GCM_SHA256'
  | 'TLS_DHE_RSA_WITH_AES_256_GCM_SHA384'
  | 'TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256'
  | 'TLS_DHE_RSA_WITH_AES_128_CBC_SHA256'
  | 'TLS_DHE_RSA_WITH_AES_256_CBC_SHA256'
  | 'TLS_DHE_RSA_WITH_AES_128_CBC_SHA'
  | 'TLS_DHE_RSA_WITH_AES_256_CBC_SHA';

/** Every suite kyman speaks, TLS 1.3 and TLS 1.2, by IANA name. */
export type CipherSuiteName = Tls13CipherSuiteName | Tls12CipherSuiteName;

/**
 * RFC 8446 §B.4. All AEAD; order is the default preference. The CCM suites are enabled only when
 * named: few peers enable them (OpenSSL and Node not by default), and CCM_8's 8-byte tag is weaker.
 */
export const CIPHER_SUITES: readonly CipherSuite[] = [
  { id: 0x1301, name: 'TLS_AES_128_GCM_SHA256', aead: 'AES-128-GCM', hash: 'SHA-256', hashLength: 32, keyLength: 16, ivLength: 12, tagLength: 16 },
  { id: 0x1302, name: 'TLS_AES_256_GCM_SHA384', aead: 'AES-256-GCM', hash: 'SHA-384', hashLength: 48, keyLength: 32, ivLength: 12, tagLength: 16 },
  { id: 0x1303, name: 'TLS_CHACHA20_POLY1305_SHA256', aead: 'CHACHA20-POLY1305', hash: 'SHA-256', hashLength: 32, keyLength: 32, ivLength: 12, tagLength: 16 },
  { id: 0x1304, name: 'TLS_AES_128_CCM_SHA256', aead: 'AES-128-CCM', hash: 'SHA-256', hashLength: 32, keyLength: 16, ivLength: 12, tagLength: 16, optIn: true },
  { id: 0x1305, name: 'TLS_AES_128_CCM_8_SHA256', aead: 'AES-128-CCM-8', hash: 'SHA-256', hashLength: 32, keyLength: 16, ivLength: 12, tagLength: 8, optIn: true },
];

export const suiteById = (id: number) => CIPHER_SUITES.find((s) => s.id === id);

/** The protocol versions kyman speaks, as Node's `tls` names them. */
export type TlsVersionName = 'TLSv1.2' | 'TLSv1.3';
export const TLS_VERSIONS: readonly TlsVersionName[] = ['TLSv1.3', 'TLSv1.2'];

/** What every TLS 1.2 suite (RFC 5246 §A.5) names: the key exchange and authentication, and the PRF's hash. */
interface Suite12Base {
  readonly id: number;
  readonly name: Tls12CipherSuiteName;
  /**
   * RFC 8422 §2: ECDHE_ECDSA needs an ECDSA (or EdDSA) certificate, ECDHE_RSA an RSA one; RFC 5246
   * §7.4.3 DHE_RSA is finite-field Diffie-Hellman (an RFC 7919 group here) signed with an RSA key.
   */
  readonly kx: 'ECDHE_ECDSA' | 'ECDHE_RSA' | 'DHE_RSA';
  /** RFC 5246 §5: the PRF's hash, also the hash of the Finished transcript. */
  readonly hash: HashAlgorithm;
  readonly keyLength: number;
  /** Enabled only when named in cipherSuites, never by default. */
  readonly optIn?: true;
}

/** A TLS 1.2 AEAD suite (RFC 5246 §6.2.3.3). */
export interface AeadSuite12 extends Suite12Base {
  readonly aead: AeadAlgorithm;
  /** RFC 5288 §3: GCM's 4-byte implicit salt; RFC 7905 §2: ChaCha20-Poly1305's 12-byte IV. */
  readonly fixedIvLength: 4 | 12;
  /** RFC 5288 §3: GCM carries an 8-byte explicit nonce in each record; RFC 7905 none. */
  readonly explicitNonceLength: 8 | 0;
  readonly cbc?: undefined;
}

/**
 * A TLS 1.2 block cipher suite (RFC 5246 §6.2.3.2): AES-CBC with an explicit IV per record and
 * HMAC, MAC-then-encrypt or, when negotiated, encrypt-then-MAC (RFC 7366).
 */
export interface CbcSuite12 extends Suite12Base {
  readonly cbc: RecordBlockCipher;
  /** RFC 5246 §6.2.3.1 / RFC 5289 §3.1: the HMAC's hash (SHA-1 for the _SHA suites), whose output length is the MAC's. */
  readonly mac: HashAlgorithm;
  readonly macLength: 20 | 32 | 48;
  readonly aead?: undefined;
}

export type CipherSuite12 = AeadSuite12 | CbcSuite12;

/**
 * RFC 5289 §3.2 (GCM), RFC 7905 §2 (ChaCha20-Poly1305): forward-secret AEAD suites, in the default
 * preference order; then RFC 8422 §6 and RFC 5289 §3.1 CBC suites, enabled only when named: CBC with
 * HMAC is what padding-oracle and timing attacks (Lucky 13) were found in, kept to test old peers.
 * The _SHA suites MAC with HMAC-SHA1 but, in TLS 1.2, take SHA-256 for the PRF (RFC 5246 §5).
 */
export const CIPHER_SUITES_TLS12: readonly CipherSuite12[] = [
  { id: 0xc02b, name: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', kx: 'ECDHE_ECDSA', aead: 'AES-128-GCM', hash: 'SHA-256', keyLength: 16, fixedIvLength: 4, explicitNonceLength: 8 },
  { id: 0xc02f, name: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', kx: 'ECDHE_RSA', aead: 'AES-128-GCM', hash: 'SHA-256', keyLength: 16, fixedIvLength: 4, explicitNonceLength: 8 },
  { id: 0xc02c, name: 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', kx: 'ECDHE_ECDSA', aead: 'AES-256-GCM', hash: 'SHA-384', keyLength: 32, fixedIvLength: 4, explicitNonceLength: 8 },
  { id: 0xc030, name: 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', kx: 'ECDHE_RSA', aead: 'AES-256-GCM', hash: 'SHA-384', keyLength: 32, fixedIvLength: 4, explicitNonceLength: 8 },
  { id: 0xcca9, name: 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', kx: 'ECDHE_ECDSA', aead: 'CHACHA20-POLY1305', hash: 'SHA-256', keyLength: 32, fixedIvLength: 12, explicitNonceLength: 0 },
  { id: 0xcca8, name: 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', kx: 'ECDHE_RSA', aead: 'CHACHA20-POLY1305', hash: 'SHA-256', keyLength: 32, fixedIvLength: 12, explicitNonceLength: 0 },
  { id: 0xc023, name: 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256', kx: 'ECDHE_ECDSA', cbc: 'AES-128-CBC', mac: 'SHA-256', macLength: 32, hash: 'SHA-256', keyLength: 16, optIn: true },
  { id: 0xc027, name: 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256', kx: 'ECDHE_RSA', cbc: 'AES-128-CBC', mac: 'SHA-256', macLength: 32, hash: 'SHA-256', keyLength: 16, optIn: true },
  { id: 0xc024, name: 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384', kx: 'ECDHE_ECDSA', cbc: 'AES-256-CBC', mac: 'SHA-384', macLength: 48, hash: 'SHA-384', keyLength: 32, optIn: true },
  { id: 0xc028, name: 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384', kx: 'ECDHE_RSA', cbc: 'AES-256-CBC', mac: 'SHA-384', macLength: 48, hash: 'SHA-384', keyLength: 32, optIn: true },
  { id: 0xc009, name: 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA', kx: 'ECDHE_ECDSA', cbc: 'AES-128-CBC', mac: 'SHA-1', macLength: 20, hash: 'SHA-256', keyLength: 16, optIn: true },
  { id: 0xc013, name: 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA', kx: 'ECDHE_RSA', cbc: 'AES-128-CBC', mac: 'SHA-1', macLength: 20, hash: 'SHA-256', keyLength: 16, optIn: true },
  { id: 0xc00a, name: 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA', kx: 'ECDHE_ECDSA', cbc: 'AES-256-CBC', mac: 'SHA-1', macLength: 20, hash: 'SHA-256', keyLength: 32, optIn: true },
  { id: 0xc014, name: 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA', kx: 'ECDHE_RSA', cbc: 'AES-256-CBC', mac: 'SHA-1', macLength: 20, hash: 'SHA-256', keyLength: 32, optIn: true },
  // RFC 5288 §3, RFC 7905 §2, RFC 5246 §A.5: finite-field DHE, only when named (see isDheSuiteName).
  { id: 0x009e, name: 'TLS_DHE_RSA_WITH_AES_128_GCM_SHA256', kx: 'DHE_RSA', aead: 'AES-128-GCM', hash: 'SHA-256', keyLength: 16, fixedIvLength: 4, explicitNonceLength: 8, optIn: true },
  { id: 0x009f, name: 'TLS_DHE_RSA_WITH_AES_256_GCM_SHA384', kx: 'DHE_RSA', aead: 'AES-256-GCM', hash: 'SHA-384', keyLength: 32, fixedIvLength: 4, explicitNonceLength: 8, optIn: true },
  { id: 0xccaa, name: 'TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256', kx: 'DHE_RSA', aead: 'CHACHA20-POLY1305', hash: 'SHA-256', keyLength: 32, fixedIvLength: 12, explicitNonceLength: 0, optIn: true },
  { id: 0x0067, name: 'TLS_DHE_RSA_WITH_AES_128_CBC_SHA256', kx: 'DHE_RSA', cbc: 'AES-128-CBC', mac: 'SHA-256', macLength: 32, hash: 'SHA-256', keyLength: 16, optIn: true },
  { id: 0x006b, name: 'TLS_DHE_RSA_WITH_AES_256_CBC_SHA256', kx: 'DHE_RSA', cbc: 'AES-256-CBC', mac: 'SHA-256', macLength: 32, hash: 'SHA-256', keyLength: 32, optIn: true },
  { id: 0x0033, name: 'TLS_DHE_RSA_WITH_AES_128_CBC_SHA', kx: 'DHE_RSA', cbc: 'AES-128-CBC', mac: 'SHA-1', macLength: 20, hash: 'SHA-256', keyLength: 16, optIn: true },
  { id: 0x0039, name: 'TLS_DHE_RSA_WITH_AES_256_CBC_SHA', kx: 'DHE_RSA', cbc: 'AES-256-CBC', mac: 'SHA-1', macLength: 20, hash: 'SHA-256', keyLength: 32, optIn: true },
];

/** Whether a suite name is a TLS 1.2 CBC suite, which kyman enables only when named and warns of. */
export const isCbcSuiteName = (name: string): boolean => CIPHER_SUITES_TLS12.some((s) => s.name === name && s.cbc !== undefined);

/**
 * Whether a suite name is a TLS 1.2 finite-field DHE suite, which kyman enables only when named and
 * warns of: slower than ECDHE for the same strength, and a client that does not know RFC 7919 takes
 * whatever group the server sends (the weak and shared groups of Logjam).
 */
export const isDheSuiteName = (name: string): boolean => CIPHER_SUITES_TLS12.some((s) => s.name === name && s.kx === 'DHE_RSA');

/** RFC 5746 §3.3: the signalling suite that stands for an empty renegotiation_info extension. */
export const TLS_EMPTY_RENEGOTIATION_INFO_SCSV = 0x00ff;
/** RFC 7507 §6: the client is retrying with a lower version than it could speak. */
export const TLS_FALLBACK_SCSV = 0x5600;

export const suite12ById = (id: number) => CIPHER_SUITES_TLS12.find((s) => s.id === id);

/** The IANA name of a suite of either version, for the trace. */
export const anySuiteName = (id: number): string | undefined =>
  suiteById(id)?.name ?? suite12ById(id)?.name ?? (id === TLS_EMPTY_RENEGOTIATION_INFO_SCSV ? 'TLS_EMPTY_RENEGOTIATION_INFO_SCSV' : undefined);

/** Whether a certificate key can authenticate a TLS 1.2 suite's key exchange (RFC 8422 §2, RFC 5246 §7.4.2). */
export function keyFitsSuite12(suite: CipherSuite12, kind: { key: SchemeKey } | undefined): boolean {
  if (!kind) return false;
  // RFC 8446 §4.2.3 (which TLS 1.2 stacks that speak 1.3's schemes apply): an RSASSA-PSS key signs ECDHE_RSA with rsa_pss_pss_*.
  return suite.kx === 'ECDHE_ECDSA' ? kind.key === 'ec' || kind.key === 'ed25519' : kind.key === 'rsa' || kind.key === 'rsa-pss';
}

/**
 * RFC 5246 §7.4.1.4.1 as TLS 1.2 reads the code points: an ECDSA scheme names only the hash (any
 * curve), RSA PKCS #1 v1.5 is allowed in the handshake; rsa_pss_rsae_* are for rsaEncryption keys and
 * rsa_pss_pss_* for RSASSA-PSS keys (RFC 8446 §4.2.3), as OpenSSL, GnuTLS and Java use them in TLS 1.2.
 */
export function schemeFitsKey12(s: SignatureSchemeInfo, kind: { key: SchemeKey } | undefined): boolean {
  return kind !== undefined && s.key === kind.key && !s.tls13Only;
}

/** The schemes TLS 1.2 allows by default: the TLS 1.3 ones plus RSA PKCS #1 v1.5. */
export const DEFAULT_TLS12_SCHEMES: readonly SignatureSchemeName[] = [
  'ecdsa_secp256r1_sha256',
  'ecdsa_secp384r1_sha384',
  'ecdsa_secp521r1_sha512',
  'ed25519',
  'rsa_pss_rsae_sha256',
  'rsa_pss_rsae_sha384',
  'rsa_pss_rsae_sha512',
  'rsa_pss_pss_sha256',
  'rsa_pss_pss_sha384',
  'rsa_pss_pss_sha512',
  'rsa_pkcs1_sha256',
  'rsa_pkcs1_sha384',
  'rsa_pkcs1_sha512',
];

/** Our key's scheme for a TLS 1.2 signature: the first of the peer's list that fits the key and that we allow. */
export function pickSignatureScheme12(key: PrivateKeyHandle, peer: readonly number[], allowed: readonly SignatureSchemeInfo[]): SignatureSchemeInfo | undefined {
  const kind = keyKindOf(key.spki);
  for (const id of peer) {
    const s = allowed.find((a) => a.id === id);
    if (s && schemeFitsKey12(s, kind)) return s;
  }
  return undefined;
}

export interface Group {
  readonly id: number;
  readonly name: GroupName;
  readonly provider: KeyExchangeGroup;
  /**
   * Elliptic-curve (RFC 8422: usable for TLS 1.2 ECDHE too), finite-field (RFC 7919: TLS 1.3, and the TLS 1.2 DHE suites)
   * or an ECDHE-MLKEM hybrid (draft-ietf-tls-ecdhe-mlkem: TLS 1.3 only).
   */
  readonly kind: 'ec' | 'ff' | 'hybrid';
  /** Not in the default list: offered or accepted only when named (as OpenSSL 3.5 leaves the SecP hybrids out of its defaults). */
  readonly optIn?: boolean;
}

export type GroupName = 'X25519MLKEM768' | 'SecP256r1MLKEM768' | 'SecP384r1MLKEM1024' | 'x25519' | 'x448' | 'secp256r1' | 'secp384r1' | 'secp521r1' | 'ffdhe2048' | 'ffdhe3072' | 'ffdhe4096' | 'ffdhe6144' | 'ffdhe8192';

/**
 * RFC 8446 §4.2.7 NamedGroup, RFC 7919 §2, draft-ietf-tls-ecdhe-mlkem §5. Default preference as
 * OpenSSL 3.5's: X25519MLKEM768 first, then X25519, P-256, X448, P-521, P-384, then the
 * finite-field groups by size; the two SecP hybrids when named.
 */
export const GROUPS: readonly Group[] = [
  { id: 0x11ec, name: 'X25519MLKEM768', provider: 'X25519MLKEM768', kind: 'hybrid' },
  { id: 0x001d, name: 'x25519', provider: 'x25519', kind: 'ec' },
  { id: 0x0017, name: 'secp256r1', provider: 'secp256r1', kind: 'ec' },
  { id: 0x001e, name: 'x448', provider: 'x448', kind: 'ec' },
  { id: 0x0019, name: 'secp521r1', provider: 'secp521r1', kind: 'ec' },
  { id: 0x0018, name: 'secp384r1', provider: 'secp384r1', kind: 'ec' },
  { id: 0x0100, name: 'ffdhe2048', provider: 'ffdhe2048', kind: 'ff' },
  { id: 0x0101, name: 'ffdhe3072', provider: 'ffdhe3072', kind: 'ff' },
  { id: 0x0102, name: 'ffdhe4096', provider: 'ffdhe4096', kind: 'ff' },
  { id: 0x0103, name: 'ffdhe6144', provider: 'ffdhe6144', kind: 'ff' },
  { id: 0x0104, name: 'ffdhe8192', provider: 'ffdhe8192', kind: 'ff' },
  { id: 0x11eb, name: 'SecP256r1MLKEM768', provider: 'SecP256r1MLKEM768', kind: 'hybrid', optIn: true },
  { id: 0x11ed, name: 'SecP384r1MLKEM1024', provider: 'SecP384r1MLKEM1024', kind: 'hybrid', optIn: true },
];

export const groupById = (id: number) => GROUPS.find((g) => g.id === id);

/** What kind of key a scheme signs with; `rsa-pss` is a key whose SPKI says RSASSA-PSS (RFC 8446 §4.2.3 rsa_pss_pss_*). */
export type SchemeKey = 'ec' | 'rsa' | 'rsa-pss' | 'ed25519' | 'ml-dsa';

/** A key's kind as the schemes need it: the curve of an EC key, the parameter set of an ML-DSA key. */
export interface SchemeKeyKind {
  readonly key: SchemeKey;
  readonly curve?: NamedCurve;
  readonly parameterSet?: MlDsaParameterSet;
}

export interface SignatureSchemeInfo {
  readonly id: number;
  readonly name: SignatureSchemeName;
  readonly scheme: SignatureScheme;
  readonly key: SchemeKey;
  /** RFC 8446 §4.2.3: ECDSA schemes in TLS 1.3 name the curve as well as the hash. */
  readonly curve?: NamedCurve;
  /** ML-DSA schemes name the parameter set, which the key must be of. */
  readonly parameterSet?: MlDsaParameterSet;
  /** draft-ietf-tls-mldsa §2: TLS 1.3 only, never negotiated or accepted in TLS 1.2. */
  readonly tls13Only?: true;
  /** False for RSA PKCS #1 v1.5: allowed in certificates (signature_algorithms_cert) but never in CertificateVerify. */
  readonly handshake: boolean;
  /**
   * SHA-1 and SHA-224 (RFC 5246 §7.4.1.4.1 code points): TLS 1.2 only, never offered or accepted
   * unless named in signatureSchemes (RFC 9155 deprecates SHA-1 in TLS 1.2 signatures).
   */
  readonly legacy?: true;
}

export type SignatureSchemeName =
  | 'ecdsa_secp256r1_sha256'
  | 'ecdsa_secp384r1_sha384'
  | 'ecdsa_secp521r1_sha512'
  | 'rsa_pss_rsae_sha256'
  | 'rsa_pss_rsae_sha384'
  | 'rsa_pss_rsae_sha512'
  | 'ed25519'
  | 'rsa_pss_pss_sha256'
  | 'rsa_pss_pss_sha384'
  | 'rsa_pss_pss_sha512'
  | 'rsa_pkcs1_sha256'
  | 'rsa_pkcs1_sha384'
  | 'rsa_pkcs1_sha512'
  | 'ecdsa_sha1'
  | 'ecdsa_sha224'
  | 'mldsa44'
  | 'mldsa65'
  | 'mldsa87';

const pss = (hash: HashAlgorithm, saltLength: number): SignatureScheme => ({ type: 'rsa-pss', hash, saltLength });

const mlDsa = (parameterSet: MlDsaParameterSet): SignatureScheme => ({ type: 'ml-dsa', parameterSet });

/**
 * RFC 8446 §4.2.3 SignatureScheme. PSS salt = hash length, as §4.2.3 requires. The ML-DSA schemes
 * (draft-ietf-tls-mldsa §2, the IANA code points OpenSSL 3.5 uses) sign pure ML-DSA with the
 * empty context, in CertificateVerify and certificates alike; they come last, so the classical
 * schemes keep their place in a ClientHello.
 */
export const SIGNATURE_SCHEMES: readonly SignatureSchemeInfo[] = [
  { id: 0x0403, name: 'ecdsa_secp256r1_sha256', scheme: { type: 'ecdsa', hash: 'SHA-256' }, key: 'ec', curve: 'P-256', handshake: true },
  { id: 0x0503, name: 'ecdsa_secp384r1_sha384', scheme: { type: 'ecdsa', hash: 'SHA-384' }, key: 'ec', curve: 'P-384', handshake: true },
  { id: 0x0603, name: 'ecdsa_secp521r1_sha512', scheme: { type: 'ecdsa', hash: 'SHA-512' }, key: 'ec', curve: 'P-521', handshake: true },
  { id: 0x0807, name: 'ed25519', scheme: { type: 'ed25519' }, key: 'ed25519', handshake: true },
  { id: 0x0804, name: 'rsa_pss_rsae_sha256', scheme: pss('SHA-256', 32), key: 'rsa', handshake: true },
  { id: 0x0805, name: 'rsa_pss_rsae_sha384', scheme: pss('SHA-384', 48), key: 'rsa', handshake: true },
  { id: 0x0806, name: 'rsa_pss_rsae_sha512', scheme: pss('SHA-512', 64), key: 'rsa', handshake: true },
  { id: 0x0809, name: 'rsa_pss_pss_sha256', scheme: pss('SHA-256', 32), key: 'rsa-pss', handshake: true },
  { id: 0x080a, name: 'rsa_pss_pss_sha384', scheme: pss('SHA-384', 48), key: 'rsa-pss', handshake: true },
  { id: 0x080b, name: 'rsa_pss_pss_sha512', scheme: pss('SHA-512', 64), key: 'rsa-pss', handshake: true },
  { id: 0x0401, name: 'rsa_pkcs1_sha256', scheme: { type: 'rsa-pkcs1', hash: 'SHA-256' }, key: 'rsa', handshake: false },
  { id: 0x0501, name: 'rsa_pkcs1_sha384', scheme: { type: 'rsa-pkcs1', hash: 'SHA-384' }, key: 'rsa', handshake: false },
  { id: 0x0601, name: 'rsa_pkcs1_sha512', scheme: { type: 'rsa-pkcs1', hash: 'SHA-512' }, key: 'rsa', handshake: false },
  { id: 0x0203, name: 'ecdsa_sha1', scheme: { type: 'ecdsa', hash: 'SHA-1' }, key: 'ec', handshake: false, legacy: true },
  { id: 0x0303, name: 'ecdsa_sha224', scheme: { type: 'ecdsa', hash: 'SHA-224' }, key: 'ec', handshake: false, legacy: true },
  { id: 0x0904, name: 'mldsa44', scheme: mlDsa('ML-DSA-44'), key: 'ml-dsa', parameterSet: 'ML-DSA-44', handshake: true, tls13Only: true },
  { id: 0x0905, name: 'mldsa65', scheme: mlDsa('ML-DSA-65'), key: 'ml-dsa', parameterSet: 'ML-DSA-65', handshake: true, tls13Only: true },
  { id: 0x0906, name: 'mldsa87', scheme: mlDsa('ML-DSA-87'), key: 'ml-dsa', parameterSet: 'ML-DSA-87', handshake: true, tls13Only: true },
];

/** RFC 8446 §4.2.3: the schemes a certificate may be signed with, for signature_algorithms_cert: never the legacy ones. */
export const CERTIFICATE_ONLY_SCHEMES: readonly SignatureSchemeInfo[] = SIGNATURE_SCHEMES.filter((s) => !s.handshake && !s.legacy);

export const schemeById = (id: number) => SIGNATURE_SCHEMES.find((s) => s.id === id);

/** The schemes offered in signature_algorithms by default: every one allowed in a TLS 1.3 CertificateVerify. */
export const DEFAULT_HANDSHAKE_SCHEMES: readonly SignatureSchemeName[] = SIGNATURE_SCHEMES.filter((s) => s.handshake).map((s) => s.name);

/**
 * The kind and curve of a public key, read from its SubjectPublicKeyInfo's AlgorithmIdentifier
 * (RFC 5280 §4.1.2.7): the algorithm OID and, for EC keys, the namedCurve OID in its parameters
 * (RFC 5480 §2.1.1). Undefined for DER that is not a SubjectPublicKeyInfo or a key kind TLS here
 * cannot sign with.
 */
export function keyKindOf(spki: Uint8Array): SchemeKeyKind | undefined {
  if (keyKinds.has(spki)) return keyKinds.get(spki);
  const kind = readKeyKind(spki);
  keyKinds.set(spki, kind);
  return kind;
}

/**
 * keyKindOf's answers by SPKI array: a server's key is the same object on every connection, and
 * parsing its SPKI each time was a measurable part of a handshake that signs with it.
 */
const keyKinds = new WeakMap<Uint8Array, SchemeKeyKind | undefined>();

function readKeyKind(spki: Uint8Array): SchemeKeyKind | undefined {
  let algorithm: { algorithm: string; parametersOid?: string };
  try {
    algorithm = readSpkiAlgorithm(spki);
  } catch {
    return undefined;
  }
  switch (algorithm.algorithm) {
    case OID.id_RSASSA_PSS:
      return { key: 'rsa-pss' };
    case OID.rsaEncryption:
      return { key: 'rsa' };
    case OID.id_Ed25519:
      return { key: 'ed25519' };
    case OID.id_ecPublicKey: {
      const curve = algorithm.parametersOid === undefined ? undefined : CURVE_BY_OID[algorithm.parametersOid];
      return curve ? { key: 'ec', curve } : undefined;
    }
    default: {
      const parameterSet = mlDsaParameterSetOf(algorithm.algorithm);
      return parameterSet ? { key: 'ml-dsa', parameterSet } : undefined;
    }
  }
}

/** Whether a key of this kind can make (or check) signatures of this scheme. */
export function schemeFitsKey(s: SignatureSchemeInfo, kind: SchemeKeyKind | undefined): boolean {
  if (!kind || s.key !== kind.key) return false;
  if (s.key === 'ml-dsa') return s.parameterSet === kind.parameterSet;
  return s.key !== 'ec' || s.curve === kind.curve;
}

/**
 * The scheme our key signs CertificateVerify with: the first of the peer's list (its preference,
 * RFC 8446 §4.2.3) that fits the key and that we allow. Undefined when none does.
 */
export function pickSignatureScheme(key: PrivateKeyHandle, peer: readonly number[], allowed: readonly SignatureSchemeInfo[]): SignatureSchemeInfo | undefined {
  const kind = keyKindOf(key.spki);
  for (const id of peer) {
    const s = allowed.find((a) => a.id === id);
    if (s && s.handshake && schemeFitsKey(s, kind)) return s;
  }
  return undefined;
}

const GROUP_ALIASES: Readonly<Record<string, GroupName>> = {
  // Names are looked up in lower case; the hybrids' are mixed case (as IANA and OpenSSL spell them).
  ...Object.fromEntries(GROUPS.map((g) => [g.name.toLowerCase(), g.name])),
  'p-256': 'secp256r1',
  p256: 'secp256r1',
  prime256v1: 'secp256r1',
  'p-384': 'secp384r1',
  p384: 'secp384r1',
  'p-521': 'secp521r1',
  p521: 'secp521r1',
};

const ALL_SUITE_NAMES = [...CIPHER_SUITES.map((s) => s.name), ...CIPHER_SUITES_TLS12.map((s) => s.name)];

/** Resolves configured names to TLS 1.3 table entries, in the caller's order; TLS 1.2 names are skipped, unknown ones are USAGE. */
export function resolveSuites(names: readonly string[] | undefined): CipherSuite[] {
  if (!names) return CIPHER_SUITES.filter((s) => !s.optIn);
  checkSuiteNames(names);
  return CIPHER_SUITES.filter((s) => names.includes(s.name)).sort((a, b) => names.indexOf(a.name) - names.indexOf(b.name));
}

/** The TLS 1.2 suites among the configured names, in the caller's order. */
export function resolveSuites12(names: readonly string[] | undefined): CipherSuite12[] {
  if (!names) return CIPHER_SUITES_TLS12.filter((s) => !s.optIn);
  checkSuiteNames(names);
  return CIPHER_SUITES_TLS12.filter((s) => names.includes(s.name)).sort((a, b) => names.indexOf(a.name) - names.indexOf(b.name));
}

function checkSuiteNames(names: readonly string[]): void {
  for (const n of names) if (!ALL_SUITE_NAMES.includes(n as CipherSuiteName)) fail('cipher suite', n, ALL_SUITE_NAMES);
}

/**
 * The versions to offer or accept: the configured ones (default both) that have a suite enabled.
 * Naming a version and no suite for it is USAGE; so is naming no version at all.
 */
export function resolveVersions(versions: readonly string[] | undefined, suiteNames: readonly string[] | undefined): TlsVersionName[] {
  for (const v of versions ?? []) if (!TLS_VERSIONS.includes(v as TlsVersionName)) throw usage(`unknown TLS version ${v}: use TLSv1.2 or TLSv1.3`);
  const has13 = resolveSuites(suiteNames).length > 0;
  const has12 = resolveSuites12(suiteNames).length > 0;
  if (versions) {
    if (versions.includes('TLSv1.3') && !has13) throw usage('TLSv1.3 is enabled but none of its cipher suites is');
    if (versions.includes('TLSv1.2') && !has12) throw usage('TLSv1.2 is enabled but none of its cipher suites is');
  }
  const out = TLS_VERSIONS.filter((v) => (versions ? versions.includes(v) : v === 'TLSv1.3' ? has13 : has12));
  if (!out.length) throw usage('no TLS version is enabled: name at least one, with a cipher suite for it');
  return out;
}

/** The configured groups, else the provider's preferred ones, else every group the engine speaks. */
export function resolveGroups(names: readonly string[] | undefined, provider?: CryptoProvider): Group[] {
  names ??= provider?.preferredGroups;
  if (!names) return GROUPS.filter((g) => !g.optIn);
  return names.map((n) => GROUPS.find((g) => g.name === GROUP_ALIASES[n.toLowerCase()]) ?? fail('group', n, GROUPS.map((g) => g.name)));
}

/** The schemes for TLS 1.2 signatures: the configured ones but those for TLS 1.3 only (ML-DSA), or DEFAULT_TLS12_SCHEMES. */
export function resolveSchemes12(names: readonly string[] | undefined): SignatureSchemeInfo[] {
  return resolveSchemes(names ?? DEFAULT_TLS12_SCHEMES).filter((s) => !s.tls13Only);
}

export function resolveSchemes(names: readonly string[] | undefined): SignatureSchemeInfo[] {
  if (!names) return SIGNATURE_SCHEMES.filter((s) => s.handshake);
  return names.map((n) => SIGNATURE_SCHEMES.find((s) => s.name === n) ?? fail('signature scheme', n, SIGNATURE_SCHEMES.map((s) => s.name)));
}

function fail(what: string, name: string, known: readonly string[]): never {
  throw usage(`unknown TLS ${what} ${name}: use one of ${known.join(', ')}`);
}
