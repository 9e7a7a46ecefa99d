// The PKCS #11 CryptoProvider: private keys on a token, everything else from a fallback provider.

import { usage } from '../errors.js';
import * as DER from '../der/writer.js';
import { HASH_OID } from '../der/oids.js';
import type { AeadAlgorithm, AeadKey, CryptoProvider, HashAlgorithm, KeyExchangeGroup, KeyShare, KeySpec, NamedCurve, PrivateKeyHandle } from './provider.js';
import { classicalHalf, hybridKeyShare, isHybridGroup, MLKEM_SEED_LENGTH, type HybridGroup } from './hybrid-kem.js';
import { softwareProvider } from './software.js';
import { CKM_EC_EDWARDS_KEY_PAIR_GEN, CKM_EDDSA, P11, TokenSession, ckrOf, defaultModulePath, pkcs11Error, type Handle } from './pkcs11-module.js';
import {
  coordinateBytes,
  ecParams,
  generationFor,
  ML_DSA_ON_TOKEN,
  isPkcs11Key,
  keyHandleFor,
  privateKeyAttributes,
  privateValuesOf,
  publicKeyAttributes,
  readSpki,
  unwrapEcPoint,
  wrapEcPoint,
  type Pkcs11KeyHandle,
} from './pkcs11-keys.js';

export type Pkcs11Operation = 'sign' | 'keyAgreement' | 'aead';
export type Placement = 'token' | 'software';

export interface Pkcs11ProviderOptions {
  /** The PKCS #11 library; default `KYMAN_PKCS11_MODULE`, else SoftHSM2's where found. */
  module?: string;
  tokenLabel: string;
  /** The user PIN. */
  pin: string;
  /** Hashing, verification and whatever the token does not do; default the software provider. */
  fallback?: CryptoProvider;
  /** `sign` (default): only private-key operations on the token. `all`: key agreement and AEAD too, where the token can. */
  tokenOps?: 'sign' | 'all';
  /** Told when an operation falls back to software (also kept in `notices()`). */
  onNotice?: (message: string) => void;
}

export interface Pkcs11Provider extends CryptoProvider {
  readonly name: 'pkcs11';
  readonly module: string;
  readonly tokenLabel: string;
  /** The logged-in token, for the key store that shares it. */
  readonly token: TokenSession;
  /** Where each kind of operation runs. */
  placement(): Record<Pkcs11Operation, Placement>;
  /** Every fallback to software so far, once each. */
  notices(): readonly string[];
  /** Generates a key pair on the token with this CKA_LABEL (and a CKA_ID from its public key). */
  generateTokenKeyPair(spec: KeySpec, label: string): Promise<Pkcs11KeyHandle>;
  /** Copies a software key onto the token with this CKA_LABEL: unextractable and sensitive from then on. */
  importTokenKey(pkcs8: Uint8Array, label: string): Pkcs11KeyHandle;
  /** Logs out and closes this provider's sessions; the module is finalized when its last user closes. */
  close(): void;
}


const PSS_HASH: Partial<Record<HashAlgorithm, { hashAlg: number; mgf: number }>> = {
  'SHA-1': { hashAlg: P11.CKM_SHA_1, mgf: P11.CKG_MGF1_SHA1 },
  'SHA-256': { hashAlg: P11.CKM_SHA256, mgf: P11.CKG_MGF1_SHA256 },
  'SHA-384': { hashAlg: P11.CKM_SHA384, mgf: P11.CKG_MGF1_SHA384 },
  'SHA-512': { hashAlg: P11.CKM_SHA512, mgf: P11.CKG_MGF1_SHA512 },
};

const GROUP_CURVE: Partial<Record<KeyExchangeGroup, NamedCurve>> = { secp256r1: 'P-256', secp384r1: 'P-384' };

/** The groups whose key agreement a token does (CKM_ECDH1_DERIVE on the NIST curves). */
export const TOKEN_GROUPS = Object.keys(GROUP_CURVE) as readonly KeyExchangeGroup[];

