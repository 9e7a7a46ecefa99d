// The software CryptoProvider: Node's crypto (OpenSSL inside) behind the provider interface.

import * as nodeCrypto from 'node:crypto';
import { ffdheKeyShare, isFfdheGroup } from './ffdhe.js';
import { hybridKeyShare, isHybridGroup, MLKEM_SEED_LENGTH } from './hybrid-kem.js';
import { decodeMlDsaPrivateKey, encodeMlDsaPrivateKey, encodeMlDsaSpki, ML_DSA_SEED_LENGTH, mlDsaKeyFromSeed, mlDsaSign, mlDsaVerify, readMlDsaSpki, type MlDsaKey } from './ml-dsa.js';
import type {
  AeadAlgorithm,
  AeadKey,
  CbcCipher,
  CbcKey,
  CryptoProvider,
  HashAlgorithm,
  KeyExchangeGroup,
  KeyShare,
  KeySpec,
  NamedCurve,
  PrivateKeyHandle,
  RecordBlockCipher,
  SignatureScheme,
} from './provider.js';
import { rc2Cbc } from './rc2.js';
import { badInput } from '../errors.js';

const NODE_HASH: Record<HashAlgorithm, string> = {
  MD5: 'md5',
  'SHA-1': 'sha1',
  'SHA-224': 'sha224',
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
};

const HASH_LENGTH: Record<HashAlgorithm, number> = { MD5: 16, 'SHA-1': 20, 'SHA-224': 28, 'SHA-256': 32, 'SHA-384': 48, 'SHA-512': 64 };
export const hashLength = (algorithm: HashAlgorithm): number => HASH_LENGTH[algorithm];
/** RFC 2104's B, the hash's input block: an HMAC key is padded (or first hashed) to it. */
const BLOCK_LENGTH: Record<HashAlgorithm, number> = { MD5: 64, 'SHA-1': 64, 'SHA-224': 64, 'SHA-256': 64, 'SHA-384': 128, 'SHA-512': 128 };
/** RFC 2104 §2: the inner and outer pad bytes. */
const IPAD = 0x36;
const OPAD = 0x5c;

/**
 * A hash's value written into `out` at `offset`. The value is asked for as a 'binary' (latin1) string (one
 * character a byte, on V8's heap) rather than as a Buffer: a Buffer result is a fresh ArrayBuffer
 * outside the heap each time, and that allocation (with its later freeing) costs about three times
 * the hashing of a few hundred bytes. `out` is where the bytes go anyway.
 */
const writeDigest = (value: string, out: Buffer, offset: number): void => void out.write(value, offset, 'latin1');

/** A hash's value as a Buffer of Node's pool (Buffer.allocUnsafe: a small one is a slice of a shared block, no allocation of its own). */
function pooledDigest(algorithm: HashAlgorithm, value: string): Buffer {
  const out = Buffer.allocUnsafe(HASH_LENGTH[algorithm]);
  writeDigest(value, out, 0);
  return out;
}

/** A one-shot hash (crypto.hash): no Hash object is made, which costs more than hashing a few hundred bytes. */
const oneShot = (algorithm: HashAlgorithm, data: Uint8Array): string => nodeCrypto.hash(NODE_HASH[algorithm], data, 'binary');

const digest = (algorithm: HashAlgorithm, data: Uint8Array): Buffer => pooledDigest(algorithm, oneShot(algorithm, data));

/**
 * RFC 2104 HMAC as two one-shot hashes, H((K ^ opad) ‖ H((K ^ ipad) ‖ text)). A TLS handshake makes
 * some twenty HMACs of a block or two (the key schedule's HKDF, Finished, binders); each createHmac
 * is a native object with its own key copy and weak handle, which costs more than the hashing itself.
 */
