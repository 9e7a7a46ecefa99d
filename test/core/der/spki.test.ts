// core/der/spki against keys Node's crypto makes, and the TLS engine's key-kind reading built on it.

import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { KymanError } from '../../../src/core/errors.js';
import { readSpkiAlgorithm, readSpkiLayout } from '../../../src/core/der/spki.js';
import { readTlv, valueOf } from '../../../src/core/der/reader.js';
import { OID } from '../../../src/core/der/oids.js';
import { keyKindOf } from '../../../src/core/tls/suites.js';

const spkiOf = (type: 'rsa' | 'rsa-pss' | 'ec' | 'ed25519' | 'x25519', namedCurve?: string): Uint8Array => {
  const opts = type === 'rsa' || type === 'rsa-pss' ? { modulusLength: 1024 } : type === 'ec' ? { namedCurve: namedCurve! } : {};
  const { publicKey } = generateKeyPairSync(type as 'rsa', opts as { modulusLength: number });
  return new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
};
const hex = (h: string) => Uint8Array.from(Buffer.from(h.replace(/\s+/g, ''), 'hex'));
const badInput = (e: unknown) => e instanceof KymanError && e.code === 'BAD_INPUT';

const KEYS = {
  rsa: spkiOf('rsa'),
  rsaPss: spkiOf('rsa-pss'),
  p256: spkiOf('ec', 'P-256'),
  p384: spkiOf('ec', 'P-384'),
  p521: spkiOf('ec', 'P-521'),
  secp256k1: spkiOf('ec', 'secp256k1'),
  ed25519: spkiOf('ed25519'),
  x25519: spkiOf('x25519'),
};

describe('der/spki', () => {
  it('reads the algorithm OID and, for EC keys, the namedCurve', () => {
    assert.deepEqual(readSpkiAlgorithm(KEYS.rsa), { algorithm: OID.rsaEncryption });
    assert.deepEqual(readSpkiAlgorithm(KEYS.rsaPss), { algorithm: OID.id_RSASSA_PSS });
    assert.deepEqual(readSpkiAlgorithm(KEYS.p256), { algorithm: OID.id_ecPublicKey, parametersOid: OID.secp256r1 });
    assert.deepEqual(readSpkiAlgorithm(KEYS.p384), { algorithm: OID.id_ecPublicKey, parametersOid: OID.secp384r1 });
    assert.deepEqual(readSpkiAlgorithm(KEYS.p521), { algorithm: OID.id_ecPublicKey, parametersOid: OID.secp521r1 });
    assert.deepEqual(readSpkiAlgorithm(KEYS.ed25519), { algorithm: OID.id_Ed25519 });
    assert.deepEqual(readSpkiAlgorithm(KEYS.x25519), { algorithm: OID.id_X25519 });
  });

  it('lays out an Ed25519 SPKI field by field (RFC 8410 §4)', () => {
    const spki = KEYS.ed25519;
    assert.deepEqual(spki.subarray(0, 12), hex('30 2a 30 05 06 03 2b 65 70 03 21 00'));
    const layout = readSpkiLayout(spki, readTlv(spki, 0));
    assert.deepEqual([layout.algorithm.start, layout.algorithm.end], [2, 9]);
    assert.deepEqual(valueOf(spki, layout.algorithmOid), hex('2b 65 70'));
    assert.equal(layout.parameters.start, layout.parameters.end); // absent (RFC 8410 §3)
    assert.equal(layout.subjectPublicKey.end - layout.subjectPublicKey.valueStart, 33);
  });

  it('gives RSA its NULL parameters as a span, unread', () => {
    const spki = KEYS.rsa;
    const { parameters } = readSpkiLayout(spki, readTlv(spki, 0));
    assert.deepEqual(spki.subarray(parameters.start, parameters.end), hex('05 00'));
  });

  it('refuses what is not a SubjectPublicKeyInfo', () => {
    assert.throws(() => readSpkiAlgorithm(hex('02 01 00')), badInput); // an INTEGER
    assert.throws(() => readSpkiAlgorithm(hex('30 05 30 03 06 01')), badInput); // truncated
    assert.throws(() => readSpkiAlgorithm(hex('30 07 30 03 06 01 2a 04 00')), badInput); // OCTET STRING, not BIT STRING
    assert.throws(() => readSpkiAlgorithm(hex('30 08 30 04 02 02 2a 03 03 01 00')), badInput); // no OID
    assert.throws(() => readSpkiAlgorithm(KEYS.p256.subarray(0, 20)), badInput);
  });
});

describe('der/spki as the TLS engine reads key kinds (tls/suites keyKindOf)', () => {
  it('tells RSA, RSASSA-PSS, the three NIST curves and Ed25519 apart', () => {
    assert.deepEqual(keyKindOf(KEYS.rsa), { key: 'rsa' });
    assert.deepEqual(keyKindOf(KEYS.rsaPss), { key: 'rsa-pss' });
    assert.deepEqual(keyKindOf(KEYS.p256), { key: 'ec', curve: 'P-256' });
    assert.deepEqual(keyKindOf(KEYS.p384), { key: 'ec', curve: 'P-384' });
    assert.deepEqual(keyKindOf(KEYS.p521), { key: 'ec', curve: 'P-521' });
    assert.deepEqual(keyKindOf(KEYS.ed25519), { key: 'ed25519' });
  });

  it('has no kind for keys TLS here cannot sign with, nor for bytes that are no SPKI', () => {
    assert.equal(keyKindOf(KEYS.x25519), undefined);
    assert.equal(keyKindOf(KEYS.secp256k1), undefined);
    assert.equal(keyKindOf(new Uint8Array(0)), undefined);
    assert.equal(keyKindOf(hex('30 80 00 00')), undefined);
  });

  it('reads the algorithm, not bytes that merely contain its OID', () => {
    // An X25519 key whose 32 key bytes happen to hold the Ed25519 OID's DER (06 03 2b 65 70):
    // a search of the first bytes took this for Ed25519.
    const spki = KEYS.x25519.slice();
    spki.set(hex('06 03 2b 65 70'), 12);
    assert.deepEqual(readSpkiAlgorithm(spki), { algorithm: OID.id_X25519 });
    assert.equal(keyKindOf(spki), undefined);
  });
});
