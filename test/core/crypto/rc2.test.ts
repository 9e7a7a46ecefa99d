import assert from 'node:assert/strict';
import { rc2Cbc } from '../../../src/core/crypto/rc2.js';

const bytes = (h: string) => new Uint8Array(Buffer.from(h, 'hex'));
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const ZERO_IV = new Uint8Array(8);

describe('rc2', () => {
  // RFC 2268 §5. With a zero IV the first CBC block is the block cipher's output itself.
  const vectors: [key: string, effectiveBits: number, plaintext: string, ciphertext: string][] = [
    ['0000000000000000', 63, '0000000000000000', 'ebb773f993278eff'],
    ['ffffffffffffffff', 64, 'ffffffffffffffff', '278b27e42e2f0d49'],
    ['3000000000000000', 64, '1000000000000001', '30649edf9be7d2c2'],
    ['88', 64, '0000000000000000', '61a8a244adacccf0'],
    ['88bca90e90875a', 64, '0000000000000000', '6ccf4308974c267f'],
    ['88bca90e90875a7f0f79c384627bafb2', 64, '0000000000000000', '1a807d272bbe5db1'],
    ['88bca90e90875a7f0f79c384627bafb2', 128, '0000000000000000', '2269552ab0f85ca6'],
    ['88bca90e90875a7f0f79c384627bafb216f80a6f85920584c42fceb0be255daf1e', 129, '0000000000000000', '5b78d3a43dfff1f1'],
  ];

  for (const [key, bits, plaintext, ciphertext] of vectors) {
    it(`RFC 2268: key ${key.length / 2} bytes, ${bits} effective bits`, () => {
      const out = rc2Cbc(bytes(key), ZERO_IV, bytes(plaintext), 'encrypt', bits);
      assert.equal(out.length, 16, 'one block and a block of padding');
      assert.equal(hex(out.subarray(0, 8)), ciphertext);
      assert.equal(hex(rc2Cbc(bytes(key), ZERO_IV, out, 'decrypt', bits)), plaintext);
    });
  }

  it('chains blocks through the IV and pads to a whole block (PKCS #5)', () => {
    const key = bytes('88bca90e90875a');
    const iv = bytes('0102030405060708');
    const data = new TextEncoder().encode('seventeen bytes!!');
    const sealed = rc2Cbc(key, iv, data, 'encrypt', 40);
    assert.equal(sealed.length, 24);
    assert.deepEqual(rc2Cbc(key, iv, sealed, 'decrypt', 40), data);
    assert.notEqual(hex(rc2Cbc(key, ZERO_IV, data, 'encrypt', 40)), hex(sealed), 'the IV matters');
    const twice = rc2Cbc(key, iv, new Uint8Array(16), 'encrypt', 40);
    assert.notEqual(hex(twice.subarray(0, 8)), hex(twice.subarray(8, 16)), 'equal blocks encrypt differently in CBC');
  });

  it('refuses a bad IV, a ragged ciphertext and wrong padding', () => {
    const key = bytes('88bca90e90875a');
    assert.throws(() => rc2Cbc(key, new Uint8Array(7), new Uint8Array(8), 'encrypt'), /8-byte IV/);
    assert.throws(() => rc2Cbc(key, ZERO_IV, new Uint8Array(12), 'decrypt'), /whole number of blocks/);
    assert.throws(() => rc2Cbc(key, ZERO_IV, new Uint8Array(0), 'decrypt'), /whole number of blocks/);
    const sealed = rc2Cbc(key, ZERO_IV, new Uint8Array(5), 'encrypt', 40);
    assert.throws(() => rc2Cbc(bytes('88bca90e90875b'), ZERO_IV, sealed, 'decrypt', 40), /bad decrypt/);
  });
});
