// The CryptoProvider: every cryptographic capability the rest of core may use, as one plain value.
//
// In the spirit of rustls's `CryptoProvider`, the protocol and key-store code never name an
// implementation; they are handed one of these. Private keys are opaque handles, so a provider
// whose keys never leave a token drops in without its callers changing.

export type HashAlgorithm = 'MD5' | 'SHA-1' | 'SHA-224' | 'SHA-256' | 'SHA-384' | 'SHA-512';

export type KeyType = 'rsa' | 'ec' | 'ed25519' | 'ml-dsa';
export type NamedCurve = 'P-256' | 'P-384' | 'P-521';
/** The FIPS 204 parameter sets (security categories 2, 3 and 5). */
export type MlDsaParameterSet = 'ML-DSA-44' | 'ML-DSA-65' | 'ML-DSA-87';
export const ML_DSA_PARAMETER_SETS: readonly MlDsaParameterSet[] = ['ML-DSA-44', 'ML-DSA-65', 'ML-DSA-87'];

/** What to generate: `rsa:2048`, `ec:p256`, `ed25519`, `ml-dsa-65` on the command line. */
export type KeySpec =
  | { readonly type: 'rsa'; readonly bits: 2048 | 3072 | 4096 }
  | { readonly type: 'ec'; readonly curve: NamedCurve }
  | { readonly type: 'ed25519' }
  | { readonly type: 'ml-dsa'; readonly parameterSet: MlDsaParameterSet };

/**
 * How to sign. ECDSA signatures are always DER `Ecdsa-Sig-Value` (as X.509 and TLS carry them);
 * a provider whose device returns raw r‖s converts.
 */
export type SignatureScheme =
  | { readonly type: 'ecdsa'; readonly hash: HashAlgorithm }
  | { readonly type: 'rsa-pkcs1'; readonly hash: HashAlgorithm }
  | { readonly type: 'rsa-pss'; readonly hash: HashAlgorithm; readonly saltLength: number }
  | { readonly type: 'ed25519' }
  /** Pure ML-DSA (FIPS 204 §5.2) with the empty context string, as RFC 9881 §3 and TLS use it. */
  | { readonly type: 'ml-dsa'; readonly parameterSet: MlDsaParameterSet };

/** A private key the provider holds. Callers see its public half and its kind, never its bytes. */
export interface PrivateKeyHandle {
  /** Which provider made or loaded it (`software`, `pkcs11`). */
  readonly provider: string;
  readonly type: KeyType;
  /** Curve for EC keys, bit length for RSA keys. */
  readonly curve?: NamedCurve;
  readonly bits?: number;
  /** The parameter set of an ML-DSA key. */
  readonly parameterSet?: MlDsaParameterSet;
  /** The public key as SubjectPublicKeyInfo DER. */
  readonly spki: Uint8Array;
  /** Whether `exportPrivateKey` can hand out the PKCS #8 form. Token keys cannot. */
  readonly extractable: boolean;
}

/** Block ciphers in CBC mode, as key protection schemes use them. */
export type CbcCipher = 'AES-128-CBC' | 'AES-192-CBC' | 'AES-256-CBC' | 'DES-EDE3-CBC' | 'DES-CBC' | 'RC2-CBC';

/** AES-CCM (RFC 3610) takes the tag length as its parameter: 16 bytes, or 8 for CCM_8 (RFC 6655 §3). */
export type AeadAlgorithm = 'AES-128-GCM' | 'AES-256-GCM' | 'CHACHA20-POLY1305' | 'AES-128-CCM' | 'AES-128-CCM-8';

/** The block ciphers TLS 1.2 CBC suites protect records with (RFC 5246 §6.2.3.2, RFC 5289). */
export type RecordBlockCipher = 'AES-128-CBC' | 'AES-256-CBC';

/**
 * A CBC key for record protection: no padding of its own, as TLS pads and checks the padding
 * itself (RFC 5246 §6.2.3.2); `data` is a whole number of blocks. One call per record.
 */
export interface CbcKey {
  readonly algorithm: RecordBlockCipher;
  encrypt(iv: Uint8Array, data: Uint8Array): Uint8Array;
  decrypt(iv: Uint8Array, data: Uint8Array): Uint8Array;
}

