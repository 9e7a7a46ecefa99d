import assert from 'node:assert/strict';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Time } from '@peculiar/asn1-x509';
import * as asn1js from 'asn1js';
import * as DER from '../../../src/core/der/writer.js';

const hex = (b: ArrayBuffer | Uint8Array) => Buffer.from(b instanceof Uint8Array ? b : new Uint8Array(b)).toString('hex');

describe('der/writer', () => {
  it('writes INTEGERs as asn1js does, a zero octet first where the top bit is set', () => {
    for (const n of [0, 1, 127, 128, 255, 256, 2048, 4096, 32767, 32768, 65535, 2 ** 24, 2 ** 31 - 1, 2 ** 31, 2 ** 32 + 5, Number.MAX_SAFE_INTEGER]) {
      assert.equal(hex(DER.integer(n)), hex(new asn1js.Integer({ value: n }).toBER()), String(n));
    }
    assert.throws(() => DER.integer(-1), RangeError);
    assert.throws(() => DER.integer(1.5), RangeError);
  });

  it('writes OBJECT IDENTIFIERs as asn1js does, arcs past 2^32 included', () => {
    for (const oid of ['1.2.840.10045.2.1', '2.5.29.19', '0.9.2342.19200300.100.1.25', '2.16.840.1.101.3.4.2.1', '1.3.6.1.4.1.11129.2.4.4', '2.999.3', '1.2.4294967296.1']) {
      assert.equal(hex(DER.oid(oid)), hex(new asn1js.ObjectIdentifier({ value: oid }).toBER()), oid);
    }
    assert.throws(() => DER.oid('3.1'), RangeError);
    assert.throws(() => DER.oid('1.40'), RangeError);
    for (const bad of ['', '1', '1..2', '1.2.', ' 1.2', '1.0x10']) assert.throws(() => DER.oid(bad), RangeError, bad);
  });

  it('writes short and long definite lengths (X.690 §8.1.3)', () => {
    for (const n of [0, 1, 127, 128, 255, 256, 65535, 65536]) {
      const content = new Uint8Array(n).fill(7);
      assert.equal(hex(DER.tlv(0x04, content)), hex(new asn1js.OctetString({ valueHex: content }).toBER()), String(n));
    }
    assert.equal(hex(DER.sequence(Uint8Array.of(1, 2), new Uint8Array(0), Uint8Array.of(3))), '3003010203');
  });

  it('writes UTCTime through 2049 and GeneralizedTime outside it, as the schema classes do', () => {
    for (const iso of ['1950-01-01T00:00:00Z', '1999-12-31T23:59:59Z', '2026-02-03T04:05:06Z', '2049-12-31T23:59:59Z', '2050-01-01T00:00:00Z', '1949-12-31T23:59:59Z', '9999-12-31T23:59:59Z']) {
      const date = new Date(iso);
      const year = date.getUTCFullYear();
      const time = year >= 1950 && year <= 2049 ? new Time({ utcTime: date }) : new Time({ generalTime: date });
      assert.equal(hex(DER.time(date)), hex(new Uint8Array(AsnConvert.serialize(time))), iso);
    }
  });

  it('writes BIT STRINGs with no unused bits, OCTET STRINGs, NULL and TRUE', () => {
    assert.equal(hex(DER.bitString(Uint8Array.of(0xab))), '030200ab');
    assert.equal(hex(DER.octetString(Uint8Array.of(1))), '040101');
    assert.equal(hex(DER.NULL), '0500');
    assert.equal(hex(DER.BOOLEAN_TRUE), '0101ff');
  });

  it('writes unsigned magnitudes as minimal INTEGERs', () => {
    assert.equal(hex(DER.unsignedInteger(Uint8Array.of(0, 0, 0x7f))), '02017f');
    assert.equal(hex(DER.unsignedInteger(Uint8Array.of(0, 0x80))), '02020080');
    assert.equal(hex(DER.unsignedInteger(Uint8Array.of(0xff, 1))), '020300ff01');
    assert.equal(hex(DER.unsignedInteger(Uint8Array.of(0, 0))), '020100');
    assert.equal(hex(DER.unsignedInteger(new Uint8Array(0))), '020100');
    const big = new Uint8Array(256).fill(0x99);
    assert.equal(hex(DER.unsignedInteger(big)), '0282010100' + '99'.repeat(256));
  });

  it('writes BMPString and UniversalString as asn1js does inside the BMP, and UCS-4 code points beyond it', () => {
    for (const text of ['', 'A', 'Grüße €', 'ÿ\u0100\uffff']) {
      assert.equal(hex(DER.bmpString(text)), hex(new Uint8Array(new asn1js.BmpString({ value: text }).toBER())), text);
      assert.equal(hex(DER.universalString(text)), hex(new Uint8Array(new asn1js.UniversalString({ value: text }).toBER())), text);
    }
    assert.equal(hex(DER.bmpString('𝄞')), '1e04d834dd1e');
    assert.equal(hex(DER.universalString('𝄞')), '1c040001d11e');
  });

  it('writes one octet a UTF-16 code unit for the octet string types', () => {
    assert.equal(hex(DER.latin1Bytes('Aé')), '41e9');
    assert.equal(hex(DER.latin1Bytes('€')), 'ac');
  });
});