function hmacOneShot(algorithm: HashAlgorithm, key: Uint8Array, text: Uint8Array, counter?: number, previous?: Uint8Array): Buffer {
  const block = BLOCK_LENGTH[algorithm];
  const k = key.length > block ? digest(algorithm, key) : key;
  // HKDF-Expand's T(i-1) ‖ info ‖ i goes straight into the inner block, not through a buffer of its own.
  const before = previous?.length ?? 0;
  const length = block + before + text.length + (counter === undefined ? 0 : 1);
  const inner = Buffer.allocUnsafe(length);
  const outer = Buffer.allocUnsafe(block + HASH_LENGTH[algorithm]);
  // The pads past the key are the pad bytes themselves (0 ^ pad): filled natively, not byte by byte.
  inner.fill(IPAD, k.length, block);
  outer.fill(OPAD, k.length, block);
  for (let i = 0; i < k.length; i++) {
    const b = k[i];
    inner[i] = b ^ IPAD;
    outer[i] = b ^ OPAD;
  }
  if (previous) inner.set(previous, block);
  inner.set(text, block + before);
  if (counter !== undefined) inner[length - 1] = counter;
  writeDigest(oneShot(algorithm, inner), outer, block);
  return digest(algorithm, outer);
}

const NODE_CURVE: Record<NamedCurve, string> = { 'P-256': 'prime256v1', 'P-384': 'secp384r1', 'P-521': 'secp521r1' };
const CURVE_FROM_NODE: Record<string, NamedCurve> = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };

/** A software key: a Node KeyObject the handle carries privately. */
interface SoftwareKeyHandle extends PrivateKeyHandle {
  readonly provider: 'software';
  readonly keyObject: nodeCrypto.KeyObject;
}

/** An ML-DSA key, which Node 20's OpenSSL cannot hold: noble's key bytes instead (see ml-dsa.ts). */
interface MlDsaKeyHandle extends PrivateKeyHandle {
  readonly provider: 'software';
  readonly type: 'ml-dsa';
  readonly mlDsa: MlDsaKey;
}

const mlDsaHandle = (key: MlDsaKey): MlDsaKeyHandle => ({
  provider: 'software',
  type: 'ml-dsa',
  parameterSet: key.parameterSet,
  spki: encodeMlDsaSpki(key),
  extractable: true,
  mlDsa: key,
});

function mlDsaKeyOf(key: PrivateKeyHandle): MlDsaKey {
  const k = (key as Partial<MlDsaKeyHandle>).mlDsa;
  if (key.provider !== 'software' || !k) throw new Error(`the ${key.provider} provider holds this key, not the software provider`);
  return k;
}

const u8 = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

function handleFor(keyObject: nodeCrypto.KeyObject): SoftwareKeyHandle {
  const publicKey = nodeCrypto.createPublicKey(keyObject);
  const spki = u8(publicKey.export({ format: 'der', type: 'spki' }));
  const details = keyObject.asymmetricKeyDetails ?? {};
  switch (keyObject.asymmetricKeyType) {
    case 'rsa':
    case 'rsa-pss':
      return { provider: 'software', type: 'rsa', bits: details.modulusLength, spki, extractable: true, keyObject };
    case 'ec': {
      const curve = CURVE_FROM_NODE[details.namedCurve ?? ''];
      if (!curve) throw new Error(`unsupported EC curve ${details.namedCurve}`);
      return { provider: 'software', type: 'ec', curve, spki, extractable: true, keyObject };
    }
    case 'ed25519':
      return { provider: 'software', type: 'ed25519', spki, extractable: true, keyObject };
    default:
      throw new Error(`unsupported key type ${keyObject.asymmetricKeyType}`);
  }
}

/**
 * A new key pair, made in libuv's thread pool. Its handle is put together from the spec and the
 * SPKI the generating job encoded there (publicKeyEncoding), not read back from the key: on this
 * thread OpenSSL 3's DER encoder and key details cost ~200 µs a key, and in Node 20 reading a
 * generated key's details (asymmetricKeyDetails) or exporting it as JWK can deadlock, when a
 * garbage collection during the call finalises the generating job, which waits for the key's lock
 * the call holds (seen with gdb on a hung process).
 */
