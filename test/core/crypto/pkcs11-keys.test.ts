// Token key objects without a token: templates, public keys rebuilt from token attributes, PKCS #8 taken apart.

import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { KymanError } from '../../../src/core/errors.js';
import type { NamedCurve } from '../../../src/core/crypto/provider.js';
import {
  curveOfParams,
  ecParams,
  ecSpki,
  ED25519_PARAMS,
  ed25519Spki,
  generationFor,
  isPkcs11Key,
  privateKeyAttributes,
  privateValuesOf,
  publicKeyAttributes,
  readSpki,
  rsaSpki,
  unwrapEcPoint,
  wrapEcPoint,
} from '../../../src/core/crypto/pkcs11-keys.js';
import { CKK_EC_EDWARDS, CKM_EC_EDWARDS_KEY_PAIR_GEN, P11 } from '../../../src/core/crypto/pkcs11-module.js';
import { createSoftwareProvider } from '../../../src/core/crypto/software.js';

const provider = createSoftwareProvider();
const jwk = (pkcs8: Uint8Array) => createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' }).export({ format: 'jwk' });
const b64 = (s: string | undefined) => Buffer.from(s!, 'base64url');
const spkiOf = (k: KeyObject) => new Uint8Array(k.export({ format: 'der', type: 'spki' }));
const code = (c: string) => (e: unknown) => e instanceof KymanError && e.code === c;

