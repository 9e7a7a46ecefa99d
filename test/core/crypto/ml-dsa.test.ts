// Known answers for the ML-DSA encodings: the example keys and certificates of the LAMPS document (RFC 9881), read and written back.

import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import { decodeMlDsaPrivateKey, encodeMlDsaPrivateKey, encodeMlDsaSpki, mlDsaKeyFromSeed, mlDsaSign, mlDsaVerify, readMlDsaSpki } from '../../../src/core/crypto/ml-dsa.js';
import { createSoftwareProvider } from '../../../src/core/crypto/software.js';
import { ML_DSA_PARAMETER_SETS, parseKeySpec, type MlDsaParameterSet } from '../../../src/core/crypto/provider.js';
import { KymanError } from '../../../src/core/errors.js';
import { decodePem } from '../../../src/core/pki/pem.js';
import { fixtureBytes } from '../../helpers/fixtures.js';

const pem = (name: string) => decodePem(fixtureBytes(`lamps-ml-dsa/${name}`))[0].der;
/** The examples' keys are made from the seed 00 01 … 1f. */
const EXAMPLE_SEED = Uint8Array.from({ length: 32 }, (_, i) => i);

function throwsBadInput(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof KymanError && e.code === 'BAD_INPUT' && message.test(e.message));
}

describe('ML-DSA encodings (RFC 9881 examples)', () => {
  for (const set of ML_DSA_PARAMETER_SETS) {
    describe(set, () => {
      it('the seed-form private key decodes to the example public key and is written back byte for byte', () => {
        const der = pem(`${set}-seed.priv`);
        const decoded = decodeMlDsaPrivateKey(der)!;
        assert.equal(decoded.form, 'seed');
        assert.equal(decoded.key.parameterSet, set);
        assert.deepEqual(decoded.key.seed, EXAMPLE_SEED);
        assert.deepEqual(encodeMlDsaSpki(decoded.key), pem(`${set}.pub`));
        assert.deepEqual(encodeMlDsaPrivateKey(decoded.key), der);
      });

      it('the example public key reads as its parameter set', () => {
        const pub = readMlDsaSpki(pem(`${set}.pub`))!;
        assert.equal(pub.parameterSet, set);
        assert.deepEqual(pub.publicKey, mlDsaKeyFromSeed(set, EXAMPLE_SEED).publicKey);
      });
    });
  }

  it('the "both" form is read, checked against its seed, and written as the seed form', () => {
    for (const set of ['ML-DSA-44', 'ML-DSA-65'] as const) {
      const decoded = decodeMlDsaPrivateKey(pem(`${set}-both.priv`))!;
      assert.equal(decoded.form, 'both');
      assert.deepEqual(encodeMlDsaPrivateKey(decoded.key), pem(`${set}-seed.priv`));
    }
  });

  it('the "expandedKey" form is read (its public key recomputed) and, without a seed, written back as it came', () => {
    const der = pem('ML-DSA-44-expanded.priv');
    const decoded = decodeMlDsaPrivateKey(der)!;
    assert.equal(decoded.form, 'expandedKey');
    assert.equal(decoded.key.seed, undefined);
    assert.deepEqual(decoded.key.secretKey, mlDsaKeyFromSeed('ML-DSA-44', EXAMPLE_SEED).secretKey);
    assert.deepEqual(encodeMlDsaSpki(decoded.key), pem('ML-DSA-44.pub'));
    assert.deepEqual(encodeMlDsaPrivateKey(decoded.key), der);
  });

  it('the inconsistent example keys of §8 with a wrong expandedKey or a wrong tr are refused', () => {
    throwsBadInput(() => decodeMlDsaPrivateKey(pem('bad-ML-DSA-44-1.priv')), /seed and its expandedKey are not the same key/);
    throwsBadInput(() => decodeMlDsaPrivateKey(pem('bad-ML-DSA-44-2.priv')), /expandedKey is inconsistent/);
  });

  it('the third example (a wrong t0 without a seed) is read: its signatures still verify, and t0 is not recomputed', () => {
    // Recomputing t0 needs A·s1 + s2 in full, which noble does not expose; a key made from its seed never has the problem.
    const decoded = decodeMlDsaPrivateKey(pem('bad-ML-DSA-44-3.priv'))!;
    const message = new Uint8Array(8);
    assert.ok(mlDsaVerify('ML-DSA-44', decoded.key.publicKey, message, mlDsaSign(decoded.key, message, (n) => new Uint8Array(n))));
  });

  it('malformed keys are BAD_INPUT: parameters present, a short seed, a public key of the wrong length, an unknown CHOICE tag', () => {
    const seedDer = pem('ML-DSA-44-seed.priv');
    // 30 34 02 01 00 30 0b 06 09 <oid> 04 22 80 20 <seed>: give the AlgorithmIdentifier a NULL.
    const withNull = Uint8Array.of(0x30, 0x36, ...seedDer.subarray(2, 5), 0x30, 0x0d, ...seedDer.subarray(7, 18), 0x05, 0x00, ...seedDer.subarray(18));
    throwsBadInput(() => decodeMlDsaPrivateKey(withNull), /parameters/);
    const shortSeed = Uint8Array.of(0x30, 0x33, ...seedDer.subarray(2, 18), 0x04, 0x21, 0x80, 0x1f, ...EXAMPLE_SEED.subarray(1));
    throwsBadInput(() => decodeMlDsaPrivateKey(shortSeed), /seed is 31 bytes/);
    const otherTag = seedDer.slice();
    otherTag[20] = 0x81;
    throwsBadInput(() => decodeMlDsaPrivateKey(otherTag), /tag 0x81/);
    const pub = pem('ML-DSA-44.pub');
    const truncated = Uint8Array.of(0x30, 0x82, 0x05, 0x31, ...pub.subarray(4, 17), 0x03, 0x82, 0x05, 0x20, ...pub.subarray(21, pub.length - 1));
    throwsBadInput(() => readMlDsaSpki(truncated), /1312 bytes, not 1311/);
  });

  it('a key of another algorithm is not ML-DSA: undefined, so the caller tries its own decoders', async () => {
    const ec = await createSoftwareProvider().generateKeyPair({ type: 'ec', curve: 'P-256' });
    assert.equal(readMlDsaSpki(ec.spki), undefined);
    assert.equal(decodeMlDsaPrivateKey(createSoftwareProvider().exportPrivateKey(ec)), undefined);
  });

  it('signatures verify with their key only, and not once a byte changes', () => {
    const key = mlDsaKeyFromSeed('ML-DSA-65', EXAMPLE_SEED);
    const message = new TextEncoder().encode('message');
    const signature = mlDsaSign(key, message, (n) => new Uint8Array(n));
    assert.equal(signature.length, 3309);
    assert.ok(mlDsaVerify('ML-DSA-65', key.publicKey, message, signature));
    const flipped = signature.slice();
    flipped[100] ^= 1;
    assert.equal(mlDsaVerify('ML-DSA-65', key.publicKey, message, flipped), false);
    assert.equal(mlDsaVerify('ML-DSA-65', key.publicKey, message, signature.subarray(1)), false);
    assert.equal(mlDsaVerify('ML-DSA-65', mlDsaKeyFromSeed('ML-DSA-65', new Uint8Array(32)).publicKey, message, signature), false);
  });
});