function generateKeyHandle(spec: KeySpec): Promise<SoftwareKeyHandle> {
  if (spec.type === 'ml-dsa') throw new Error('ML-DSA keys are made by generateMlDsaHandle');
  const publicKeyEncoding = { type: 'spki', format: 'der' } as const;
  const options =
    spec.type === 'rsa'
      ? { modulusLength: spec.bits, publicExponent: 0x10001, publicKeyEncoding }
      : spec.type === 'ec'
        ? { namedCurve: NODE_CURVE[spec.curve], publicKeyEncoding }
        : { publicKeyEncoding };
  return new Promise((resolve, reject) =>
    nodeCrypto.generateKeyPair(spec.type as 'ec', options as nodeCrypto.ECKeyPairOptions<'der', never>, (err, pub: unknown, priv: unknown) => {
      if (err) return reject(err);
      const spki = u8(pub as Buffer);
      const keyObject = priv as nodeCrypto.KeyObject;
      switch (spec.type) {
        case 'rsa':
          return resolve({ provider: 'software', type: 'rsa', bits: spec.bits, spki, extractable: true, keyObject });
        case 'ec':
          return resolve({ provider: 'software', type: 'ec', curve: spec.curve, spki, extractable: true, keyObject });
        case 'ed25519':
          return resolve({ provider: 'software', type: 'ed25519', spki, extractable: true, keyObject });
      }
    }),
  );
}

function keyObjectOf(key: PrivateKeyHandle): nodeCrypto.KeyObject {
  const ko = (key as Partial<SoftwareKeyHandle>).keyObject;
  if (key.provider !== 'software' || !ko) throw new Error(`the ${key.provider} provider holds this key, not the software provider`);
  return ko;
}

function signOptions(scheme: Exclude<SignatureScheme, { type: 'ml-dsa' }>): { algorithm: string | null; options: Partial<nodeCrypto.SignKeyObjectInput> } {
  switch (scheme.type) {
    case 'ecdsa':
      return { algorithm: NODE_HASH[scheme.hash], options: { dsaEncoding: 'der' } };
    case 'rsa-pkcs1':
      return { algorithm: NODE_HASH[scheme.hash], options: { padding: nodeCrypto.constants.RSA_PKCS1_PADDING } };
    case 'rsa-pss':
      return {
        algorithm: NODE_HASH[scheme.hash],
        options: { padding: nodeCrypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: scheme.saltLength },
      };
    case 'ed25519':
      return { algorithm: null, options: {} };
  }
}

const CBC_NAME: Record<Exclude<CbcCipher, 'RC2-CBC' | 'DES-CBC'>, string> = {
  'AES-128-CBC': 'aes-128-cbc',
  'AES-192-CBC': 'aes-192-cbc',
  'AES-256-CBC': 'aes-256-cbc',
  'DES-EDE3-CBC': 'des-ede3-cbc',
};

const AEAD_NAME: Record<AeadAlgorithm, 'aes-128-gcm' | 'aes-256-gcm' | 'chacha20-poly1305' | 'aes-128-ccm'> = {
  'AES-128-GCM': 'aes-128-gcm',
  'AES-256-GCM': 'aes-256-gcm',
  'CHACHA20-POLY1305': 'chacha20-poly1305',
  'AES-128-CCM': 'aes-128-ccm',
  'AES-128-CCM-8': 'aes-128-ccm',
};
const TAG_LENGTH = 16;
/** RFC 6655 §3: CCM_8 truncates the tag to 8 bytes. */
const CCM_8_TAG_LENGTH = 8;

/**
 * A record key as the Cipher constructors take it: the key's bytes, copied so the caller may wipe
 * its own. Not a KeyObject: a TLS 1.3 handshake makes four record keys and seals or opens only a
 * record or two with most, and a KeyObject costs more to make (about 2.5 µs) than it saves a Cipher.
 */
const recordKey = (key: Uint8Array): Buffer => Buffer.from(key);

