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
  describe('what it writes, byte for byte', () => {
    // Recorded from an earlier release, which wrote these through the schema classes.
    const point = (length: number, step: number) => {
      const p = Uint8Array.from({ length }, (_, i) => (i * step + (step === 1 ? 1 : 0)) & 0xff);
      p[0] = 4;
      return p;
    };
    const p256 = point(65, 1);
    const p521 = point(133, 7);
    const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

    it('CKA_EC_PARAMS of each curve', () => {
      assert.equal(hex(ecParams('P-256')), '06082a8648ce3d030107');
      assert.equal(hex(ecParams('P-384')), '06052b81040022');
      assert.equal(hex(ecParams('P-521')), '06052b81040023');
    });

    it('CKA_EC_POINT, short and long form lengths', () => {
      assert.equal(hex(wrapEcPoint(p256)), '04410402030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f4041');
      assert.equal(hex(wrapEcPoint(p521)), '04818504070e151c232a31383f464d545b626970777e858c939aa1a8afb6bdc4cbd2d9e0e7eef5fc030a11181f262d343b424950575e656c737a81888f969da4abb2b9c0c7ced5dce3eaf1f8ff060d141b222930373e454c535a61686f767d848b9299a0a7aeb5bcc3cad1d8dfe6edf4fb020910171e252c333a41484f565d646b727980878e959c');
    });

    it('EC and Ed25519 SubjectPublicKeyInfos', () => {
      assert.equal(hex(ecSpki('P-256', p256)), '3059301306072a8648ce3d020106082a8648ce3d0301070342000402030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f4041');
      assert.equal(hex(ecSpki('P-521', p521)), '30819b301006072a8648ce3d020106052b810400230381860004070e151c232a31383f464d545b626970777e858c939aa1a8afb6bdc4cbd2d9e0e7eef5fc030a11181f262d343b424950575e656c737a81888f969da4abb2b9c0c7ced5dce3eaf1f8ff060d141b222930373e454c535a61686f767d848b9299a0a7aeb5bcc3cad1d8dfe6edf4fb020910171e252c333a41484f565d646b727980878e959c');
      assert.equal(hex(ed25519Spki(new Uint8Array(32).fill(9))), '302a300506032b65700321000909090909090909090909090909090909090909090909090909090909090909');
    });

    it('RSA SubjectPublicKeyInfos, with and without a zero octet before a top bit', () => {
      const high = Uint8Array.from({ length: 256 }, (_, i) => (i * 13 + 200) & 0xff);
      high[0] = 0xc1;
      const low = Uint8Array.from({ length: 128 }, (_, i) => (i * 5 + 1) & 0xff);
      low[0] = 0x41;
      assert.equal(hex(rsaSpki(high, Uint8Array.of(1, 0, 1))), '30820122300d06092a864886f70d01010105000382010f003082010a0282010100c1d5e2effc091623303d4a5764717e8b98a5b2bfccd9e6f3000d1a2734414e5b6875828f9ca9b6c3d0ddeaf704111e2b3845525f6c798693a0adbac7d4e1eefb0815222f3c495663707d8a97a4b1becbd8e5f2ff0c192633404d5a6774818e9ba8b5c2cfdce9f603101d2a3744515e6b7885929facb9c6d3e0edfa0714212e3b4855626f7c8996a3b0bdcad7e4f1fe0b1825323f4c596673808d9aa7b4c1cedbe8f5020f1c293643505d6a7784919eabb8c5d2dfecf90613202d3a4754616e7b8895a2afbcc9d6e3f0fd0a1724313e4b5865727f8c99a6b3c0cddae7f4010e1b2835424f5c697683909daab7c4d1deebf805121f2c394653606d7a8794a1aebb0203010001');
      assert.equal(hex(rsaSpki(low, Uint8Array.of(3))), '30819c300d06092a864886f70d010101050003818a0030818602818041060b10151a1f24292e33383d42474c51565b60656a6f74797e83888d92979ca1a6abb0b5babfc4c9ced3d8dde2e7ecf1f6fb00050a0f14191e23282d32373c41464b50555a5f64696e73787d82878c91969ba0a5aaafb4b9bec3c8cdd2d7dce1e6ebf0f5faff04090e13181d22272c31363b40454a4f54595e63686d72777c020103');
      assert.equal(hex(rsaSpki(Uint8Array.of(0x80, 1), Uint8Array.of(0x80))), '301d300d06092a864886f70d0101010500030c003009020300800102020080');
    });

    it('an EC key whose curve is named only inside its ECPrivateKey', () => {
      // PrivateKeyInfo { 0, { id-ecPublicKey }, ECPrivateKey { 1, 32 × 05, [0] prime256v1 } }
      const pkcs8 = Buffer.from('3043020100300906072a8648ce3d020104333031020101' + '0420' + '05'.repeat(32) + 'a00a06082a8648ce3d030107', 'hex');
      assert.deepEqual(privateValuesOf(pkcs8).values.map((v) => hex(v.value)), ['06082a8648ce3d030107', '0505050505050505050505050505050505050505050505050505050505050505']);
    });
  });
});
