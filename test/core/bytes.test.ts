import assert from 'node:assert/strict';
import { asBytes, compareBytes, concat, equalBytes, sameBytes, toHex, utf16beBytes } from '../../src/core/bytes.js';

const b = (...xs: number[]) => Uint8Array.from(xs);

describe('bytes', () => {
  it('concat joins the parts into a new array', () => {
    const first = b(1, 2);
    const joined = concat([first, b(), b(3), b(4, 5)]);
    assert.deepEqual([...joined], [1, 2, 3, 4, 5]);
    joined[0] = 9;
    assert.equal(first[0], 1, 'the result is a copy, not a view of a part');
    assert.equal(concat([]).length, 0);
    // A part that is a view into a larger buffer contributes only its own bytes.
    const big = b(7, 8, 9, 10);
    assert.deepEqual([...concat([big.subarray(1, 3), big.subarray(3)])], [8, 9, 10]);
  });

  for (const [name, equal] of [['equalBytes', equalBytes], ['sameBytes', sameBytes]] as const) {
    it(`${name} is true for the same bytes only`, () => {
      assert.equal(equal(b(1, 2, 3), b(1, 2, 3)), true);
      assert.equal(equal(b(), b()), true);
      assert.equal(equal(b(1, 2, 3), b(1, 2, 4)), false);
      assert.equal(equal(b(0, 2, 3), b(1, 2, 3)), false);
      assert.equal(equal(b(1, 2), b(1, 2, 0)), false);
      assert.equal(equal(b(1, 2, 3).subarray(1), b(2, 3)), true);
      assert.equal(equal(Buffer.from([5, 6]), b(5, 6)), true);
    });
    it(`${name} compares a view's own bytes, not its whole buffer`, () => {
      const big = b(9, 1, 2, 9);
      assert.equal(equal(big.subarray(1, 3), b(1, 2)), true);
      assert.equal(equal(big.subarray(0, 2), b(1, 2)), false);
    });
  }

  it('compareBytes orders as DER orders a SET OF: byte by byte, a shorter prefix first', () => {
    assert.equal(compareBytes(b(1, 2), b(1, 2)), 0);
    assert.ok(compareBytes(b(1, 2), b(1, 3)) < 0);
    assert.ok(compareBytes(b(2), b(1, 255, 255)) > 0);
    assert.ok(compareBytes(b(1, 2), b(1, 2, 0)) < 0);
    assert.ok(compareBytes(b(1, 2, 0), b(1, 2)) > 0);
    assert.ok(compareBytes(b(), b(0)) < 0);
    const sorted = [b(0x31, 2), b(0x30), b(0x30, 0), b(0x02, 0xff)].sort(compareBytes).map((x) => toHex(x));
    assert.deepEqual(sorted, ['02ff', '30', '3000', '3102']);
  });

  it('toHex writes lower-case hex, with a separator when asked, of a view’s own bytes', () => {
    assert.equal(toHex(b(0, 1, 0xab, 0xff)), '0001abff');
    assert.equal(toHex(b(0, 1, 0xab, 0xff), ':'), '00:01:ab:ff');
    assert.equal(toHex(b()), '');
    assert.equal(toHex(b(), ':'), '');
    assert.equal(toHex(b(0x0a), ' '), '0a');
    const view = b(1, 2, 3, 4).subarray(1, 3);
    assert.equal(toHex(view), '0203');
    assert.equal(toHex(view, '-'), '02-03');
  });

  it('asBytes views any buffer as bytes without copying', () => {
    const u = b(1, 2, 3);
    assert.equal(asBytes(u), u);
    const buffer = new ArrayBuffer(4);
    const whole = asBytes(buffer);
    whole[0] = 7;
    assert.equal(new Uint8Array(buffer)[0], 7);
    const words = new Uint16Array([0x0102, 0x0304]);
    const view = asBytes(new DataView(words.buffer, 2, 2));
    assert.equal(view.length, 2);
    assert.equal(view.buffer, words.buffer);
    assert.equal(view.byteOffset, 2);
    const node = Buffer.from([9, 8, 7]).subarray(1);
    assert.deepEqual([...asBytes(node)], [8, 7]);
  });

  it('utf16beBytes writes UTF-16 code units high byte first, a character beyond the BMP as its surrogate pair', () => {
    assert.equal(toHex(utf16beBytes('aé€')), '006100e920ac');
    assert.equal(toHex(utf16beBytes('\u{1f600}')), 'd83dde00');
    assert.equal(utf16beBytes('').length, 0);
  });
});