function aeadKey(algorithm: AeadAlgorithm, key: Uint8Array): AeadKey {
  if (algorithm === 'AES-128-CCM' || algorithm === 'AES-128-CCM-8') return ccmKey(algorithm, key);
  const name = AEAD_NAME[algorithm];
  const secret = recordKey(key);
  // Node's AEAD ciphers take a nonce only when made, so each record needs its own Cipher; what
  // can be saved is copying: update() already returns a fresh buffer, which is handed on as it is.
  const sealParts = (nonce: Uint8Array, aad: Uint8Array, parts: readonly Uint8Array[]): Uint8Array[] => {
    const cipher = nodeCrypto.createCipheriv(name as 'aes-128-gcm', secret, nonce, { authTagLength: TAG_LENGTH });
    let length = 0;
    for (const p of parts) length += p.length;
    cipher.setAAD(aad, { plaintextLength: length });
    const out: Uint8Array[] = [];
    for (const p of parts) {
      const c = cipher.update(p);
      if (c.length) out.push(c);
    }
    const tail = cipher.final();
    if (tail.length) out.push(tail);
    out.push(cipher.getAuthTag());
    return out;
  };
  return {
    algorithm,
    seal: (nonce, aad, plaintext) => u8(Buffer.concat(sealParts(nonce, aad, [plaintext]))),
    sealParts,
    open(nonce, aad, ciphertext) {
      if (ciphertext.length < TAG_LENGTH) return null;
      const body = ciphertext.subarray(0, ciphertext.length - TAG_LENGTH);
      const decipher = nodeCrypto.createDecipheriv(name as 'aes-128-gcm', secret, nonce, { authTagLength: TAG_LENGTH });
      decipher.setAAD(aad, { plaintextLength: body.length });
      decipher.setAuthTag(ciphertext.subarray(ciphertext.length - TAG_LENGTH));
      const head = decipher.update(body);
      try {
        const tail = decipher.final();
        if (tail.length === 0) return u8(head);
        return u8(Buffer.concat([head, tail]));
      } catch {
        return null;
      }
    },
  };
}

/**
 * AES-CCM (RFC 3610, as RFC 8446 §B.4 and RFC 6655 use it). CCM reads its whole input in one
 * update() (it needs the length first), so there is no sealParts: the record layer joins the parts.
 */
function ccmKey(algorithm: 'AES-128-CCM' | 'AES-128-CCM-8', key: Uint8Array): AeadKey {
  const secret = recordKey(key);
  const tagLength = algorithm === 'AES-128-CCM-8' ? CCM_8_TAG_LENGTH : TAG_LENGTH;
  return {
    algorithm,
    seal(nonce, aad, plaintext) {
      const cipher = nodeCrypto.createCipheriv('aes-128-ccm', secret, nonce, { authTagLength: tagLength });
      cipher.setAAD(aad, { plaintextLength: plaintext.length });
      const body = cipher.update(plaintext);
      cipher.final();
      return u8(Buffer.concat([body, cipher.getAuthTag()]));
    },
    open(nonce, aad, ciphertext) {
      if (ciphertext.length < tagLength) return null;
      const body = ciphertext.subarray(0, ciphertext.length - tagLength);
      const decipher = nodeCrypto.createDecipheriv('aes-128-ccm', secret, nonce, { authTagLength: tagLength });
      decipher.setAuthTag(ciphertext.subarray(ciphertext.length - tagLength));
      decipher.setAAD(aad, { plaintextLength: body.length });
      // CCM checks the tag in update(); final() is what says whether it matched.
      const plain = decipher.update(body);
      try {
        decipher.final();
      } catch {
        return null;
      }
      return u8(plain);
    },
  };
}

/** Raw AES-CBC for TLS records: Node's PKCS #7 padding is turned off, as TLS pads its own way. */
function cbcKey(algorithm: RecordBlockCipher, key: Uint8Array): CbcKey {
  const name = algorithm === 'AES-128-CBC' ? 'aes-128-cbc' : 'aes-256-cbc';
  const secret = nodeCrypto.createSecretKey(key);
  const run = (c: nodeCrypto.Cipher | nodeCrypto.Decipher, data: Uint8Array): Uint8Array => {
    c.setAutoPadding(false);
    const head = c.update(data);
    const tail = c.final();
    return u8(tail.length ? Buffer.concat([head, tail]) : head);
  };
  return {
    algorithm,
    encrypt: (iv, data) => run(nodeCrypto.createCipheriv(name, secret, iv), data),
    decrypt: (iv, data) => run(nodeCrypto.createDecipheriv(name, secret, iv), data),
  };
}