describe('PKCS #11 key objects', () => {
  for (const curve of ['P-256', 'P-384', 'P-521'] as NamedCurve[]) {
    it(`${curve}: the SubjectPublicKeyInfo rebuilt from CKA_EC_PARAMS and CKA_EC_POINT is OpenSSL's`, async () => {
      const key = await provider.generateKeyPair({ type: 'ec', curve });
      const read = readSpki(key.spki);
      assert.equal(read.type, 'ec');
      assert.equal(read.curve, curve);
      assert.equal(curveOfParams(ecParams(curve)), curve);
      const point = unwrapEcPoint(wrapEcPoint(read.point!), read.point!.length);
      assert.deepEqual(ecSpki(curve, point), key.spki);
    });
  }

  it('Ed25519: the RFC 8410 parameters, and the SubjectPublicKeyInfo rebuilt from the point', async () => {
    const key = await provider.generateKeyPair({ type: 'ed25519' });
    const read = readSpki(key.spki);
    assert.equal(read.type, 'ed25519');
    assert.equal(curveOfParams(ED25519_PARAMS), 'ed25519');
    assert.deepEqual(ed25519Spki(read.point!), key.spki);
  });

  it('RSA: the size in bits, and the SubjectPublicKeyInfo rebuilt from the modulus and exponent, leading zero and all', async () => {
    const key = await provider.generateKeyPair({ type: 'rsa', bits: 2048 });
    const read = readSpki(key.spki);
    assert.deepEqual([read.type, read.bits], ['rsa', 2048]);
    assert.equal(read.modulus!.length, 256, 'no sign byte');
    assert.deepEqual([...read.exponent!], [1, 0, 1]);
    assert.deepEqual(rsaSpki(read.modulus!, read.exponent!), key.spki);
  });

  it('keys a token cannot hold are USAGE; parameters it does not know are no curve', () => {
    const k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey;
    assert.throws(() => readSpki(spkiOf(k1)), (e: unknown) => code('USAGE')(e) && /not one kyman puts on a token/.test((e as Error).message));
    assert.throws(() => readSpki(spkiOf(generateKeyPairSync('x25519').publicKey)), code('USAGE'));
    assert.equal(curveOfParams(Buffer.from('0605', 'hex')), undefined, 'cut short');
    assert.equal(curveOfParams(Buffer.from('06052b8104000a', 'hex')), undefined, 'secp256k1');
  });

  it('takes a bare or a wrapped CKA_EC_POINT, and refuses a point of the wrong size as BAD_INPUT', () => {
    const point = Buffer.alloc(65, 4);
    assert.deepEqual(unwrapEcPoint(point, 65), point);
    assert.deepEqual(unwrapEcPoint(wrapEcPoint(point), 65), point);
    assert.throws(() => unwrapEcPoint(wrapEcPoint(point), 97), code('BAD_INPUT'));
    assert.throws(() => unwrapEcPoint(Buffer.alloc(10), 65), code('BAD_INPUT'));
  });

  it('a private key stays on the token, sensitive and never extractable; its public key is public', () => {
    const attrs = new Map(privateKeyAttributes(Uint8Array.of(1, 2), 'web').map((a) => [a.type, a.value]));
    assert.equal(attrs.get(P11.CKA_CLASS), P11.CKO_PRIVATE_KEY);
    assert.equal(attrs.get(P11.CKA_TOKEN), true);
    assert.equal(attrs.get(P11.CKA_PRIVATE), true);
    assert.equal(attrs.get(P11.CKA_SENSITIVE), true);
    assert.equal(attrs.get(P11.CKA_EXTRACTABLE), false);
    assert.deepEqual(attrs.get(P11.CKA_ID), Buffer.of(1, 2));
    assert.equal(attrs.get(P11.CKA_LABEL), 'web');
    const pub = new Map(publicKeyAttributes(Uint8Array.of(1, 2), 'web').map((a) => [a.type, a.value]));
    assert.equal(pub.get(P11.CKA_CLASS), P11.CKO_PUBLIC_KEY);
    assert.equal(pub.get(P11.CKA_PRIVATE), false);
    assert.deepEqual(pub.get(P11.CKA_ID), Buffer.of(1, 2), 'the pair shares its CKA_ID');
  });

  it('names the generation mechanism and public template for each key spec', () => {
    const ec = generationFor({ type: 'ec', curve: 'P-384' });
    assert.deepEqual([ec.mechanism, ec.keyType], [P11.CKM_EC_KEY_PAIR_GEN, P11.CKK_EC]);
    assert.deepEqual(ec.publicTemplate, [{ type: P11.CKA_EC_PARAMS, value: ecParams('P-384') }]);
    const rsa = generationFor({ type: 'rsa', bits: 3072 });
    assert.deepEqual([rsa.mechanism, rsa.keyType], [P11.CKM_RSA_PKCS_KEY_PAIR_GEN, P11.CKK_RSA]);
    assert.deepEqual(rsa.publicTemplate, [
      { type: P11.CKA_MODULUS_BITS, value: 3072 },
      { type: P11.CKA_PUBLIC_EXPONENT, value: Buffer.from([1, 0, 1]) },
    ]);
    const ed = generationFor({ type: 'ed25519' });
    assert.deepEqual([ed.mechanism, ed.keyType], [CKM_EC_EDWARDS_KEY_PAIR_GEN, CKK_EC_EDWARDS]);
  });

  it('takes a software key\'s PKCS #8 apart into the token attributes that hold its private values', async () => {
    const ec = await provider.generateKeyPair({ type: 'ec', curve: 'P-256' });
    const ecValues = privateValuesOf(provider.exportPrivateKey(ec));
    const ecMap = new Map(ecValues.values.map((v) => [v.type, v.value]));
    assert.equal(ecValues.keyType, P11.CKK_EC);
    assert.deepEqual(ecMap.get(P11.CKA_EC_PARAMS), ecParams('P-256'));
    assert.deepEqual(ecMap.get(P11.CKA_VALUE), b64(jwk(provider.exportPrivateKey(ec)).d));

    const ed = await provider.generateKeyPair({ type: 'ed25519' });
    const edValues = privateValuesOf(provider.exportPrivateKey(ed));
    assert.equal(edValues.keyType, CKK_EC_EDWARDS);
    assert.deepEqual(new Map(edValues.values.map((v) => [v.type, v.value])).get(P11.CKA_VALUE), b64(jwk(provider.exportPrivateKey(ed)).d));

    const rsa = await provider.generateKeyPair({ type: 'rsa', bits: 2048 });
    const rsaJwk = jwk(provider.exportPrivateKey(rsa));
    const rsaMap = new Map(privateValuesOf(provider.exportPrivateKey(rsa)).values.map((v) => [v.type, v.value]));
    assert.deepEqual(rsaMap.get(P11.CKA_MODULUS), b64(rsaJwk.n));
    assert.deepEqual(rsaMap.get(P11.CKA_PUBLIC_EXPONENT), b64(rsaJwk.e));
    assert.deepEqual(rsaMap.get(P11.CKA_PRIVATE_EXPONENT), b64(rsaJwk.d));
    assert.deepEqual(rsaMap.get(P11.CKA_PRIME_1), b64(rsaJwk.p));
    assert.deepEqual(rsaMap.get(P11.CKA_COEFFICIENT), b64(rsaJwk.qi));

    const x25519 = new Uint8Array(generateKeyPairSync('x25519').privateKey.export({ format: 'der', type: 'pkcs8' }));
    assert.throws(() => privateValuesOf(x25519), code('USAGE'));
  });

  it('tells a token key handle from a software one', async () => {
    const soft = await provider.generateKeyPair({ type: 'ed25519' });
    assert.equal(isPkcs11Key(soft), false);
    assert.equal(isPkcs11Key({ ...soft, provider: 'pkcs11' }), false, 'a token key has an object handle');
    assert.equal(isPkcs11Key({ ...soft, provider: 'pkcs11', object: Buffer.alloc(8) } as never), true);
  });
});