/** An AEAD key ready for record protection; one call per record. */
export interface AeadKey {
  readonly algorithm: AeadAlgorithm;
  seal(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array;
  /** Returns null when the tag does not verify. */
  open(nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array): Uint8Array | null;
  /**
   * Optional: seals the concatenation of `parts` and returns the ciphertext in pieces, the tag last,
   * whose concatenation is what `seal` would return. A record's content and its trailing type byte
   * (RFC 8446 §5.2) go in as they are and the pieces go to the socket as they are, so a 16 KiB
   * record is not copied twice on its way. A provider without it gets `seal` on a joined buffer.
   */
  sealParts?(nonce: Uint8Array, aad: Uint8Array, parts: readonly Uint8Array[]): Uint8Array[];
}

/**
 * Groups for ephemeral key agreement (RFC 8446 §4.2.7, RFC 8422), and the ECDHE-MLKEM hybrids of
 * TLS 1.3 (draft-ietf-tls-ecdhe-mlkem), whose server side is an encapsulation (`answerKeyShare`).
 */
export type KeyExchangeGroup =
  | 'X25519MLKEM768'
  | 'SecP256r1MLKEM768'
  | 'SecP384r1MLKEM1024'
  | 'x25519'
  | 'x448'
  | 'secp256r1'
  | 'secp384r1'
  | 'secp521r1'
  | 'ffdhe2048'
  | 'ffdhe3072'
  | 'ffdhe4096'
  | 'ffdhe6144'
  | 'ffdhe8192';

/** One side's ephemeral key for one handshake. */
export interface KeyShare {
  readonly group: KeyExchangeGroup;
  /**
   * The public value as TLS carries it (RFC 8446 §4.2.8): X25519's 32 or X448's 56 bytes, an
   * uncompressed NIST point (04 ‖ x ‖ y), or an FFDHE value padded to the prime's length; for a
   * hybrid, the ML-KEM encapsulation key and the ECDH value in the draft's order.
   */
  readonly publicKey: Uint8Array;
  /**
   * The shared secret with the peer's public value (the X25519/X448 output, the ECDH x-coordinate,
   * or the FFDHE value padded to the prime's length; for a hybrid, the ML-KEM and ECDH secrets
   * concatenated in the draft's order, from the server's ciphertext and ECDH value). Throws on a
   * value that is not a valid public key of the group in the form TLS requires (RFC 8446 §4.2.8.1,
   * §4.2.8.2: NIST points uncompressed), or a hybrid share of the wrong length.
   */
  deriveSecret(peerPublicKey: Uint8Array): Uint8Array;
}

/** A hash in progress: update() feeds it, digest() is the value of what it has been fed so far, and it goes on. */
export interface RunningHash {
  update(data: Uint8Array): void;
  digest(): Uint8Array;
}

export interface CryptoProvider {
  readonly name: string;

  /** Cryptographically strong random bytes. Injected, so tests can be reproduced. */
  random(length: number): Uint8Array;

  hash(algorithm: HashAlgorithm, data: Uint8Array): Uint8Array;
  /**
   * A hash fed piece by piece whose value can be read at any point and fed on: the running
   * transcript hash. Optional; without it the transcript hashes its messages whole each time.
   */
  runningHash?(algorithm: HashAlgorithm): RunningHash;
  hmac(algorithm: HashAlgorithm, key: Uint8Array, data: Uint8Array): Uint8Array;
  /** RFC 5869 HKDF-Extract. */
  hkdfExtract(algorithm: HashAlgorithm, salt: Uint8Array, ikm: Uint8Array): Uint8Array;
  /** RFC 5869 HKDF-Expand. */
  hkdfExpand(algorithm: HashAlgorithm, prk: Uint8Array, info: Uint8Array, length: number): Uint8Array;
  pbkdf2(algorithm: HashAlgorithm, password: Uint8Array, salt: Uint8Array, iterations: number, length: number): Uint8Array;