describe('the software provider with ML-DSA', () => {
  it('parses the key specs ml-dsa-44, ml-dsa-65 and ml-dsa-87', () => {
    for (const set of ML_DSA_PARAMETER_SETS) assert.deepEqual(parseKeySpec(set.toLowerCase()), { type: 'ml-dsa', parameterSet: set });
  });

  it('imports the example key, signs and verifies, and exports the seed form', async () => {
    const provider = createSoftwareProvider();
    const key = provider.importPrivateKey(pem('ML-DSA-87-seed.priv'));
    assert.equal(key.type, 'ml-dsa');
    assert.equal(key.parameterSet, 'ML-DSA-87');
    assert.deepEqual(key.spki, pem('ML-DSA-87.pub'));
    const scheme = { type: 'ml-dsa', parameterSet: 'ML-DSA-87' } as const;
    const data = new Uint8Array([1, 2, 3]);
    const signature = await provider.sign(key, scheme, data);
    assert.ok(provider.verify(key.spki, scheme, data, signature));
    assert.equal(provider.verify(key.spki, { type: 'ml-dsa', parameterSet: 'ML-DSA-65' }, data, signature), false);
    assert.equal(provider.verify(key.spki, { type: 'ed25519' }, data, signature), false);
    assert.deepEqual(provider.exportPrivateKey(key), pem('ML-DSA-87-seed.priv'));
  });

  it('makes keys from the injected random source, so a seeded provider makes the same key', async () => {
    const seeded = () => createSoftwareProvider({ random: (n) => Uint8Array.from({ length: n }, (_, i) => i) });
    const spec = { type: 'ml-dsa', parameterSet: 'ML-DSA-44' as MlDsaParameterSet } as const;
    const a = await seeded().generateKeyPair(spec);
    const b = await seeded().generateKeyPair(spec);
    assert.deepEqual(a.spki, b.spki);
    assert.deepEqual(a.spki, pem('ML-DSA-44.pub'));
    const fresh = await createSoftwareProvider().generateKeyPair(spec);
    assert.notDeepEqual(fresh.spki, a.spki);
  });
});
