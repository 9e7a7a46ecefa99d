// What TLS 1.3 can negotiate, as data: cipher suites, key-exchange groups and signature schemes (RFC 8446 §4.2.3, §4.2.7, §B.4).

import type { AeadAlgorithm, HashAlgorithm, KeyExchangeGroup, NamedCurve, PrivateKeyHandle, SignatureScheme } from '../crypto/provider.js';
import { usage } from '../errors.js';

export interface CipherSuite {
  readonly id: number;
  /** The IANA name, as the RFC and OpenSSL spell it. */
  readonly name: CipherSuiteName;
  readonly aead: AeadAlgorithm;
  readonly hash: HashAlgorithm;
  readonly hashLength: number;
  readonly keyLength: number;
  /** RFC 8446 §5.3: every TLS 1.3 AEAD here takes a 12-byte nonce. */
  readonly ivLength: 12;
}

export type CipherSuiteName = 'TLS_AES_128_GCM_SHA256' | 'TLS_AES_256_GCM_SHA384' | 'TLS_CHACHA20_POLY1305_SHA256';

/** RFC 8446 §B.4. All AEAD: TLS 1.3 has nothing weaker to leave out. Order is the default preference. */
export const CIPHER_SUITES: readonly CipherSuite[] = [
  { id: 0x1301, name: 'TLS_AES_128_GCM_SHA256', aead: 'AES-128-GCM', hash: 'SHA-256', hashLength: 32, keyLength: 16, ivLength: 12 },
  { id: 0x1302, name: 'TLS_AES_256_GCM_SHA384', aead: 'AES-256-GCM', hash: 'SHA-384', hashLength: 48, keyLength: 32, ivLength: 12 },
  { id: 0x1303, name: 'TLS_CHACHA20_POLY1305_SHA256', aead: 'CHACHA20-POLY1305', hash: 'SHA-256', hashLength: 32, keyLength: 32, ivLength: 12 },
];

export const suiteById = (id: number) => CIPHER_SUITES.find((s) => s.id === id);

export interface Group {
  readonly id: number;
  readonly name: GroupName;
  readonly provider: KeyExchangeGroup;
}

export type GroupName = 'x25519' | 'secp256r1' | 'secp384r1';

/** RFC 8446 §4.2.7 NamedGroup. Default preference: X25519 first, as most stacks do. */
export const GROUPS: readonly Group[] = [
  { id: 0x001d, name: 'x25519', provider: 'x25519' },
  { id: 0x0017, name: 'secp256r1', provider: 'secp256r1' },
  { id: 0x0018, name: 'secp384r1', provider: 'secp384r1' },
];

export const groupById = (id: number) => GROUPS.find((g) => g.id === id);

/** What kind of key a scheme signs with; `rsa-pss` is a key whose SPKI says RSASSA-PSS (RFC 8446 §4.2.3 rsa_pss_pss_*). */
export type SchemeKey = 'ec' | 'rsa' | 'rsa-pss' | 'ed25519';

export interface SignatureSchemeInfo {
  readonly id: number;
  readonly name: SignatureSchemeName;
  readonly scheme: SignatureScheme;
  readonly key: SchemeKey;
  /** RFC 8446 §4.2.3: ECDSA schemes in TLS 1.3 name the curve as well as the hash. */
  readonly curve?: NamedCurve;
  /** False for RSA PKCS #1 v1.5: allowed in certificates (signature_algorithms_cert) but never in CertificateVerify. */
  readonly handshake: boolean;
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
  | 'rsa_pkcs1_sha512';

const pss = (hash: HashAlgorithm, saltLength: number): SignatureScheme => ({ type: 'rsa-pss', hash, saltLength });

/** RFC 8446 §4.2.3 SignatureScheme. PSS salt = hash length, as §4.2.3 requires. */
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
];

export const schemeById = (id: number) => SIGNATURE_SCHEMES.find((s) => s.id === id);

/** The schemes offered in signature_algorithms by default: every one allowed in a TLS 1.3 CertificateVerify. */
export const DEFAULT_HANDSHAKE_SCHEMES: readonly SignatureSchemeName[] = SIGNATURE_SCHEMES.filter((s) => s.handshake).map((s) => s.name);

// DER of the algorithm OIDs that tell key kinds apart inside a SubjectPublicKeyInfo.
const OID_RSA = [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
const OID_RSASSA_PSS = [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a];
const OID_EC = [0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const OID_P256 = [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
const OID_P384 = [0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22];
const OID_P521 = [0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23];
const OID_ED25519 = [0x06, 0x03, 0x2b, 0x65, 0x70];

/** Whether `needle` occurs in the first bytes of `spki` (the AlgorithmIdentifier sits there). */
function hasOid(spki: Uint8Array, needle: readonly number[]): boolean {
  const limit = Math.min(spki.length, 40) - needle.length;
  outer: for (let i = 0; i <= limit; i++) {
    for (let j = 0; j < needle.length; j++) if (spki[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

/** The kind and curve of a public key, from its SubjectPublicKeyInfo DER. */
export function keyKindOf(spki: Uint8Array): { key: SchemeKey; curve?: NamedCurve } | undefined {
  if (hasOid(spki, OID_RSASSA_PSS)) return { key: 'rsa-pss' };
  if (hasOid(spki, OID_RSA)) return { key: 'rsa' };
  if (hasOid(spki, OID_ED25519)) return { key: 'ed25519' };
  if (hasOid(spki, OID_EC)) {
    const curve = hasOid(spki, OID_P256) ? 'P-256' : hasOid(spki, OID_P384) ? 'P-384' : hasOid(spki, OID_P521) ? 'P-521' : undefined;
    return curve ? { key: 'ec', curve } : undefined;
  }
  return undefined;
}

/** Whether a key of this kind can make (or check) signatures of this scheme. */
export function schemeFitsKey(s: SignatureSchemeInfo, kind: { key: SchemeKey; curve?: NamedCurve } | undefined): boolean {
  if (!kind || s.key !== kind.key) return false;
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
  x25519: 'x25519',
  secp256r1: 'secp256r1',
  'p-256': 'secp256r1',
  p256: 'secp256r1',
  prime256v1: 'secp256r1',
  secp384r1: 'secp384r1',
  'p-384': 'secp384r1',
  p384: 'secp384r1',
};

/** Resolves configured names to table entries, in the caller's order; USAGE for a name TLS 1.3 here does not know. */
export function resolveSuites(names: readonly string[] | undefined): CipherSuite[] {
  if (!names) return [...CIPHER_SUITES];
  return names.map((n) => CIPHER_SUITES.find((s) => s.name === n) ?? fail('cipher suite', n, CIPHER_SUITES.map((s) => s.name)));
}

export function resolveGroups(names: readonly string[] | undefined): Group[] {
  if (!names) return [...GROUPS];
  return names.map((n) => GROUPS.find((g) => g.name === GROUP_ALIASES[n.toLowerCase()]) ?? fail('group', n, GROUPS.map((g) => g.name)));
}

export function resolveSchemes(names: readonly string[] | undefined): SignatureSchemeInfo[] {
  if (!names) return SIGNATURE_SCHEMES.filter((s) => s.handshake);
  return names.map((n) => SIGNATURE_SCHEMES.find((s) => s.name === n) ?? fail('signature scheme', n, SIGNATURE_SCHEMES.map((s) => s.name)));
}

function fail(what: string, name: string, known: readonly string[]): never {
  throw usage(`unknown TLS 1.3 ${what} ${name}: use one of ${known.join(', ')}`);
}