/** RFC 8017 §9.2: DigestInfo ::= SEQUENCE { digestAlgorithm (the hash's OID, NULL parameters), digest OCTET STRING }, what CKM_RSA_PKCS signs. */
export function digestInfo(hash: HashAlgorithm, digest: Uint8Array): Buffer {
  return Buffer.from(DER.sequence(DER.sequence(DER.oid(HASH_OID[hash]), DER.NULL), DER.octetString(digest)));
}

/** CKM_ECDSA returns r‖s (PKCS #11 2.40 §2.3.1); X.509 and TLS want Ecdsa-Sig-Value (RFC 3279 §2.2.3). */
export function ecdsaRawToDer(raw: Uint8Array): Uint8Array {
  const n = raw.length / 2;
  return DER.sequence(DER.unsignedInteger(raw.subarray(0, n)), DER.unsignedInteger(raw.subarray(n)));
}

/** Opens a token as a CryptoProvider. */
export function createPkcs11Provider(options: Pkcs11ProviderOptions): Pkcs11Provider {
  const module = defaultModulePath(options.module);
  const fallback = options.fallback ?? softwareProvider();
  const token = TokenSession.open(module, options.tokenLabel, options.pin);
  const all = options.tokenOps === 'all';
  const notices: string[] = [];
  const notice = (message: string) => {
    if (notices.includes(message)) return;
    notices.push(message);
    options.onNotice?.(message);
  };
  const has = (m: number) => token.has(m);

  const ecdhOnToken = all && has(P11.CKM_ECDH1_DERIVE) && has(P11.CKM_EC_KEY_PAIR_GEN);
  const gcmOnToken = all && has(P11.CKM_AES_GCM);
  if (all && !ecdhOnToken) notice(`token "${token.label}" lacks CKM_ECDH1_DERIVE: key agreement runs in software`);
  if (all && !gcmOnToken) notice(`token "${token.label}" lacks CKM_AES_GCM: record protection runs in software`);

  const keyIdFor = (spki: Uint8Array) => {
    // CKA_ID as OpenSC and most tools set it: SHA-1 of the public key, so a key, its public
    // object and its certificate pair up whoever made them.
    const k = readSpki(spki);
    return fallback.hash('SHA-1', k.point ?? k.modulus!);
  };

  function ownKey(key: PrivateKeyHandle): Pkcs11KeyHandle {
    if (!isPkcs11Key(key) || key.token !== token.label) throw usage(`key ${key.provider === 'pkcs11' ? `on token "${(key as Pkcs11KeyHandle).token}"` : `from the ${key.provider} provider`} is not on token "${token.label}"`);
    return key;
  }

  function signOnToken(key: Pkcs11KeyHandle, mechanism: { mechanism: number; parameter?: unknown }, input: Uint8Array, outLength: number): Buffer {
    return token.run(`signing with "${key.label}" on token "${token.label}"`, (s, lib) => {
      lib.C_SignInit(s, mechanism as never, key.object);
      return lib.C_Sign(s, Buffer.from(input), Buffer.alloc(outLength));
    });
  }

  function requireMechanism(mechanism: number, name: string) {
    if (!has(mechanism)) throw usage(`token "${token.label}" has no ${name} mechanism`);
  }

  async function generateTokenKeyPair(spec: KeySpec, label: string): Promise<Pkcs11KeyHandle> {
    const g = generationFor(spec);
    if (spec.type === 'ed25519' && !has(CKM_EC_EDWARDS_KEY_PAIR_GEN)) throw usage(`token "${token.label}" cannot make Ed25519 keys (no CKM_EC_EDWARDS_KEY_PAIR_GEN)`);
    requireMechanism(g.mechanism, 'key-pair generation');
    // A temporary CKA_ID: the real one is the public key's hash, known only after generation.
    const tempId = Buffer.from(fallback.random(20));
    const keys = token.run(`generating a key pair on token "${token.label}"`, (s, lib) =>
      lib.C_GenerateKeyPair(s, { mechanism: g.mechanism }, [...publicKeyAttributes(tempId, label), ...g.publicTemplate], privateKeyAttributes(tempId, label)),
    );
    const handle = keyHandleFor(token, keys.privateKey);
    const id = Buffer.from(keyIdFor(handle.spki));
    token.run('setting the key id', (s, lib) => {
      lib.C_SetAttributeValue(s, keys.privateKey, [{ type: P11.CKA_ID, value: id }]);
      lib.C_SetAttributeValue(s, keys.publicKey, [{ type: P11.CKA_ID, value: id }]);
    });
    return { ...handle, id: new Uint8Array(id) };
  }

  function importTokenKey(pkcs8: Uint8Array, label: string): Pkcs11KeyHandle {
    const software = fallback.importPrivateKey(pkcs8);
    const { keyType, values } = privateValuesOf(pkcs8);
    const id = Buffer.from(keyIdFor(software.spki));
    const pub = readSpki(software.spki);
    const publicValues =
      pub.type === 'rsa'
        ? [
            { type: P11.CKA_MODULUS, value: pub.modulus! },
            { type: P11.CKA_PUBLIC_EXPONENT, value: pub.exponent! },
          ]
        : [
            { type: P11.CKA_EC_PARAMS, value: values.find((v) => v.type === P11.CKA_EC_PARAMS)!.value },
            { type: P11.CKA_EC_POINT, value: wrapEcPoint(pub.point!) },
          ];
    const object = token.run(`storing a key on token "${token.label}"`, (s, lib) => {
      const priv = lib.C_CreateObject(s, [...privateKeyAttributes(id, label), { type: P11.CKA_KEY_TYPE, value: keyType }, ...values]);
      lib.C_CreateObject(s, [...publicKeyAttributes(id, label), { type: P11.CKA_KEY_TYPE, value: keyType }, ...publicValues]);
      return priv;
    });
    return keyHandleFor(token, object, software.spki);
  }

  function tokenKeyShare(group: KeyExchangeGroup, curve: NamedCurve): KeyShare {
    const pointLength = 2 * coordinateBytes(curve) + 1;
    const pair = token.run(`generating an ephemeral ${curve} key on token "${token.label}"`, (s, lib) =>
      lib.C_GenerateKeyPair(
        s,
        { mechanism: P11.CKM_EC_KEY_PAIR_GEN },
        [
          { type: P11.CKA_TOKEN, value: false },
          { type: P11.CKA_EC_PARAMS, value: ecParams(curve) },
        ],
        [
          { type: P11.CKA_TOKEN, value: false },
          { type: P11.CKA_SENSITIVE, value: true },
          { type: P11.CKA_DERIVE, value: true },
        ],
      ),
    );
    const point = token.attributes(pair.publicKey, [P11.CKA_EC_POINT]).get(P11.CKA_EC_POINT);
    const publicKey = new Uint8Array(unwrapEcPoint(point!, pointLength));
    // Session objects, gone when the session closes; destroyed as soon as they are used up.
    const destroy = (objects: Handle[]) =>
      token.run('destroying an ephemeral key', (s, lib) => {
        for (const o of objects) lib.C_DestroyObject(s, o);
      });
    destroy([pair.publicKey]);
    let used = false;
    return {
      group,
      publicKey,
      deriveSecret(peer) {
        if (used) throw usage('an ephemeral key share derives one secret only');
        if (peer.length !== pointLength || peer[0] !== 4) throw usage(`the peer's ${group} share is not an uncompressed ${pointLength}-byte point`);
        used = true;
        try {
          return token.run(`ECDH on token "${token.label}"`, (s, lib) => {
            const secret = lib.C_DeriveKey(
              s,
              { mechanism: P11.CKM_ECDH1_DERIVE, parameter: { type: P11.CK_PARAMS_EC_DH, kdf: P11.CKD_NULL, publicData: Buffer.from(peer) } as never },
              pair.privateKey,
              [
                { type: P11.CKA_CLASS, value: P11.CKO_SECRET_KEY },
                { type: P11.CKA_KEY_TYPE, value: P11.CKK_GENERIC_SECRET },
                { type: P11.CKA_TOKEN, value: false },
                { type: P11.CKA_SENSITIVE, value: false },
                { type: P11.CKA_EXTRACTABLE, value: true },
                { type: P11.CKA_VALUE_LEN, value: coordinateBytes(curve) },
              ],
            );
            try {
              const [v] = lib.C_GetAttributeValue(s, secret, [{ type: P11.CKA_VALUE }]);
              return new Uint8Array(v.value);
            } finally {
              lib.C_DestroyObject(s, secret);
            }
          });
        } finally {
          destroy([pair.privateKey]);
        }
      },
    };
  }

  /** GCM tags are 16 bytes in every TLS suite kyman speaks (RFC 5288, RFC 8446 §5.3). */
  const GCM_TAG_BYTES = 16;

  function tokenAead(algorithm: AeadAlgorithm, key: Uint8Array): AeadKey {
    const object = token.run(`loading an AES key on token "${token.label}"`, (s, lib) =>
      lib.C_CreateObject(s, [
        { type: P11.CKA_CLASS, value: P11.CKO_SECRET_KEY },
        { type: P11.CKA_KEY_TYPE, value: P11.CKK_AES },
        { type: P11.CKA_TOKEN, value: false },
        { type: P11.CKA_ENCRYPT, value: true },
        { type: P11.CKA_DECRYPT, value: true },
        { type: P11.CKA_VALUE, value: Buffer.from(key) },
      ]),
    );
    const gcm = (nonce: Uint8Array, aad: Uint8Array) => ({
      mechanism: P11.CKM_AES_GCM,
      parameter: { type: P11.CK_PARAMS_AES_GCM, iv: Buffer.from(nonce), aad: Buffer.from(aad), ivBits: nonce.length * 8, tagBits: GCM_TAG_BYTES * 8 },
    });
    return {
      algorithm,
      seal(nonce, aad, plaintext) {
        return token.run('AES-GCM seal on the token', (s, lib) => {
          lib.C_EncryptInit(s, gcm(nonce, aad) as never, object);
          return new Uint8Array(lib.C_Encrypt(s, Buffer.from(plaintext), Buffer.alloc(plaintext.length + GCM_TAG_BYTES)));
        });
      },
      open(nonce, aad, ciphertext) {
        const session = token.acquire();
        let plain: Uint8Array;
        try {
          token.lib.C_DecryptInit(session, gcm(nonce, aad) as never, object);
          plain = new Uint8Array(token.lib.C_Decrypt(session, Buffer.from(ciphertext), Buffer.alloc(ciphertext.length)));
          token.release(session);
        } catch (error) {
          // A failed operation may leave the session in a state no one should inherit.
          token.discard(session);
          // A tag that does not verify is CKR_ENCRYPTED_DATA_INVALID (or _LEN_RANGE when short);
          // SoftHSM2 2.6 says CKR_GENERAL_ERROR for it.
          const code = ckrOf(error);
          if (code === P11.CKR_ENCRYPTED_DATA_INVALID || code === P11.CKR_ENCRYPTED_DATA_LEN_RANGE || code === P11.CKR_GENERAL_ERROR) return null;
          throw pkcs11Error('AES-GCM open on the token', error);
        }
        return plain;
      },
    };
  }

  const provider: Pkcs11Provider = {
    name: 'pkcs11',
    module,
    tokenLabel: token.label,
    token,
    random: (n) => fallback.random(n),
    hash: (a, d) => fallback.hash(a, d),
    ...(fallback.runningHash && { runningHash: (a: HashAlgorithm) => fallback.runningHash!(a) }),
    hmac: (a, k, d) => fallback.hmac(a, k, d),
    hkdfExtract: (a, s, i) => fallback.hkdfExtract(a, s, i),
    hkdfExpand: (a, p, i, l) => fallback.hkdfExpand(a, p, i, l),
    pbkdf2: (a, p, s, i, l) => fallback.pbkdf2(a, p, s, i, l),
    cbc: (c, k, iv, d, dir, e) => fallback.cbc(c, k, iv, d, dir, e),
    aead(algorithm, key) {
      // CKM_AES_GCM is the one record mechanism used on the token; ChaCha20-Poly1305 and AES-CCM run in software.
      if (gcmOnToken && (algorithm === 'AES-128-GCM' || algorithm === 'AES-256-GCM')) return tokenAead(algorithm, key);
      if (gcmOnToken) notice(`${algorithm} is not a token mechanism: it runs in software`);
      return fallback.aead(algorithm, key);
    },
    cbcKey(algorithm, key) {
      if (all) notice(`${algorithm} record protection is not done on the token: it runs in software`);
      return fallback.cbcKey(algorithm, key);
    },
    // Asked to agree keys on the token: the engine then offers only the groups it can do there
    // (a client that sent another share gets a HelloRetryRequest).
    ...(ecdhOnToken ? { preferredGroups: TOKEN_GROUPS } : {}),
    generateKeyShare(group, privateKey) {
      if (isHybridGroup(group)) {
        // The hybrid's ECDH half is asked of this provider (the token, for P-256 and P-384); ML-KEM has no PKCS #11 mechanism here and runs in software.
        if (ecdhOnToken) notice(`ML-KEM (of ${group}) is not done on the token: it runs in software`);
        const scalar = privateKey && privateKey.length > MLKEM_SEED_LENGTH ? privateKey.subarray(MLKEM_SEED_LENGTH) : undefined;
        return hybridKeyShare(group, (g) => provider.generateKeyShare(g, scalar), (n) => fallback.random(n), privateKey?.subarray(0, MLKEM_SEED_LENGTH));
      }
      const curve = GROUP_CURVE[group];
      if (ecdhOnToken && curve && !privateKey) return tokenKeyShare(group, curve);
      if (ecdhOnToken && !curve) notice(`${group} key agreement is not done on the token: it runs in software`);
      return fallback.generateKeyShare(group, privateKey);
    },
    generateKeyPair: (spec) => generateTokenKeyPair(spec, `kyman-${Date.now().toString(36)}`),
    generateTokenKeyPair,
    importPrivateKey: (pkcs8) => importTokenKey(pkcs8, `kyman-${Date.now().toString(36)}`),
    importTokenKey,
    exportPrivateKey(key) {
      if (key.provider === 'pkcs11') throw usage('keys on a token never leave it');
      return fallback.exportPrivateKey(key);
    },
    async sign(key, scheme, data) {
      if (key.provider !== 'pkcs11') return fallback.sign(key, scheme, data);
      const k = ownKey(key);
      switch (scheme.type) {
        case 'ecdsa': {
          if (k.type !== 'ec' || !k.curve) throw usage(`ECDSA needs an EC key; "${k.label}" is ${k.type}`);
          requireMechanism(P11.CKM_ECDSA, 'CKM_ECDSA');
          const raw = signOnToken(k, { mechanism: P11.CKM_ECDSA }, fallback.hash(scheme.hash, data), 2 * coordinateBytes(k.curve));
          return ecdsaRawToDer(raw);
        }
        case 'rsa-pkcs1': {
          if (k.type !== 'rsa' || !k.bits) throw usage(`RSA PKCS #1 v1.5 needs an RSA key; "${k.label}" is ${k.type}`);
          requireMechanism(P11.CKM_RSA_PKCS, 'CKM_RSA_PKCS');
          return new Uint8Array(signOnToken(k, { mechanism: P11.CKM_RSA_PKCS }, digestInfo(scheme.hash, fallback.hash(scheme.hash, data)), Math.ceil(k.bits! / 8)));
        }
        case 'rsa-pss': {
          if (k.type !== 'rsa' || !k.bits) throw usage(`RSA-PSS needs an RSA key; "${k.label}" is ${k.type}`);
          requireMechanism(P11.CKM_RSA_PKCS_PSS, 'CKM_RSA_PKCS_PSS');
          const h = PSS_HASH[scheme.hash];
          if (!h) throw usage(`RSA-PSS with ${scheme.hash} is not supported`);
          const parameter = { type: P11.CK_PARAMS_RSA_PSS, hashAlg: h.hashAlg, mgf: h.mgf, saltLen: scheme.saltLength };
          return new Uint8Array(signOnToken(k, { mechanism: P11.CKM_RSA_PKCS_PSS, parameter }, fallback.hash(scheme.hash, data), Math.ceil(k.bits! / 8)));
        }
        case 'ed25519':
          if (k.type !== 'ed25519') throw usage(`Ed25519 signing needs an Ed25519 key; "${k.label}" is ${k.type}`);
          requireMechanism(CKM_EDDSA, 'CKM_EDDSA');
          return new Uint8Array(signOnToken(k, { mechanism: CKM_EDDSA }, data, 64));
        case 'ml-dsa':
          throw usage(ML_DSA_ON_TOKEN);
      }
    },
    verify: (spki, scheme, data, signature) => fallback.verify(spki, scheme, data, signature),
    placement: () => ({ sign: 'token', keyAgreement: ecdhOnToken ? 'token' : 'software', aead: gcmOnToken ? 'token' : 'software' }),
    notices: () => notices,
    close: () => token.close(),
  };
  return provider;
}

