// The wire format's reader and writer (RFC 8446 §3): integers, vectors, and running off the end as a decode_error.

import assert from 'node:assert/strict';
import { Reader, Writer, build, parseAll, readU16List } from '../../../src/core/tls/codec.js';
import { TlsAlertError } from '../../../src/core/tls/alerts.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const decodeError = (e: unknown) => e instanceof TlsAlertError && e.alert.name === 'decode_error' && e.direction === 'sent';

describe('tls codec', () => {
  it('writes big-endian integers and length-prefixed vectors byte for byte', () => {
    const w = new Writer(4);
    w.u8(0x01).u16(0x0203).u24(0x040506).u32(0x0708090a);
    w.vec8(Uint8Array.of(0xaa)).vec16(Uint8Array.of(0xbb, 0xcc)).vec24(new Uint8Array(0));
    w.vec(2, () => w.u16(0x1234).u8(0x56));
    assert.equal(hex(w.finish()), '01' + '0203' + '040506' + '0708090a' + '01aa' + '0002bbcc' + '000000' + '0003123456');
  });

  it('grows past its first buffer', () => {
    const big = new Uint8Array(5000).fill(7);
    const out = build((w) => w.vec16(big));
    assert.equal(out.length, 5002);
    assert.equal((out[0] << 8) | out[1], 5000);
  });

  it('reads what it wrote', () => {
    const bytes = build((w) => w.u8(9).u16(0xbeef).u24(0x123456).u32(0xdeadbeef).vec8(Uint8Array.of(1, 2)).vec16(Uint8Array.of(3)));
    const r = new Reader(bytes);
    assert.equal(r.u8(), 9);
    assert.equal(r.u16(), 0xbeef);
    assert.equal(r.u24(), 0x123456);
    assert.equal(r.u32(), 0xdeadbeef);
    assert.deepEqual([...r.vec8('a')], [1, 2]);
    assert.deepEqual([...r.vec16('b')], [3]);
    assert.equal(r.remaining, 0);
    r.expectEnd('the test structure');
  });

  it('a truncated integer, a vector longer than what is left, or one below its minimum is a decode_error', () => {
    assert.throws(() => new Reader(Uint8Array.of(1)).u16('x'), decodeError);
    assert.throws(() => new Reader(Uint8Array.of(0, 5, 1, 2)).vec16('x'), decodeError);
    assert.throws(() => new Reader(Uint8Array.of(0)).vec8('x', 1), decodeError);
    assert.throws(() => new Reader(Uint8Array.of(1, 2)).bytes(3, 'x'), decodeError);
  });

  it('a sub-reader stays inside its vector', () => {
    const r = new Reader(Uint8Array.of(0, 2, 0xaa, 0xbb, 0xcc));
    const sub = r.sub(2, 'inner');
    assert.equal(sub.u16(), 0xaabb);
    assert.throws(() => sub.u8('past the end'), decodeError);
    assert.equal(r.u8(), 0xcc);
  });

  it('parseAll refuses leftovers; readU16List refuses an odd length', () => {
    assert.equal(parseAll(Uint8Array.of(0, 7), 'x', (r) => r.u16()), 7);
    assert.throws(() => parseAll(Uint8Array.of(0, 7, 0), 'x', (r) => r.u16()), decodeError);
    assert.deepEqual(readU16List(new Reader(Uint8Array.of(0x13, 0x01, 0x13, 0x02)), 'suites'), [0x1301, 0x1302]);
    assert.throws(() => readU16List(new Reader(Uint8Array.of(0x13, 0x01, 0x13)), 'suites'), decodeError);
  });
});
