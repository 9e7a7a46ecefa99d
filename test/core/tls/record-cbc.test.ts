// TLS 1.2 CBC record protection: round trips, the wire format by hand, bad MACs, bad padding and short records all bad_record_mac, alike, and the Lucky 13 block count.

import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import type { CryptoProvider, HashAlgorithm } from '../../../src/core/crypto/index.js';
import { TlsAlertError } from '../../../src/core/tls/index.js';
import { ContentType, MAX_PLAINTEXT, RecordReader, RecordWriter } from '../../../src/core/tls/record.js';
import { Tls12CbcProtection } from '../../../src/core/tls/record-cbc.js';
import { provider } from '../../helpers/tls-credentials.js';

const NODE_HASH: Record<string, string> = { 'SHA-1': 'sha1', 'SHA-256': 'sha256', 'SHA-384': 'sha384' };
const MAC_LENGTH: Record<string, number> = { 'SHA-1': 20, 'SHA-256': 32, 'SHA-384': 48 };

interface Keys {
  key: Uint8Array;
  macKey: Uint8Array;
  mac: HashAlgorithm;
  etm: boolean;
}

const keysFor = (mac: HashAlgorithm, etm: boolean, keyLength = 16): Keys => ({ key: randomBytes(keyLength), macKey: randomBytes(MAC_LENGTH[mac]), mac, etm });

const protection = (k: Keys, p: CryptoProvider = provider) =>
  new Tls12CbcProtection(p, p.cbcKey(k.key.length === 16 ? 'AES-128-CBC' : 'AES-256-CBC', k.key), k.mac, k.macKey, MAC_LENGTH[k.mac], k.etm);

/** One record sealed by `p`, as bytes. */
function seal(p: Tls12CbcProtection, type: number, fragment: Uint8Array): Buffer {
  const out: Uint8Array[] = [];
  p.seal(type, fragment, out);
  return Buffer.concat(out);
}

const open = (p: Tls12CbcProtection, wire: Uint8Array) => p.open(wire.subarray(0, 5), wire.subarray(5));

/** seq_num ‖ type ‖ version ‖ length (RFC 5246 §6.2.3.1) at sequence number 0. */
const macHeader = (type: number, length: number) => Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, type, 3, 3, length >> 8, length & 0xff]);

/**
 * A MAC-then-encrypt record made by hand (RFC 5246 §6.2.3.2) at sequence number 0, with any padding
 * (`padding` bytes of value `padValue`, then the length byte `padByte`) and MAC, right or not.
 */
function handMadeMte(k: Keys, content: Uint8Array, options: { padding?: Buffer; wrongMac?: boolean } = {}): Buffer {
  const mac = createHmac(NODE_HASH[k.mac], k.macKey).update(macHeader(ContentType.application_data, content.length)).update(content).digest();
  if (options.wrongMac) mac[0] ^= 1;
  const n = content.length + mac.length;
  const padLength = 16 - ((n + 1) % 16 || 16) ;
  const padding = options.padding ?? Buffer.alloc(padLength + 1, padLength);
  const iv = randomBytes(16);
  const c = createCipheriv(k.key.length === 16 ? 'aes-128-cbc' : 'aes-256-cbc', k.key, iv).setAutoPadding(false);
  const body = Buffer.concat([iv, c.update(Buffer.concat([content, mac, padding])), c.final()]);
  return Buffer.concat([Buffer.from([ContentType.application_data, 3, 3, body.length >> 8, body.length & 0xff]), body]);
}

function badRecordMac(f: () => unknown): TlsAlertError {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof TlsAlertError, `expected TlsAlertError, got ${String(e)}`);
    assert.equal(e.alert.name, 'bad_record_mac');
    return e;
  }
  assert.fail('the record opened');
}