export type { Pkcs11KeyHandle } from './pkcs11-keys.js';

/** Where a provider runs each kind of operation, for a handshake's summary. */
export interface KeyOperations {
  provider: string;
  /** The token's label, when a token does some of the work. */
  token?: string;
  placement: Record<Pkcs11Operation, Placement>;
  /** Each fallback to software, once. */
  notices: readonly string[];
}

const isPkcs11Provider = (p: CryptoProvider): p is Pkcs11Provider => p.name === 'pkcs11' && typeof (p as Partial<Pkcs11Provider>).placement === 'function';

/** Where `provider` runs signing, key agreement and record protection. */
export function keyOperationsOf(provider: CryptoProvider): KeyOperations {
  if (isPkcs11Provider(provider)) return { provider: provider.name, token: provider.tokenLabel, placement: provider.placement(), notices: provider.notices() };
  return { provider: provider.name, placement: { sign: 'software', keyAgreement: 'software', aead: 'software' }, notices: [] };
}


/**
 * Where one handshake's operations ran, from what it agreed: key agreement only for a group the
 * token does (for a hybrid, its ECDH half), record protection only for an AES-GCM suite, and no
 * signing on a resumption. A hybrid adds `kem`: ML-KEM, always in software.
 */
export function keyOperationsFor(
  ops: KeyOperations,
  agreed: { group?: string; cipherSuite: string; resumed?: boolean },
): Record<Pkcs11Operation, Placement | 'none'> & { kem?: 'software' } {
  const hybrid = agreed.group !== undefined && isHybridGroup(agreed.group);
  const exchanged = hybrid ? classicalHalf(agreed.group as HybridGroup) : agreed.group;
  const groupOnToken = TOKEN_GROUPS.includes(exchanged as KeyExchangeGroup);
  return {
    sign: agreed.resumed ? 'none' : ops.placement.sign,
    keyAgreement: !agreed.group || agreed.group === 'none' ? 'none' : ops.placement.keyAgreement === 'token' && groupOnToken ? 'token' : 'software',
    aead: ops.placement.aead === 'token' && /_GCM_/.test(agreed.cipherSuite) ? 'token' : 'software',
    ...(hybrid ? { kem: 'software' as const } : {}),
  };
}
