// core/der/reader against hand-made DER: definite lengths short and long, and the malformed input it must refuse.

import assert from 'node:assert/strict';
import { KymanError } from '../../../src/core/errors.js';
import {
  berHeaderLength,
  childrenOf,
  contextTag,
  decodeOid,
  expectTlv,
  isConstructed,
  readOid,
  readTlv,
  TAG_CLASS,
  tagClassOf,
  tagNumberOf,
  tryReadTlv,
  valueOf,
  wholeOf,
} from '../../../src/core/der/reader.js';

const hex = (h: string) => Uint8Array.from(Buffer.from(h.replace(/\s+/g, ''), 'hex'));
const badInput = (pattern: RegExp) => (e: unknown) => e instanceof KymanError && e.code === 'BAD_INPUT' && pattern.test(e.message);

describe('der/reader', () => {
  describe('readTlv', () => {
    it('reads a short-form length: header, contents and end', () => {
      const der = hex('04 03 aa bb cc ff');
      assert.deepEqual(readTlv(der, 0), { tag: 0x04, start: 0, valueStart: 2, end: 5 });
      assert.deepEqual(valueOf(der, readTlv(der, 0)), hex('aa bb cc'));
      assert.deepEqual(wholeOf(der, readTlv(der, 0)), hex('04 03 aa bb cc'));
    });

    it('reads a zero length', () => {
      assert.deepEqual(readTlv(hex('05 00'), 0), { tag: 0x05, start: 0, valueStart: 2, end: 2 });
    });

    it('reads long-form lengths of one, two and three octets (X.690 §8.1.3.5)', () => {
      const one = new Uint8Array(3 + 0x80);
      one.set([0x04, 0x81, 0x80]);
      assert.deepEqual(readTlv(one, 0), { tag: 0x04, start: 0, valueStart: 3, end: 3 + 0x80 });
      const two = new Uint8Array(4 + 0x0102);
      two.set([0x30, 0x82, 0x01, 0x02]);
      assert.deepEqual(readTlv(two, 0), { tag: 0x30, start: 0, valueStart: 4, end: 4 + 0x0102 });
      const three = new Uint8Array(5 + 0x010000);
      three.set([0x04, 0x83, 0x01, 0x00, 0x00]);
      assert.deepEqual(readTlv(three, 0), { tag: 0x04, start: 0, valueStart: 5, end: 5 + 0x010000 });
    });

    it('reads at an offset inside a buffer', () => {
      const der = hex('ff ff 02 01 05');
      assert.deepEqual(readTlv(der, 2), { tag: 0x02, start: 2, valueStart: 4, end: 5 });
    });

    it('refuses the indefinite length, which DER forbids (X.690 §10.1)', () => {
      assert.throws(() => readTlv(hex('30 80 02 01 00 00 00'), 0), badInput(/indefinite length at offset 0/));
    });

    it('refuses lengths of more than three octets', () => {
      assert.throws(() => readTlv(hex('04 84 00 00 00 01 aa'), 0), badInput(/bad DER length at offset 0/));
    });

    it('refuses a header cut short', () => {
      assert.throws(() => readTlv(hex('04'), 0), badInput(/truncated DER at offset 0/));
      assert.throws(() => readTlv(new Uint8Array(0), 0), badInput(/truncated DER/));
    });

    it('refuses long-form length octets cut short', () => {
      assert.throws(() => readTlv(hex('04 82 01'), 0), badInput(/bad DER length/));
    });

    it('refuses contents that run past the buffer', () => {
      assert.throws(() => readTlv(hex('04 05 aa bb'), 0), badInput(/runs past its container/));
      assert.throws(() => readTlv(hex('04 82 01 00 aa'), 0), badInput(/runs past its container/));
    });

    it('refuses a child that runs past its container, though it fits the buffer', () => {
      // SEQUENCE of length 3 holding an OCTET STRING that claims 4 bytes
      const der = hex('30 03 04 04 aa bb cc dd');
      const seq = readTlv(der, 0);
      assert.equal(seq.end, 5);
      assert.throws(() => readTlv(der, seq.valueStart, seq.end), badInput(/runs past its container/));
      assert.throws(() => readTlv(hex('30 06 04 04 aa bb cc dd'), 2, 6), badInput(/runs past its container/));
    });

    it('refuses high-number tags (X.690 §8.1.2.4)', () => {
      assert.throws(() => readTlv(hex('1f 22 00'), 0), badInput(/high-number DER tag/));
      assert.throws(() => readTlv(hex('bf 81 00 00'), 0), badInput(/high-number DER tag/));
    });
  });

  describe('expectTlv and tryReadTlv', () => {
    it('expectTlv names what it wanted when the tag differs', () => {
      const der = hex('02 01 05');
      assert.equal(expectTlv(der, 0, der.length, 0x02, 'an INTEGER').end, 3);
      assert.throws(() => expectTlv(der, 0, der.length, 0x30, 'a SEQUENCE'), badInput(/expected a SEQUENCE at offset 0/));
    });

    it('tryReadTlv gives undefined for a misfit instead of throwing', () => {
      const der = hex('30 03 02 01 05');
      assert.equal(tryReadTlv(der, 0, der.length)?.end, 5);
      assert.equal(tryReadTlv(der, 0, der.length, 0x30)?.end, 5);
      assert.equal(tryReadTlv(der, 0, der.length, 0x31), undefined);
      assert.equal(tryReadTlv(der, 0, 4), undefined); // runs past the limit
      assert.equal(tryReadTlv(der, 5, der.length), undefined); // at the end
      assert.equal(tryReadTlv(hex('30 80 00 00'), 0, 4), undefined);
    });
  });

  describe('childrenOf', () => {
    it('lists the TLVs inside a constructed one', () => {
      // the last child, SEQUENCE of length 2, would end past its parent's end
      const der = hex('30 07 02 01 01 04 00 30 02 05 00');
      assert.throws(() => childrenOf(der, readTlv(der, 0)), badInput(/runs past its container/));
      const ok = hex('30 07 02 01 01 04 00 05 00');
      assert.deepEqual(
        childrenOf(ok, readTlv(ok, 0)).map((t) => [t.tag, t.start, t.end]),
        [
          [0x02, 2, 5],
          [0x04, 5, 7],
          [0x05, 7, 9],
        ],
      );
    });

    it('walks nested structures down to their leaves, each bounded by its parent', () => {
      // SEQUENCE { SEQUENCE { SEQUENCE { INTEGER 7 } } }
      const der = hex('30 07 30 05 30 03 02 01 07');
      let t = readTlv(der, 0);
      for (let depth = 0; depth < 3; depth++) {
        const kids = childrenOf(der, t);
        assert.equal(kids.length, 1);
        t = kids[0];
      }
      assert.equal(t.tag, 0x02);
      assert.deepEqual(valueOf(der, t), hex('07'));
      // the same with the innermost length one too long: its parent's end stops it
      const bad = hex('30 07 30 05 30 03 02 02 07 00');
      const inner = childrenOf(bad, childrenOf(bad, readTlv(bad, 0))[0])[0];
      assert.throws(() => childrenOf(bad, inner), badInput(/runs past its container/));
    });
  });

  describe('tags', () => {
    it('splits an identifier octet into class, form and number', () => {
      assert.equal(tagClassOf(0x30), TAG_CLASS.UNIVERSAL);
      assert.equal(tagClassOf(0xa3), TAG_CLASS.CONTEXT);
      assert.equal(tagClassOf(0x61), TAG_CLASS.APPLICATION);
      assert.equal(tagClassOf(0xc2), TAG_CLASS.PRIVATE);
      assert.equal(isConstructed(0x30), true);
      assert.equal(isConstructed(0x80), false);
      assert.equal(tagNumberOf(0xa3), 3);
      assert.equal(contextTag(0), 0xa0);
      assert.equal(contextTag(2, false), 0x82);
    });
  });

  describe('decodeOid', () => {
    const oidOf = (h: string) => {
      const der = hex(h);
      return readOid(der, readTlv(der, 0));
    };

    it('reads OIDs whose first octet packs two arcs (X.690 §8.19.4)', () => {
      assert.equal(oidOf('06 09 2a 86 48 86 f7 0d 01 01 01'), '1.2.840.113549.1.1.1');
      assert.equal(oidOf('06 03 55 1d 13'), '2.5.29.19');
      assert.equal(oidOf('06 03 2b 65 70'), '1.3.101.112');
      assert.equal(oidOf('06 08 2a 86 48 ce 3d 03 01 07'), '1.2.840.10045.3.1.7');
      assert.equal(oidOf('06 01 00'), '0.0');
      assert.equal(oidOf('06 02 88 37'), '2.999');
    });

    it('stays exact for arcs past 2^53', () => {
      // 2.25.<2^64>: arc 2^64 is ten base-128 octets
      const der = hex('06 0b 69 82 80 80 80 80 80 80 80 80 00');
      assert.equal(readOid(der, readTlv(der, 0)), `2.25.${2n ** 64n}`);
    });

    it('refuses empty and unterminated contents', () => {
      assert.throws(() => decodeOid(hex('06 00'), 2, 2), badInput(/malformed OBJECT IDENTIFIER/));
      assert.throws(() => decodeOid(hex('2a 86'), 0, 2), badInput(/malformed OBJECT IDENTIFIER/));
    });

    it('readOid checks the tag', () => {
      const der = hex('04 03 55 1d 13');
      assert.throws(() => readOid(der, readTlv(der, 0), 'the extension OID'), badInput(/expected the extension OID at offset 0/));
    });
  });

  describe('berHeaderLength', () => {
    it('measures BER headers, indefinite length included, for sniffing', () => {
      assert.equal(berHeaderLength(hex('30 80 06 09'), 0), 2);
      assert.equal(berHeaderLength(hex('30 05 06 03'), 0), 2);
      assert.equal(berHeaderLength(hex('30 82 01 00 06'), 0), 4);
      assert.equal(berHeaderLength(hex('30 82 01'), 0), -1);
      assert.equal(berHeaderLength(hex('30 85 01 00 00 00 00'), 0), -1);
      assert.equal(berHeaderLength(hex('30'), 0), -1);
    });
  });
});