const ECDH_CURVE: Readonly<Record<string, { name: string; coordinate: number }>> = {
  secp256r1: { name: 'prime256v1', coordinate: 32 },
  secp384r1: { name: 'secp384r1', coordinate: 48 },
  secp521r1: { name: 'secp521r1', coordinate: 66 },
};

/** RFC 7748: the Montgomery curves, by JWK name, with their key length. */
const MONTGOMERY: Readonly<Record<string, { crv: 'X25519' | 'X448'; length: number }>> = {
  x25519: { crv: 'X25519', length: 32 },
  x448: { crv: 'X448', length: 56 },
};

/** Room for the largest Montgomery scalar, X448's (see montgomeryPair). */
const SCALAR_SCRATCH = Buffer.allocUnsafeSlow(56);

/**
 * An X25519 or X448 pair from a scalar of `length` bytes, the one given or a fresh one (RFC 7748 §5
 * clamps it, so any random bytes of the length are a key). The scalar is imported rather than
 * generated with generateKeyPairSync: exporting the public key of a pair Node's key generator made
 * can deadlock (see generateKeyHandle). A key that was imported has no such job, and costs about
 * the same to make.
 */
function montgomeryPair(crv: 'X25519' | 'X448', length: number, scalar?: Uint8Array): { privateKey: nodeCrypto.KeyObject; publicKey: Uint8Array } {
  let d: string;
  if (scalar) {
    d = Buffer.from(scalar.buffer, scalar.byteOffset, scalar.byteLength).toString('base64url');
  } else {
    // A fresh scalar, drawn into one scratch buffer and wiped once encoded: randomBytes would make a
    // small Buffer that Node must first move off V8's heap to fill, at every handshake.
    nodeCrypto.randomFillSync(SCALAR_SCRATCH, 0, length);
    d = SCALAR_SCRATCH.toString('base64url', 0, length);
    SCALAR_SCRATCH.fill(0);
  }
  // JWK, not DER, both ways: OpenSSL 3's DER coders cost about 80 µs a key, JWK a few. The import computes the public key.
  const privateKey = nodeCrypto.createPrivateKey({ key: { kty: 'OKP', crv, d, x: '' }, format: 'jwk' });
  // The private JWK carries the public x: no public KeyObject to make only to export it.
  const x = privateKey.export({ format: 'jwk' }).x!;
  return { privateKey, publicKey: u8(Buffer.from(x, 'base64url')) };
}

function keyShare(group: KeyExchangeGroup, privateKey?: Uint8Array): KeyShare {
  const montgomery = MONTGOMERY[group];
  if (montgomery) {
    const { crv, length } = montgomery;
    const { privateKey: priv, publicKey } = montgomeryPair(crv, length, privateKey);
    return {
      group,
      publicKey,
      deriveSecret(peer) {
        if (peer.length !== length) throw new Error(`an ${crv} public key is ${length} bytes`);
        const x = Buffer.from(peer.buffer, peer.byteOffset, peer.byteLength).toString('base64url');
        const publicKey = nodeCrypto.createPublicKey({ key: { kty: 'OKP', crv, x }, format: 'jwk' });
        const secret = u8(nodeCrypto.diffieHellman({ privateKey: priv, publicKey }));
        // RFC 7748 §6.1, §6.2: an all-zero output means the peer sent a small-order point.
        if (secret.every((b) => b === 0)) throw new Error(`${crv} produced the all-zero value`);
        return secret;
      },
    };
  }
  if (isFfdheGroup(group)) return { group, ...ffdheKeyShare(group, privateKey) };
  const curve = ECDH_CURVE[group];
  const ecdh = nodeCrypto.createECDH(curve.name);
  if (privateKey) ecdh.setPrivateKey(privateKey);
  else ecdh.generateKeys();
  return {
    group,
    publicKey: u8(ecdh.getPublicKey(null, 'uncompressed')),
    deriveSecret(peer) {
      // RFC 8446 §4.2.8.2 (and RFC 8422 §5.1.2 for TLS 1.2): only the uncompressed form, 04 ‖ X ‖ Y;
      // OpenSSL would take a compressed or hybrid point too.
      if (peer.length !== 1 + 2 * curve.coordinate || peer[0] !== 0x04) throw new Error(`a ${group} public value is an uncompressed point of ${1 + 2 * curve.coordinate} bytes`);
      return u8(ecdh.computeSecret(peer));
    },
  };
}