  /**
   * CBC with PKCS #7 padding. `effectiveBits` is RC2's effective key length (40 or 128); other
   * ciphers ignore it. Decryption throws a `BAD_PASSWORD`-free plain Error on bad padding: the
   * caller knows whether that means a wrong password or a damaged file.
   */
  cbc(cipher: CbcCipher, key: Uint8Array, iv: Uint8Array, data: Uint8Array, direction: 'encrypt' | 'decrypt', effectiveBits?: number): Uint8Array;

  aead(algorithm: AeadAlgorithm, key: Uint8Array): AeadKey;
  /** A CBC key without padding, for TLS 1.2 CBC record protection. */
  cbcKey(algorithm: RecordBlockCipher, key: Uint8Array): CbcKey;

  /**
   * A fresh ephemeral key share. `privateKey` (the raw scalar; for a hybrid, the 64-byte ML-KEM
   * seed d ‖ z and then the scalar) is for reproducing published transcripts in tests, never for
   * real use. The hybrids' ML-KEM half is software (@noble/post-quantum) in every provider.
   */
  generateKeyShare(group: KeyExchangeGroup, privateKey?: Uint8Array): KeyShare;
  /**
   * Optional: the groups this provider agrees keys in where asked to (a token's ECDH), in
   * preference order. The TLS engine offers only these when the application names no groups.
   */
  readonly preferredGroups?: readonly KeyExchangeGroup[];

  generateKeyPair(spec: KeySpec): Promise<PrivateKeyHandle>;
  /**
   * Optional: `count` new key pairs of one kind, for callers that make many at once (`pki apply`).
   * The handles are the ones generateKeyPair makes; a provider may make them faster together.
   */
  generateKeyPairs?(spec: KeySpec, count: number): Promise<PrivateKeyHandle[]>;
  /** Loads a PKCS #8 PrivateKeyInfo (DER). */
  importPrivateKey(pkcs8: Uint8Array): PrivateKeyHandle;
  /** The PKCS #8 PrivateKeyInfo (DER) of an extractable key. */
  exportPrivateKey(key: PrivateKeyHandle): Uint8Array;

  sign(key: PrivateKeyHandle, scheme: SignatureScheme, data: Uint8Array): Promise<Uint8Array>;
  verify(spki: Uint8Array, scheme: SignatureScheme, data: Uint8Array, signature: Uint8Array): boolean;
}

/** Parses `rsa:2048`, `ec:p256`, `ed25519`, `ml-dsa-65` … into a KeySpec, or returns undefined. */
export function parseKeySpec(text: string): KeySpec | undefined {
  const t = text.trim().toLowerCase();
  switch (t) {
    case 'rsa:2048':
    case 'rsa:3072':
    case 'rsa:4096':
      return { type: 'rsa', bits: Number(t.slice(4)) as 2048 | 3072 | 4096 };
    case 'rsa':
      return { type: 'rsa', bits: 2048 };
    case 'ec:p256':
    case 'ec:p-256':
    case 'ec':
      return { type: 'ec', curve: 'P-256' };
    case 'ec:p384':
    case 'ec:p-384':
      return { type: 'ec', curve: 'P-384' };
    case 'ec:p521':
    case 'ec:p-521':
      return { type: 'ec', curve: 'P-521' };
    case 'ed25519':
      return { type: 'ed25519' };
    case 'ml-dsa-44':
    case 'ml-dsa-65':
    case 'ml-dsa-87':
      return { type: 'ml-dsa', parameterSet: t.toUpperCase() as MlDsaParameterSet };
    default:
      return undefined;
  }
}

export const KEY_SPECS = ['rsa:2048', 'rsa:3072', 'rsa:4096', 'ec:p256', 'ec:p384', 'ec:p521', 'ed25519', 'ml-dsa-44', 'ml-dsa-65', 'ml-dsa-87'] as const;

/** `RSA 2048`, `EC P-256`, `Ed25519`, `ML-DSA-65`: how a key is named to people. */
export function describeKey(key: { type: KeyType; curve?: NamedCurve; bits?: number; parameterSet?: MlDsaParameterSet }): string {
  if (key.type === 'rsa') return `RSA ${key.bits ?? '?'}`;
  if (key.type === 'ec') return `EC ${key.curve ?? '?'}`;
  if (key.type === 'ml-dsa') return key.parameterSet ?? 'ML-DSA';
  return 'Ed25519';
}
