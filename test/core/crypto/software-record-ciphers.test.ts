// The software provider's AES-CCM (RFC 3610) and AES-CCM-8, as the TLS 1.3 CCM suites use them, against published vectors; and raw CBC for TLS records.

import assert from 'node:assert/strict';
import { createCipheriv } from 'node:crypto';
import { createSoftwareProvider } from '../../../src/core/crypto/index.js';

const provider = createSoftwareProvider();
const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s/g, ''), 'hex'));
const toHex = (b: Uint8Array | null) => (b ? Buffer.from(b).toString('hex') : null);

describe('software provider: AES-CCM', () => {
  // RFC 3610 §8, packet vectors #1 and #2: M = 8 (an 8-byte tag, as CCM_8), L = 2 (a 13-byte nonce), an 8-byte header.
  for (const [name, nonce, plain, sealed] of [
    ['#1', '00000003020100a0a1a2a3a4a5', '08090a0b0c0d0e0f101112131415161718191a1b1c1d1e', '588c979a61c663d2f066d0c2c0f989806d5f6b61dac384 17e8d12cfdf926e0'],
    ['#2', '00000004030201a0a1a2a3a4a5', '08090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', '72c91a36e135f8cf291ca894085c87e3cc15c439c9e43a3b a091d56e10400916'],
  ] as const) {
    it(`AES-128-CCM-8: RFC 3610 packet vector ${name} seals and opens; one bit off anywhere does not open`, () => {
      const key = provider.aead('AES-128-CCM-8', hex('c0c1c2c3c4c5c6c7c8c9cacbcccdcecf'));
      const aad = hex('0001020304050607');
      assert.equal(toHex(key.seal(hex(nonce), aad, hex(plain))), sealed.replace(' ', ''));
      assert.equal(toHex(key.open(hex(nonce), aad, hex(sealed))), plain);
      for (const at of [0, hex(sealed).length - 1]) {
        const bad = hex(sealed);
        bad[at] ^= 1;
        assert.equal(key.open(hex(nonce), aad, bad), null);
      }
      assert.equal(key.open(hex(nonce), hex('0001020304050608'), hex(sealed)), null);
      assert.equal(key.open(hex(nonce), aad, hex(sealed).subarray(0, 7)), null);
    });
  }

  it("AES-128-CCM: a 12-byte nonce and a 16-byte tag (RFC 8446 §5.3's shape), Node's own known answer for an empty message", () => {
    const key = provider.aead('AES-128-CCM', hex('1ed2233fa2223ef5d7df08546049406c'));
    const nonce = hex('7305220bca40d4c90e1791e9');
    const aad = hex('63616c76696e');
    const sealed = key.seal(nonce, aad, new Uint8Array(0));
    assert.equal(toHex(sealed), '65a6002b2cdfe9f00027f839332ca6fc');
    assert.equal(toHex(key.open(nonce, aad, sealed)), '');
  });

  it('AES-128-CCM and CCM-8 agree with node:crypto on a TLS 1.3 record, and differ only in the tag length', () => {
    const k = hex('000102030405060708090a0b0c0d0e0f');
    const nonce = hex('101112131415161718191a1b');
    const aad = Uint8Array.of(23, 3, 3, 0, 0);
    const plain = Uint8Array.from({ length: 1000 }, (_, i) => i & 0xff);
    for (const [algorithm, tag] of [['AES-128-CCM', 16], ['AES-128-CCM-8', 8]] as const) {
      const sealed = provider.aead(algorithm, k).seal(nonce, aad, plain);
      assert.equal(sealed.length, plain.length + tag);
      const c = createCipheriv('aes-128-ccm', k, nonce, { authTagLength: tag });
      c.setAAD(aad, { plaintextLength: plain.length });
      const expected = Buffer.concat([c.update(plain), c.final(), c.getAuthTag()]);
      assert.deepEqual(Buffer.from(sealed), expected);
      assert.deepEqual(provider.aead(algorithm, k).open(nonce, aad, sealed), plain);
    }
  });
});

describe('software provider: raw AES-CBC for TLS records', () => {
  it('encrypts whole blocks with no padding of its own, FIPS 197 / SP 800-38A F.2.1 (AES-128-CBC, first block)', () => {
    const key = provider.cbcKey('AES-128-CBC', hex('2b7e151628aed2a6abf7158809cf4f3c'));
    const iv = hex('000102030405060708090a0b0c0d0e0f');
    const ct = key.encrypt(iv, hex('6bc1bee22e409f96e93d7e117393172a'));
    assert.equal(toHex(ct), '7649abac8119b246cee98e9b12e9197d');
    assert.equal(toHex(key.decrypt(iv, ct)), '6bc1bee22e409f96e93d7e117393172a');
  });
});
