// The software CryptoProvider: Node's crypto (OpenSSL inside) behind the provider interface.

import * as nodeCrypto from 'node:crypto';
import type {
  AeadAlgorithm,
  AeadKey,
  CbcCipher,
  CryptoProvider,
  HashAlgorithm,
  KeyExchangeGroup,
  KeyShare,
  KeySpec,
  NamedCurve,
  PrivateKeyHandle,
  SignatureScheme,
} from './provider.js';
import { rc2Cbc } from './rc2.js';

const NODE_HASH: Record<HashAlgorithm, string> = {
  MD5: 'md5',
  'SHA-1': 'sha1',
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
};

const HASH_LENGTH: Record<HashAlgorithm, number> = { MD5: 16, 'SHA-1': 20, 'SHA-256': 32, 'SHA-384': 48, 'SHA-512': 64 };
export const hashLength = (algorithm: HashAlgorithm): number => HASH_LENGTH[algorithm];

const NODE_CURVE: Record<NamedCurve, string> = { 'P-256': 'prime256v1', 'P-384': 'secp384r1', 'P-521': 'secp521r1' };
const CURVE_FROM_NODE: Record<string, NamedCurve> = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };

/** A software key: a Node KeyObject the handle carries privately. */
interface SoftwareKeyHandle extends PrivateKeyHandle {
  readonly provider: 'software';
  readonly keyObject: nodeCrypto.KeyObject;
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
 * SubjectPublicKeyInfo DER up to the public key, for the keys whose SPKI is that prefix and the
 * raw key: EC with an uncompressed point (RFC 5480 §2), Ed25519 (RFC 8410 §4).
 */
const SPKI_PREFIX: Record<NamedCurve | 'ed25519', Buffer> = {
  'P-256': Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex'),
  'P-384': Buffer.from('3076301006072a8648ce3d020106052b81040022036200', 'hex'),
  'P-521': Buffer.from('30819b301006072a8648ce3d020106052b8104002303818600', 'hex'),
  ed25519: Buffer.from('302a300506032b6570032100', 'hex'),
};

/**
 * A handle for a new EC or Ed25519 key, its SPKI put together from the public key's JWK: the same
 * bytes as handleFor's, without OpenSSL 3's DER encoder and key details, which cost ~200 µs a key
 * on this thread, several times the key generation itself.
 */
function newKeyHandle(spec: Exclude<KeySpec, { type: 'rsa' }>, publicKey: nodeCrypto.KeyObject, keyObject: nodeCrypto.KeyObject): SoftwareKeyHandle {
  const jwk = publicKey.export({ format: 'jwk' });
  const x = Buffer.from(jwk.x!, 'base64url');
  if (spec.type === 'ed25519') return { provider: 'software', type: 'ed25519', spki: u8(Buffer.concat([SPKI_PREFIX.ed25519, x])), extractable: true, keyObject };
  const point = [Uint8Array.of(4), x, Buffer.from(jwk.y!, 'base64url')];
  return { provider: 'software', type: 'ec', curve: spec.curve, spki: u8(Buffer.concat([SPKI_PREFIX[spec.curve], ...point])), extractable: true, keyObject };
}

function keyObjectOf(key: PrivateKeyHandle): nodeCrypto.KeyObject {
  const ko = (key as Partial<SoftwareKeyHandle>).keyObject;
  if (key.provider !== 'software' || !ko) throw new Error(`the ${key.provider} provider holds this key, not the software provider`);
  return ko;
}

function signOptions(scheme: SignatureScheme): { algorithm: string | null; options: Partial<nodeCrypto.SignKeyObjectInput> } {
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

const AEAD_NAME: Record<AeadAlgorithm, 'aes-128-gcm' | 'aes-256-gcm' | 'chacha20-poly1305'> = {
  'AES-128-GCM': 'aes-128-gcm',
  'AES-256-GCM': 'aes-256-gcm',
  'CHACHA20-POLY1305': 'chacha20-poly1305',
};
const TAG_LENGTH = 16;

function aeadKey(algorithm: AeadAlgorithm, key: Uint8Array): AeadKey {
  const name = AEAD_NAME[algorithm];
  const secret = nodeCrypto.createSecretKey(key);
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

const ECDH_CURVE: Record<Exclude<KeyExchangeGroup, 'x25519'>, string> = { secp256r1: 'prime256v1', secp384r1: 'secp384r1', secp521r1: 'secp521r1' };
/** PKCS #8 prefix of an X25519 private key (RFC 8410): the raw 32-byte scalar follows. */
const X25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

/** An X25519 key pair ready for one exchange: the private key, and the public key's 32 raw bytes. */
interface X25519Pair {
  readonly privateKey: nodeCrypto.KeyObject;
  readonly publicKey: Uint8Array;
}

/**
 * X25519 pairs made ahead of need in libuv's thread pool, so that a handshake on the main thread
 * only does the exchange: generating a pair costs about as much as the exchange itself. Each
 * pair is handed out once and dropped after its one exchange, exactly as one made on the spot
 * (RFC 8446 §4.2.8, RFC 7748 §6.1): the pool only moves the work earlier and onto another core.
 * It holds a handful, is filled when one is taken, and a taker finding it empty generates inline.
 */
const X25519_READY = 8;
const x25519Ready: X25519Pair[] = [];
let x25519Pending = 0;

/** The SPKI of an X25519 key is a fixed 12-byte prefix and the 32-byte key (RFC 8410 §4). */
const x25519Raw = (spki: Buffer): Uint8Array => u8(spki.subarray(spki.length - 32));

function refillX25519(): void {
  while (x25519Ready.length + x25519Pending < X25519_READY) {
    x25519Pending++;
    nodeCrypto.generateKeyPair('x25519', { publicKeyEncoding: { type: 'spki', format: 'der' } }, (err, publicKey, privateKey) => {
      x25519Pending--;
      if (!err) x25519Ready.push({ privateKey: privateKey as unknown as nodeCrypto.KeyObject, publicKey: x25519Raw(publicKey as unknown as Buffer) });
    });
  }
}

function freshX25519(): X25519Pair {
  const ready = x25519Ready.pop();
  refillX25519();
  if (ready) return ready;
  const { privateKey, publicKey } = nodeCrypto.generateKeyPairSync('x25519', { publicKeyEncoding: { type: 'spki', format: 'der' } });
  return { privateKey: privateKey as unknown as nodeCrypto.KeyObject, publicKey: x25519Raw(publicKey as unknown as Buffer) };
}

function keyShare(group: KeyExchangeGroup, privateKey?: Uint8Array): KeyShare {
  if (group === 'x25519') {
    // The peer's 32 raw bytes travel as JWK, not DER: OpenSSL 3's DER decoders cost about 80 µs a
    // key, JWK a few.
    let priv: nodeCrypto.KeyObject;
    let publicKey: Uint8Array;
    if (privateKey) {
      priv = nodeCrypto.createPrivateKey({ key: Buffer.concat([X25519_PKCS8_PREFIX, privateKey]), format: 'der', type: 'pkcs8' });
      publicKey = u8(Buffer.from(nodeCrypto.createPublicKey(priv).export({ format: 'jwk' }).x!, 'base64url'));
    } else {
      ({ privateKey: priv, publicKey } = freshX25519());
    }
    return {
      group,
      publicKey,
      deriveSecret(peer) {
        if (peer.length !== 32) throw new Error('an X25519 public key is 32 bytes');
        const x = Buffer.from(peer.buffer, peer.byteOffset, peer.byteLength).toString('base64url');
        const publicKey = nodeCrypto.createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x }, format: 'jwk' });
        const secret = u8(nodeCrypto.diffieHellman({ privateKey: priv, publicKey }));
        // RFC 7748 §6.1: an all-zero output means the peer sent a small-order point.
        if (secret.every((b) => b === 0)) throw new Error('X25519 produced the all-zero value');
        return secret;
      },
    };
  }
  const ecdh = nodeCrypto.createECDH(ECDH_CURVE[group]);
  if (privateKey) ecdh.setPrivateKey(privateKey);
  else ecdh.generateKeys();
  return {
    group,
    publicKey: u8(ecdh.getPublicKey(null, 'uncompressed')),
    deriveSecret: (peer) => u8(ecdh.computeSecret(peer)),
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
  return {
    name: 'software',
    random,
    hash: (algorithm, data) => u8(nodeCrypto.createHash(NODE_HASH[algorithm]).update(data).digest()),
    hmac: (algorithm, key, data) => u8(nodeCrypto.createHmac(NODE_HASH[algorithm], key).update(data).digest()),
    hkdfExtract: (algorithm, salt, ikm) =>
      u8(nodeCrypto.createHmac(NODE_HASH[algorithm], salt.length ? salt : new Uint8Array(HASH_LENGTH[algorithm])).update(ikm).digest()),
    hkdfExpand(algorithm, prk, info, length) {
      const h = NODE_HASH[algorithm];
      const out = new Uint8Array(length);
      let t: Uint8Array = new Uint8Array(0);
      let written = 0;
      for (let i = 1; written < length; i++) {
        t = u8(nodeCrypto.createHmac(h, prk).update(t).update(info).update(new Uint8Array([i])).digest());
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
    generateKeyShare: keyShare,
    async generateKeyPair(spec: KeySpec) {
      const generate = (type: string, opts: object) =>
        new Promise<nodeCrypto.KeyObject>((resolve, reject) =>
          nodeCrypto.generateKeyPair(type as 'ec', opts as nodeCrypto.ECKeyPairKeyObjectOptions, (err, _pub, priv) =>
            err ? reject(err) : resolve(priv),
          ),
        );
      switch (spec.type) {
        case 'rsa':
          return handleFor(await generate('rsa', { modulusLength: spec.bits, publicExponent: 0x10001 }));
        case 'ec':
          return handleFor(await generate('ec', { namedCurve: NODE_CURVE[spec.curve] }));
        case 'ed25519':
          return handleFor(await generate('ed25519', {}));
      }
    },
    async generateKeyPairs(spec: KeySpec, count: number) {
      if (spec.type === 'rsa') return Promise.all(Array.from({ length: count }, () => this.generateKeyPair(spec)));
      const options = spec.type === 'ec' ? { namedCurve: NODE_CURVE[spec.curve] } : {};
      const one = () =>
        new Promise<PrivateKeyHandle>((resolve, reject) =>
          nodeCrypto.generateKeyPair(spec.type as 'ec', options as nodeCrypto.ECKeyPairKeyObjectOptions, (err, pub, priv) => {
            try {
              if (err) throw err;
              resolve(newKeyHandle(spec, pub, priv));
            } catch (e) {
              reject(e);
            }
          }),
        );
      return Promise.all(Array.from({ length: count }, one));
    },
    importPrivateKey(pkcs8) {
      return handleFor(nodeCrypto.createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' }));
    },
    exportPrivateKey(key) {
      return u8(keyObjectOf(key).export({ format: 'der', type: 'pkcs8' }));
    },
    async sign(key, scheme, data) {
      const { algorithm, options } = signOptions(scheme);
      return u8(nodeCrypto.sign(algorithm, data, { key: keyObjectOf(key), ...options } as nodeCrypto.SignKeyObjectInput));
    },
    verify(spki, scheme, data, signature) {
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
    webcrypto: nodeCrypto.webcrypto as unknown as Crypto,
  };
}

let defaultProvider: CryptoProvider | undefined;
/** The process-wide software provider. */
export function softwareProvider(): CryptoProvider {
  return (defaultProvider ??= createSoftwareProvider());
}
