import assert from 'node:assert/strict';
import { describeKey, KEY_SPECS, parseKeySpec } from '../../../src/core/crypto/provider.js';

describe('crypto provider: key specs', () => {
  it('parses key specs', () => {
    assert.deepEqual(parseKeySpec('ec:p384'), { type: 'ec', curve: 'P-384' });
    assert.equal(parseKeySpec('dsa:1024'), undefined);
  });

  it('parses every spec it lists, the short forms, and any case and spacing', () => {
    for (const spec of KEY_SPECS) assert.ok(parseKeySpec(spec), spec);
    assert.deepEqual(parseKeySpec('rsa:4096'), { type: 'rsa', bits: 4096 });
    assert.deepEqual(parseKeySpec('rsa'), { type: 'rsa', bits: 2048 });
    assert.deepEqual(parseKeySpec('ec'), { type: 'ec', curve: 'P-256' });
    assert.deepEqual(parseKeySpec(' EC:P-521 '), { type: 'ec', curve: 'P-521' });
    assert.deepEqual(parseKeySpec('Ed25519'), { type: 'ed25519' });
    for (const bad of ['rsa:1024', 'ec:p224', 'ed448', '', 'rsa:2048:x']) assert.equal(parseKeySpec(bad), undefined, bad);
  });

  it('names keys to people', () => {
    assert.equal(describeKey({ type: 'rsa', bits: 3072 }), 'RSA 3072');
    assert.equal(describeKey({ type: 'rsa' }), 'RSA ?');
    assert.equal(describeKey({ type: 'ec', curve: 'P-384' }), 'EC P-384');
    assert.equal(describeKey({ type: 'ed25519' }), 'Ed25519');
  });
});