describe('tls 1.2 CBC record protection (RFC 5246 §6.2.3.2, RFC 7366)', () => {
  for (const mac of ['SHA-1', 'SHA-256', 'SHA-384'] as const) {
    for (const etm of [false, true]) {
      const name = `HMAC-${mac}, ${etm ? 'encrypt-then-MAC' : 'MAC-then-encrypt'}`;
      it(`${name}: every length from 0 to 40 and 2^14 round-trips, with the sequence number advancing`, () => {
        const k = keysFor(mac, etm, mac === 'SHA-1' ? 16 : 32);
        const w = protection(k);
        const r = protection(k);
        for (const n of [...Array.from({ length: 41 }, (_, i) => i), MAX_PLAINTEXT]) {
          const data = randomBytes(n);
          const wire = seal(w, ContentType.application_data, data);
          // The body: an IV and whole blocks, plus the MAC after them for encrypt-then-MAC.
          const body = wire.length - 5 - (etm ? MAC_LENGTH[mac] : 0);
          assert.equal(body % 16, 0);
          assert.equal((wire[3] << 8) | wire[4], wire.length - 5);
          const got = open(r, wire);
          assert.equal(got.type, ContentType.application_data);
          assert.deepEqual(Buffer.from(got.fragment), data);
        }
      });

      it(`${name}: a record opened out of order (another sequence number) or with a flipped bit is bad_record_mac`, () => {
        const k = keysFor(mac, etm);
        const w = protection(k);
        const first = seal(w, ContentType.application_data, Buffer.from('first'));
        const second = seal(w, ContentType.application_data, Buffer.from('second'));
        badRecordMac(() => open(protection(k), second));
        for (const at of [5, 5 + 16, first.length - 1]) {
          const flipped = Buffer.from(first);
          flipped[at] ^= 0x80;
          badRecordMac(() => open(protection(k), flipped));
        }
        // The type is covered by the MAC too.
        const retyped = Buffer.from(first);
        retyped[0] = ContentType.handshake;
        badRecordMac(() => open(protection(k), retyped));
      });

      it(`${name}: records too short to hold an IV, a block and the MAC, or not whole blocks, are bad_record_mac`, () => {
        const k = keysFor(mac, etm);
        const m = MAC_LENGTH[mac];
        const minimum = etm ? 16 + 16 + m : 16 + Math.ceil((m + 1) / 16) * 16;
        for (const length of [0, 1, 15, 16, minimum - 16, minimum - 1, minimum + 1]) {
          const body = randomBytes(length);
          badRecordMac(() => protection(k).open(Buffer.from([ContentType.application_data, 3, 3, length >> 8, length & 0xff]), body));
        }
        // The shortest record is what an empty fragment seals to, and it opens.
        const empty = seal(protection(k), ContentType.application_data, new Uint8Array(0));
        assert.equal(empty.length - 5, minimum);
        assert.equal(open(protection(k), empty).fragment.length, 0);
      });
    }
  }

  it('the wire format is RFC 5246 §6.2.3.2: a record made with node:crypto by hand opens, and kyman\'s opens by hand', () => {
    const k = keysFor('SHA-1', false);
    const content = Buffer.from('GET / HTTP/1.0\r\n\r\n');
    assert.deepEqual(Buffer.from(open(protection(k), handMadeMte(k, content)).fragment), content);
    const wire = seal(protection(k), ContentType.application_data, content);
    const d = createDecipheriv('aes-128-cbc', k.key, wire.subarray(5, 21)).setAutoPadding(false);
    const plain = Buffer.concat([d.update(wire.subarray(21)), d.final()]);
    const pad = plain[plain.length - 1];
    assert.ok(plain.subarray(plain.length - 1 - pad).every((b) => b === pad));
    const macEnd = plain.length - 1 - pad;
    assert.deepEqual(plain.subarray(0, macEnd - 20), content);
    const mac = createHmac('sha1', k.macKey).update(macHeader(ContentType.application_data, content.length)).update(content).digest();
    assert.deepEqual(plain.subarray(macEnd - 20, macEnd), mac);
  });

  it('the encrypt-then-MAC wire format is RFC 7366 §3: the MAC covers the header with the length of IV and ciphertext, then them', () => {
    const k = keysFor('SHA-256', true);
    const content = Buffer.from('hello');
    const wire = seal(protection(k), ContentType.application_data, content);
    const covered = wire.subarray(5, wire.length - 32);
    const mac = createHmac('sha256', k.macKey).update(macHeader(ContentType.application_data, covered.length)).update(covered).digest();
    assert.deepEqual(wire.subarray(wire.length - 32), mac);
    const d = createDecipheriv('aes-128-cbc', k.key, covered.subarray(0, 16)).setAutoPadding(false);
    const plain = Buffer.concat([d.update(covered.subarray(16)), d.final()]);
    assert.deepEqual(plain, Buffer.concat([content, Buffer.alloc(11, 10)]));
  });

  it('padding longer than needed (up to 255 bytes) opens, as §6.2.3.2 allows; padding of the wrong value, or longer than the record, does not', () => {
    const k = keysFor('SHA-1', false);
    const content = Buffer.from('0123456789');
    // 10 + 20 = 30 bytes: 1 byte of padding plus its length byte makes 32; another 16 or 224 keep whole blocks.
    for (const extra of [0, 16, 224]) {
      const n = 1 + extra;
      assert.deepEqual(Buffer.from(open(protection(k), handMadeMte(k, content, { padding: Buffer.alloc(n + 1, n) })).fragment), content);
    }
    const wrong = Buffer.alloc(18, 17);
    wrong[3] = 0;
    badRecordMac(() => open(protection(k), handMadeMte(k, content, { padding: wrong })));
    // A zero-filled padding (tlsfuzzer's "zero-filled"): the length byte says 1, the byte before it 0.
    badRecordMac(() => open(protection(k), handMadeMte(k, content, { padding: Buffer.from([0, 1]) })));
    // padding_length 255 in a record far shorter than 256 bytes.
    badRecordMac(() => open(protection(k), handMadeMte(k, content, { padding: Buffer.from([255, 255]) })));
  });

  it('a bad padding and a bad MAC are indistinguishable: the same alert and the same message', () => {
    const k = keysFor('SHA-1', false);
    const content = Buffer.from('0123456789');
    const badPadding = badRecordMac(() => open(protection(k), handMadeMte(k, content, { padding: Buffer.from([7, 1]) })));
    const badMac = badRecordMac(() => open(protection(k), handMadeMte(k, content, { wrongMac: true })));
    assert.deepEqual(badPadding.alert, badMac.alert);
    assert.equal(badPadding.message, badMac.message);
    // And so are a bad MAC under encrypt-then-MAC and one of its (authenticated) bad paddings.
    const etm = keysFor('SHA-1', true);
    const sealed = seal(protection(etm), ContentType.application_data, content);
    sealed[sealed.length - 1] ^= 1;
    assert.equal(badRecordMac(() => open(protection(etm), sealed)).message, badMac.message);
  });

  it('Lucky 13: the HMAC and the filler hash together take the same compression-function blocks whatever the padding', () => {
    // A provider that counts the blocks each hash and HMAC input takes (64-byte blocks, 8-byte length field).
    let blocks = 0;
    const count = (n: number) => Math.floor((n + 8) / 64) + 1;
    const counting: CryptoProvider = {
      ...provider,
      // The inner hash: the key block, then the data; the outer hash (a constant 2 blocks) is left out.
      hmac: (a, key, data) => ((blocks += count(64 + data.length)), provider.hmac(a, key, data)),
      hash: (a, data) => ((blocks += count(data.length)), provider.hash(a, data)),
    };
    const k = keysFor('SHA-256', false);
    const content = Buffer.alloc(300, 0x61);
    const seen = new Set<number>();
    // 300 + 32 = 332 bytes; padding of 3 + 16j bytes (with the length byte 4 + 16j) keeps whole blocks.
    for (const padLength of [3, 19, 67, 131, 195, 243]) {
      // The same record length for each: the content shrinks as the padding grows.
      const cut = content.subarray(0, 300 - (padLength - 3));
      blocks = 0;
      open(protection(k, counting), handMadeMte(k, cut, { padding: Buffer.alloc(padLength + 1, padLength) }));
      seen.add(blocks);
      // A bad padding of the same record length costs the same too.
      const badPadding = Buffer.alloc(padLength + 1, padLength);
      badPadding[0] ^= 1;
      blocks = 0;
      badRecordMac(() => open(protection(k, counting), handMadeMte(k, cut, { padding: badPadding })));
      seen.add(blocks);
    }
    assert.equal(seen.size, 1, `blocks hashed: ${[...seen].join(', ')}`);
  });

  it('through the record reader and writer: 40 KB of application data in 2^14-byte records', () => {
    const k = keysFor('SHA-1', true);
    const w = new RecordWriter();
    w.setProtection(protection(k));
    const data = randomBytes(40_000);
    w.write(ContentType.application_data, data);
    const r = new RecordReader();
    r.protection = protection(k);
    r.push(Buffer.concat(w.take()));
    const got: Buffer[] = [];
    for (let rec = r.next(); rec; rec = r.next()) got.push(Buffer.from(rec.fragment));
    assert.deepEqual(got.map((g) => g.length), [MAX_PLAINTEXT, MAX_PLAINTEXT, 40_000 - 2 * MAX_PLAINTEXT]);
    assert.deepEqual(Buffer.concat(got), data);
  });
});