/**
 * Parsed public keys by SPKI: a CA's key verifies every certificate it issues and every chain
 * through it, and parsing the SPKI costs more than an ECDSA verification. Bounded, oldest out.
 */
const PUBLIC_KEY_CACHE_SIZE = 256;
const publicKeys = new Map<string, nodeCrypto.KeyObject>();
function publicKeyObject(spki: Uint8Array): nodeCrypto.KeyObject {
  const id = Buffer.from(spki.buffer, spki.byteOffset, spki.byteLength).toString('base64');
  let key = publicKeys.get(id);
  if (!key) {
    key = nodeCrypto.createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
    if (publicKeys.size >= PUBLIC_KEY_CACHE_SIZE) publicKeys.delete(publicKeys.keys().next().value!);
    publicKeys.set(id, key);
  }
  return key;
}

export interface SoftwareProviderOptions {
  /** A source of random bytes; tests inject a seeded one to reproduce transcripts. */
  random?: (length: number) => Uint8Array;
}

/** Makes a software CryptoProvider. */
export function createSoftwareProvider(options: SoftwareProviderOptions = {}): CryptoProvider {
  const random = options.random ?? ((n: number) => u8(nodeCrypto.randomBytes(n)));
  // ML-DSA key generation is noble's, on this thread (~10 ms for ML-DSA-65); its seed comes from
  // the injected source, so a seeded provider makes the same keys.
  const generate = async (spec: KeySpec): Promise<PrivateKeyHandle> =>
    spec.type === 'ml-dsa' ? mlDsaHandle(mlDsaKeyFromSeed(spec.parameterSet, random(ML_DSA_SEED_LENGTH))) : generateKeyHandle(spec);
  return {
    name: 'software',
    random,
    hash: (algorithm, data) => u8(digest(algorithm, data)),
    runningHash(algorithm) {
      const h = nodeCrypto.createHash(NODE_HASH[algorithm]);
      return {
        update: (data) => void h.update(data),
        // Hash.copy(): the value so far, from a copy, so the original goes on being fed.
        digest: () => u8(pooledDigest(algorithm, h.copy().digest('binary'))),
      };
    },
    hmac: (algorithm, key, data) => u8(hmacOneShot(algorithm, key, data)),
    hkdfExtract: (algorithm, salt, ikm) => u8(hmacOneShot(algorithm, salt.length ? salt : new Uint8Array(HASH_LENGTH[algorithm]), ikm)),
    hkdfExpand(algorithm, prk, info, length) {
      // RFC 5869 §2.3: T(i) = HMAC(PRK, T(i-1) ‖ info ‖ i). A TLS key schedule expands some twenty
      // times a handshake, nearly always to one block or less: that block is the result as it is.
      const first = hmacOneShot(algorithm, prk, info, 1);
      if (length <= first.length) return new Uint8Array(first.buffer, first.byteOffset, length);
      const out = new Uint8Array(length);
      out.set(first, 0);
      let t: Uint8Array = first;
      for (let i = 2, written = first.length; written < length; i++) {
        t = hmacOneShot(algorithm, prk, info, i, t);
        out.set(t.subarray(0, Math.min(t.length, length - written)), written);
        written += t.length;
      }
      return out;
    },
    pbkdf2: (algorithm, password, salt, iterations, length) =>
      u8(nodeCrypto.pbkdf2Sync(password, salt, iterations, length, NODE_HASH[algorithm])),
    cbc(cipher, key, iv, data, direction, effectiveBits) {
      if (cipher === 'RC2-CBC') return rc2Cbc(key, iv, data, direction, effectiveBits ?? key.length * 8);
      let name: string;
      let k: Uint8Array = key;
      if (cipher === 'DES-CBC') {
        // OpenSSL 3 keeps single DES in its legacy provider; EDE3 with K1 = K2 = K3 is the same cipher.
        name = 'des-ede3-cbc';
        k = new Uint8Array(24);
        k.set(key, 0);
        k.set(key, 8);
        k.set(key, 16);
      } else {
        name = CBC_NAME[cipher];
      }
      const c = direction === 'encrypt' ? nodeCrypto.createCipheriv(name, k, iv) : nodeCrypto.createDecipheriv(name, k, iv);
      return u8(Buffer.concat([c.update(data), c.final()]));
    },
    aead: aeadKey,
    cbcKey,
    generateKeyShare(group, privateKey) {
      if (!isHybridGroup(group)) return keyShare(group, privateKey);
      // The scalar after the seed is optional: a seed alone fixes the ML-KEM half only.
      const scalar = privateKey && privateKey.length > MLKEM_SEED_LENGTH ? privateKey.subarray(MLKEM_SEED_LENGTH) : undefined;
      return hybridKeyShare(group, (g) => keyShare(g, scalar), random, privateKey?.subarray(0, MLKEM_SEED_LENGTH));
    },
    generateKeyPair: generate,
    generateKeyPairs: (spec: KeySpec, count: number) => Promise.all(Array.from({ length: count }, () => generate(spec))),
    importPrivateKey(pkcs8) {
      // ML-DSA first: Node 20's OpenSSL does not know its OIDs.
      const mlDsa = decodeMlDsaPrivateKey(pkcs8);
      if (mlDsa) return mlDsaHandle(mlDsa.key);
      let key: nodeCrypto.KeyObject;
      try {
        key = nodeCrypto.createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' });
      } catch (e) {
        // A key that decrypted to bytes OpenSSL cannot read (a damaged file whose MAC did not catch it) is bad input, not a fault.
        throw badInput(`the private key is not one kyman can read (${e instanceof Error ? e.message : String(e)})`, e);
      }
      return handleFor(key);
    },
    exportPrivateKey(key) {
      if (key.type === 'ml-dsa') return encodeMlDsaPrivateKey(mlDsaKeyOf(key));
      return u8(keyObjectOf(key).export({ format: 'der', type: 'pkcs8' }));
    },
    async sign(key, scheme, data) {
      if (scheme.type === 'ml-dsa') {
        const k = mlDsaKeyOf(key);
        if (k.parameterSet !== scheme.parameterSet) throw new Error(`an ${k.parameterSet} key cannot make ${scheme.parameterSet} signatures`);
        return mlDsaSign(k, data, random);
      }
      const { algorithm, options } = signOptions(scheme);
      return u8(nodeCrypto.sign(algorithm, data, { key: keyObjectOf(key), ...options } as nodeCrypto.SignKeyObjectInput));
    },
    verify(spki, scheme, data, signature) {
      if (scheme.type === 'ml-dsa') {
        let pub: ReturnType<typeof readMlDsaSpki>;
        try {
          pub = readMlDsaSpki(spki);
        } catch {
          return false;
        }
        return pub !== undefined && pub.parameterSet === scheme.parameterSet && mlDsaVerify(pub.parameterSet, pub.publicKey, data, signature);
      }
      const { algorithm, options } = signOptions(scheme);
      let key: nodeCrypto.KeyObject;
      try {
        key = publicKeyObject(spki);
      } catch {
        return false;
      }
      try {
        return nodeCrypto.verify(algorithm, data, { key, ...options } as nodeCrypto.VerifyKeyObjectInput, signature);
      } catch {
        return false;
      }
    },
  };
}

let defaultProvider: CryptoProvider | undefined;
/** The process-wide software provider. */
export function softwareProvider(): CryptoProvider {
  return (defaultProvider ??= createSoftwareProvider());
}
