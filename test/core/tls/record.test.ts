// The record layer: framing and fragmentation, full-size records, padding, limits, tags and sequence numbers, records split across reads, AEADs without sealParts.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { AeadKey, CryptoProvider } from '../../../src/core/crypto/index.js';
import { softwareProvider } from '../../../src/core/crypto/software.js';
import { TlsAlertError } from '../../../src/core/tls/index.js';
import { ContentType, MAX_CIPHERTEXT_TLS12, MAX_CIPHERTEXT_TLS13, MAX_PLAINTEXT, RecordReader, RecordWriter, Tls12Protection, Tls13Protection, joinSmallPieces } from '../../../src/core/tls/record.js';
import { makePki, provider, type TestPki } from '../../helpers/tls-credentials.js';
import { collect, sha256, within, stoppedAfterEach } from '../../helpers/peers.js';
import { pipedKymanPair, until, type KymanPairOptions } from '../../helpers/pipe-pair.js';

const KEY = Uint8Array.from(randomBytes(16));
const IV = Uint8Array.from(randomBytes(12));
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** The AEAD as a provider without the sealParts fast path has it (the PKCS #11 one). */
const withoutParts = (k: AeadKey): AeadKey => ({ algorithm: k.algorithm, seal: k.seal, open: k.open });
const aead = (parts = true) => (parts ? provider.aead('AES-128-GCM', KEY) : withoutParts(provider.aead('AES-128-GCM', KEY)));

/** Each record's header and body, parsed back out of written bytes. */
function records(bytes: Uint8Array): Array<{ type: number; length: number; header: Uint8Array; body: Uint8Array }> {
  const out = [];
  for (let at = 0; at < bytes.length; ) {
    const length = (bytes[at + 3] << 8) | bytes[at + 4];
    out.push({ type: bytes[at], length, header: bytes.subarray(at, at + 5), body: bytes.subarray(at + 5, at + 5 + length) });
    at += 5 + length;
  }
  return out;
}

/** A TLS 1.3 record sealed by hand: content ‖ type ‖ `padding` zeros (RFC 8446 §5.2, §5.4), at sequence number 0. */
function paddedRecord(content: Uint8Array, type: number, padding: number): Uint8Array {
  const inner = new Uint8Array(content.length + 1 + padding);
  inner.set(content, 0);
  inner[content.length] = type;
  const length = inner.length + 16;
  const header = Uint8Array.of(ContentType.application_data, 3, 3, length >>> 8, length & 0xff);
  return Buffer.concat([header, aead().seal(IV, header, inner)]);
}

describe('tls record layer', function () {
  this.timeout(30_000);
  let pki: TestPki;
  const { sockets } = stoppedAfterEach();
  before(async () => (pki = await makePki()));
  after(() => pki.cleanup());

  const kymanPair = (options: KymanPairOptions = {}) => pipedKymanPair(pki, sockets, options);

  describe('full-size records (RFC 8446 §5.1: TLSPlaintext.length MUST NOT exceed 2^14)', () => {
    for (const [name, make, overhead] of [
      ['TLS 1.3', () => new Tls13Protection(aead(), IV), 1 + 16],
      ['TLS 1.3 without sealParts', () => new Tls13Protection(aead(false), IV), 1 + 16],
      ['TLS 1.2 AES-GCM', () => new Tls12Protection(aead(), IV.subarray(0, 4), 8), 8 + 16],
      ['TLS 1.2 AES-GCM without sealParts', () => new Tls12Protection(aead(false), IV.subarray(0, 4), 8), 8 + 16],
    ] as const) {
      it(`${name}: 2^14 bytes are one record, 2^14 + 1 are two, and they open`, () => {
        for (const size of [MAX_PLAINTEXT, MAX_PLAINTEXT + 1]) {
          const w = new RecordWriter();
          w.setProtection(make());
          const data = randomBytes(size);
          w.write(ContentType.application_data, data);
          const wire = Buffer.concat(w.take());
          const recs = records(wire);
          assert.deepEqual(
            recs.map((r) => r.length),
            size === MAX_PLAINTEXT ? [MAX_PLAINTEXT + overhead] : [MAX_PLAINTEXT + overhead, 1 + overhead],
          );
          const r = new RecordReader();
          r.protection = make();
          r.push(wire);
          const got: Uint8Array[] = [];
          for (let rec = r.next(); rec; rec = r.next()) got.push(Uint8Array.from(rec.fragment));
          assert.equal(sha256(Buffer.concat(got)), sha256(data));
        }
      });
    }

    it('a kyman peer sends 2^14 bytes as one record and 2^14 + 1 as two, over a connection', async () => {
      const { client, server, fromA } = await kymanPair({ versions: ['TLSv1.3'] });
      const got: Buffer[] = [];
      server.on('data', (d: Buffer) => got.push(d));
      for (const size of [MAX_PLAINTEXT, MAX_PLAINTEXT + 1]) {
        fromA.length = 0;
        got.length = 0;
        const data = randomBytes(size);
        client.write(data);
        await within(5000, until(() => Buffer.concat(got).length >= size), 'the data');
        assert.deepEqual(records(Buffer.concat(fromA)).map((r) => r.length - 17), size === MAX_PLAINTEXT ? [MAX_PLAINTEXT] : [MAX_PLAINTEXT, 1]);
        assert.equal(sha256(Buffer.concat(got)), sha256(data));
      }
    });
  });

  describe('padding (RFC 8446 §5.4)', () => {
    const open = (wire: Uint8Array) => new Tls13Protection(aead(), IV).open(wire.subarray(0, 5), wire.subarray(5));

    it('a padded record opens to its content and type', () => {
      const content = Buffer.from('padded application data');
      for (const padding of [1, 100, MAX_PLAINTEXT - content.length]) {
        const rec = open(paddedRecord(content, ContentType.application_data, padding));
        assert.equal(rec.type, ContentType.application_data);
        assert.equal(Buffer.from(rec.fragment).toString(), content.toString());
      }
      // 2^14 bytes of content with no room for padding is the largest record there is.
      const full = randomBytes(MAX_PLAINTEXT);
      assert.equal(sha256(open(paddedRecord(full, ContentType.application_data, 0)).fragment), sha256(full));
    });

    it('padding past 2^14 + 1 bytes of inner plaintext is a record_overflow; padding alone is unexpected_message', () => {
      assert.throws(
        () => open(paddedRecord(Buffer.from('x'), ContentType.application_data, MAX_PLAINTEXT)),
        (e: unknown) => e instanceof TlsAlertError && e.alert.name === 'record_overflow',
      );
      assert.throws(
        () => open(paddedRecord(new Uint8Array(0), 0, 40)),
        (e: unknown) => e instanceof TlsAlertError && e.alert.name === 'unexpected_message',
      );
    });
  });

  describe('reading', () => {
    it('records split anywhere across reads, header included, come out whole and in order', () => {
      const w = new RecordWriter();
      w.setProtection(new Tls13Protection(aead(), IV));
      const messages = [randomBytes(10), randomBytes(MAX_PLAINTEXT), randomBytes(3000), randomBytes(1)];
      for (const m of messages) w.write(ContentType.application_data, m);
      const wire = Buffer.concat(w.take());
      for (const cut of [1, 3, 5, 7, 4096, 16_000, 65_536]) {
        const r = new RecordReader();
        r.protection = new Tls13Protection(aead(), IV);
        const got: Buffer[] = [];
        for (let at = 0; at < wire.length; at += cut) {
          r.push(wire.subarray(at, at + cut));
          for (let rec = r.next(); rec; rec = r.next()) got.push(Buffer.from(rec.fragment));
        }
        assert.equal(r.buffered, 0);
        assert.deepEqual(got.map(sha256), messages.map(sha256), `reads of ${cut} bytes`);
      }
    });

    /** `n` records of `size` bytes sealed under another key: early data the reader cannot open. */
    const garbage = (n: number, size: number) => {
      const w = new RecordWriter();
      w.setProtection(new Tls13Protection(provider.aead('AES-128-GCM', Uint8Array.from(randomBytes(16))), IV));
      for (let i = 0; i < n; i++) w.write(ContentType.application_data, randomBytes(size));
      return Buffer.concat(w.take());
    };
    /** A handshake record, then an application_data one, sealed at sequence 0 and 1 under the reader's key. */
    const sealedPair = (handshake: string, data: string) => {
      const w = new RecordWriter();
      w.setProtection(new Tls13Protection(aead(), IV));
      w.write(ContentType.handshake, Buffer.from(handshake));
      w.write(ContentType.application_data, Buffer.from(data));
      return Buffer.concat(w.take());
    };

    it('skips early data that does not decrypt, within its budget, and the sequence number stays (RFC 8446 §4.2.10)', () => {
      const r = new RecordReader();
      r.protection = new Tls13Protection(aead(), IV);
      r.earlyDataSkip = 10_000;
      r.push(Buffer.concat([garbage(3, 1000), sealedPair('finished', 'data')]));
      assert.equal(Buffer.from(r.next()!.fragment).toString(), 'finished');
      assert.equal(r.earlyDataSkip, 0, 'the first record that decrypts ends the skipping');
      const second = r.next()!;
      assert.equal(Buffer.from(second.fragment).toString(), 'data', 'the second record opens at sequence 1');
    });

    it('more early data than the budget, or garbage after a record decrypted, is a bad_record_mac', () => {
      const bad = (e: unknown) => e instanceof TlsAlertError && e.alert.name === 'bad_record_mac';
      const over = new RecordReader();
      over.protection = new Tls13Protection(aead(), IV);
      over.earlyDataSkip = 1500;
      over.push(garbage(2, 1000));
      assert.throws(() => over.next(), bad);
      const after = new RecordReader();
      after.protection = new Tls13Protection(aead(), IV);
      after.push(garbage(1, 100));
      assert.throws(() => after.next(), bad, 'without a budget nothing is skipped');
    });

    it('before keys, after a HelloRetryRequest, every application_data record is skipped as early data', () => {
      const r = new RecordReader();
      r.earlyDataSkip = 5000;
      const plain = (type: number, body: Buffer) => Buffer.concat([Buffer.from([type, 3, 3, body.length >> 8, body.length & 0xff]), body]);
      r.push(Buffer.concat([plain(ContentType.application_data, randomBytes(1000)), plain(ContentType.handshake, Buffer.from('hello'))]));
      const rec = r.next()!;
      assert.equal(rec.type, ContentType.handshake);
      assert.equal(Buffer.from(rec.fragment).toString(), 'hello');
    });

    it('a plaintext alert is heard under TLS 1.3 handshake keys only while plaintextAlerts is on', () => {
      const alert = Buffer.from('15030300020230', 'hex');
      const on = new RecordReader();
      on.protection = new Tls13Protection(aead(), IV);
      on.plaintextAlerts = true;
      on.push(alert);
      const rec = on.next()!;
      assert.equal(rec.type, ContentType.alert);
      assert.equal(Buffer.from(rec.fragment).toString('hex'), '0230');
      const off = new RecordReader();
      off.protection = new Tls13Protection(aead(), IV);
      off.push(alert);
      assert.throws(() => off.next(), (e: unknown) => e instanceof TlsAlertError && e.alert.name === 'unexpected_message');
    });
  });

  describe('writing', () => {
    it('a provider without sealParts (as PKCS #11) carries TLS 1.3 and TLS 1.2 (GCM and ChaCha20-Poly1305) both ways', async () => {
      const plain: CryptoProvider = { ...provider, aead: (a, k) => withoutParts(provider.aead(a, k)) };
      for (const [versions, suite] of [
        [['TLSv1.3'], 'TLS_AES_128_GCM_SHA256'],
        [['TLSv1.2'], 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384'],
        [['TLSv1.2'], 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256'],
      ] as const) {
        const { client, server, summary } = await kymanPair({ provider: plain, versions: [...versions], cipherSuites: [suite] });
        assert.equal(summary.cipherSuite, suite);
        const up = randomBytes(100_000);
        const down = randomBytes(70_000);
        const gotUp = collect(server);
        const gotDown = collect(client);
        server.end(down);
        client.end(up);
        assert.equal(sha256(await within(10_000, gotUp, `${suite} up`)), sha256(up));
        assert.equal(sha256(await within(10_000, gotDown, `${suite} down`)), sha256(down));
      }
    });

  });
  describe('framing and fragmentation (RFC 8446 §5.1)', () => {
    it('frames plaintext records as type, version 3.3, length; splits a large write into 2^14-byte fragments', () => {
      const w = new RecordWriter();
      const data = randomBytes(40_000);
      w.write(ContentType.application_data, data);
      assert.equal(w.queuedBytes, 40_000);
      const wire = Buffer.concat(w.take());
      assert.equal(w.queuedBytes, 0);
      const recs = records(wire);
      assert.deepEqual(recs.map((r) => r.length), [MAX_PLAINTEXT, MAX_PLAINTEXT, 40_000 - 2 * MAX_PLAINTEXT]);
      for (const r of recs) assert.deepEqual([...r.header.subarray(0, 3)], [ContentType.application_data, 3, 3]);
      assert.equal(sha256(Buffer.concat(recs.map((r) => r.body))), sha256(data));
      assert.deepEqual(w.take(), [], 'take() hands the queue over once');
    });

    it('an empty application_data write sends nothing; change_cipher_spec goes in the clear, even under keys', () => {
      const w = new RecordWriter();
      w.write(ContentType.application_data, new Uint8Array(0));
      assert.deepEqual(w.take(), []);
      w.write(ContentType.change_cipher_spec, Uint8Array.of(1));
      assert.deepEqual([...Buffer.concat(w.take())], [20, 3, 3, 0, 1, 1]);
      w.setProtection(new Tls13Protection(aead(), IV));
      w.write(ContentType.change_cipher_spec, Uint8Array.of(1));
      assert.deepEqual([...Buffer.concat(w.take())], [20, 3, 3, 0, 1, 1]);
    });

    it('consecutive handshake messages share a record; new keys apply only to what is written after', () => {
      const w = new RecordWriter();
      w.write(ContentType.handshake, Buffer.from('first'));
      w.write(ContentType.handshake, Buffer.from('second'));
      w.setProtection(new Tls13Protection(aead(), IV));
      w.write(ContentType.handshake, Buffer.from('third'));
      const recs = records(Buffer.concat(w.take()));
      assert.equal(recs.length, 2);
      assert.equal(recs[0].type, ContentType.handshake);
      assert.equal(Buffer.from(recs[0].body).toString(), 'firstsecond', 'written before the keys: in the clear, in one record');
      assert.equal(recs[1].type, ContentType.application_data, 'TLS 1.3 hides the type under protection');
      const opened = new Tls13Protection(aead(), IV).open(recs[1].header, recs[1].body);
      assert.deepEqual([opened.type, Buffer.from(opened.fragment).toString()], [ContentType.handshake, 'third']);
    });

    it('full records sealed together come out as two pieces a record: the ciphertext, uncopied, and a tail joined to the next header', () => {
      const w = new RecordWriter();
      w.setProtection(new Tls13Protection(aead(), IV));
      const data = randomBytes(4 * MAX_PLAINTEXT);
      w.write(ContentType.application_data, data);
      const pieces = w.take();
      // header | ciphertext | type byte, tag, next header | … | last type byte and tag
      assert.deepEqual(pieces.map((p) => p.length), [5, MAX_PLAINTEXT, 1 + 16 + 5, MAX_PLAINTEXT, 22, MAX_PLAINTEXT, 22, MAX_PLAINTEXT, 17]);
      const reader = new RecordReader();
      reader.protection = new Tls13Protection(aead(), IV);
      reader.push(Buffer.concat(pieces));
      const back = [];
      for (let r = reader.next(); r; r = reader.next()) back.push(Buffer.from(r.fragment));
      assert.equal(sha256(Buffer.concat(back)), sha256(data));
    });

    it('joinSmallPieces joins runs of small pieces only, and leaves large ones as the same objects', () => {
      const big = new Uint8Array(1000).fill(7);
      const big2 = new Uint8Array(2000).fill(8);
      const [a, b, c] = [Uint8Array.of(1), Uint8Array.of(2, 3), Uint8Array.of(4)];
      const joined = joinSmallPieces([a, b, big, c, big2, a, b, c]);
      assert.equal(joined.length, 5);
      assert.deepEqual([...joined[0]], [1, 2, 3]);
      assert.equal(joined[1], big);
      assert.equal(joined[2], c, 'a lone small piece stays as it is');
      assert.equal(joined[3], big2);
      assert.deepEqual([...joined[4]], [1, 2, 3, 4]);
      const untouched = [big, c, big2];
      assert.equal(joinSmallPieces(untouched), untouched, 'nothing to join: the same array');
      assert.deepEqual(joinSmallPieces([]), []);
    });
  });

  describe('limits on the header, before the body arrives', () => {
    const header = (type: number, length: number) => Buffer.from([type, 3, 3, length >>> 8, length & 0xff]);
    const overflow = (e: unknown) => e instanceof TlsAlertError && e.alert.name === 'record_overflow';

    it('a plaintext record longer than 2^14 is a record_overflow', () => {
      const r = new RecordReader();
      r.push(header(ContentType.handshake, MAX_PLAINTEXT + 1));
      assert.throws(() => r.next(), overflow);
    });

    it('TLS 1.3: a protected record over 2^14 + 256 bytes is a record_overflow; 2^14 + 256 is waited for', () => {
      const r = new RecordReader();
      r.protection = new Tls13Protection(aead(), IV);
      r.push(header(ContentType.application_data, MAX_CIPHERTEXT_TLS13));
      assert.equal(r.next(), undefined, 'at the limit: wait for the body');
      const over = new RecordReader();
      over.protection = new Tls13Protection(aead(), IV);
      over.push(header(ContentType.application_data, MAX_CIPHERTEXT_TLS13 + 1));
      assert.throws(() => over.next(), overflow);
    });

    it('TLS 1.2: the limit is 2^14 + 2048, and a body with more than 2^14 bytes of plaintext is a record_overflow', () => {
      const r = new RecordReader();
      r.protection = new Tls12Protection(aead(), IV.subarray(0, 4), 8);
      r.push(header(ContentType.application_data, MAX_CIPHERTEXT_TLS12 + 1));
      assert.throws(() => r.next(), overflow);
      const p = new Tls12Protection(aead(), IV.subarray(0, 4), 8);
      const length = 8 + MAX_PLAINTEXT + 1 + 16;
      assert.throws(() => p.open(header(ContentType.application_data, length), new Uint8Array(length)), overflow);
    });

    it('a first record that is not TLS is a decode_error; an unknown type later is an unexpected_message', () => {
      const alert = (name: string) => (e: unknown) => e instanceof TlsAlertError && e.alert.name === name;
      const first = new RecordReader();
      first.push(Buffer.from('GET / HTTP/1.1\r\n'));
      assert.throws(() => first.next(), alert('decode_error'));
      const version = new RecordReader();
      version.push(Buffer.from([ContentType.handshake, 2, 0, 0, 1, 0]));
      assert.throws(() => version.next(), alert('decode_error'));
      const later = new RecordReader();
      later.push(Buffer.concat([header(ContentType.handshake, 1), Buffer.of(0), header(99, 1), Buffer.of(0)]));
      assert.equal(later.next()!.type, ContentType.handshake);
      assert.throws(() => later.next(), alert('unexpected_message'));
    });

    it('after keys are set, an unprotected record other than change_cipher_spec is an unexpected_message', () => {
      const r = new RecordReader();
      r.protection = new Tls13Protection(aead(), IV);
      r.push(Buffer.concat([header(ContentType.change_cipher_spec, 1), Buffer.of(1), header(ContentType.handshake, 1), Buffer.of(0)]));
      assert.deepEqual([...r.next()!.fragment], [1], 'change_cipher_spec passes in the clear');
      assert.throws(() => r.next(), (e: unknown) => e instanceof TlsAlertError && e.alert.name === 'unexpected_message');
    });
  });

  describe('protection: tags and sequence numbers (RFC 8446 §5.2, §5.3; RFC 5246 §6.2.3.3)', () => {
    const badMac = (e: unknown) => e instanceof TlsAlertError && e.alert.name === 'bad_record_mac';
    const protections = [
      ['TLS 1.3', () => new Tls13Protection(aead(), IV)],
      ['TLS 1.2 AES-GCM', () => new Tls12Protection(aead(), IV.subarray(0, 4), 8)],
      ['TLS 1.2 ChaCha20-Poly1305', () => new Tls12Protection(provider.aead('CHACHA20-POLY1305', new Uint8Array(32).fill(7)), IV, 0)],
    ] as const;

    for (const [name, make] of protections) {
      it(`${name}: a flipped bit in the tag, the body or the header is a bad_record_mac`, () => {
        const out: Uint8Array[] = [];
        make().seal(ContentType.application_data, Buffer.from('authentic'), out);
        const wire = Buffer.concat(out);
        // The header is authenticated as AAD: in TLS 1.3 all of it (here the version), in TLS 1.2 its type.
        const headerByte = name === 'TLS 1.3' ? 2 : 0;
        for (const at of [wire.length - 1, 5 + 9, headerByte]) {
          const bad = Buffer.from(wire);
          bad[at] ^= 1;
          assert.throws(() => make().open(bad.subarray(0, 5), bad.subarray(5)), badMac, `byte ${at}`);
        }
        assert.equal(Buffer.from(make().open(wire.subarray(0, 5), wire.subarray(5)).fragment).toString(), 'authentic');
      });

      it(`${name}: each record has its own sequence number, so records replayed or reordered do not open`, () => {
        const sealer = make();
        const wires = ['zero', 'one', 'two'].map((text) => {
          const out: Uint8Array[] = [];
          sealer.seal(ContentType.application_data, Buffer.from(text), out);
          return Buffer.concat(out);
        });
        const inOrder = make();
        assert.deepEqual(wires.map((w) => Buffer.from(inOrder.open(w.subarray(0, 5), w.subarray(5)).fragment).toString()), ['zero', 'one', 'two']);
        const skipped = make();
        assert.throws(() => skipped.open(wires[1].subarray(0, 5), wires[1].subarray(5)), badMac, 'record 1 read as record 0');
        const replayed = make();
        replayed.open(wires[0].subarray(0, 5), wires[0].subarray(5));
        assert.throws(() => replayed.open(wires[0].subarray(0, 5), wires[0].subarray(5)), badMac, 'record 0 again as record 1');
      });
    }

    it('TLS 1.2: a body too short for the explicit nonce and the tag is a bad_record_mac', () => {
      const p = new Tls12Protection(aead(), IV.subarray(0, 4), 8);
      assert.throws(() => p.open(Buffer.from([ContentType.application_data, 3, 3, 0, 23]), new Uint8Array(23)), badMac);
    });

    /** An AEAD that records each nonce and AAD it is given. */
    const recording = () => {
      const calls: { nonce: string; aad: string }[] = [];
      const inner = aead(false);
      const key: AeadKey = {
        algorithm: inner.algorithm,
        seal: (nonce, aad, plain) => (calls.push({ nonce: Buffer.from(nonce).toString('hex'), aad: Buffer.from(aad).toString('hex') }), inner.seal(nonce, aad, plain)),
        open: inner.open,
      };
      return { key, calls };
    };
    const xorSeq = (iv: Uint8Array, seq: number) => {
      const n = Buffer.from(iv);
      n[11] ^= seq;
      return n.toString('hex');
    };

    it('TLS 1.3: the nonce is the IV XOR the sequence number, and the AAD is the record header', () => {
      const { key, calls } = recording();
      const p = new Tls13Protection(key, IV);
      for (let i = 0; i < 3; i++) p.seal(ContentType.application_data, Buffer.from('x'), []);
      assert.deepEqual(calls.map((c) => c.nonce), [0, 1, 2].map((s) => xorSeq(IV, s)));
      assert.equal(calls[0].aad, '1703030012', 'application_data, 3.3, 1 + 1 + 16 bytes');
    });

    it('TLS 1.2 AES-GCM: the explicit nonce is the sequence number, sent; the AAD is seq ‖ type ‖ version ‖ plaintext length', () => {
      const { key, calls } = recording();
      const salt = IV.subarray(0, 4);
      const p = new Tls12Protection(key, salt, 8);
      const out: Uint8Array[] = [];
      p.seal(ContentType.application_data, Buffer.from('abc'), []);
      p.seal(ContentType.alert, Buffer.from('ab'), out);
      const salted = Buffer.from(salt).toString('hex');
      assert.deepEqual(calls.map((c) => c.nonce), [`${salted}0000000000000000`, `${salted}0000000000000001`]);
      assert.deepEqual(calls.map((c) => c.aad), ['00000000000000001703030003', '00000000000000011503030002']);
      assert.equal(Buffer.from(out[1]).toString('hex'), '0000000000000001', 'the explicit part goes first in the body');
    });
  });
});

describe('tls 1.2: record protection (RFC 5288, RFC 7905)', () => {
  const p = softwareProvider();
  /** One sealed record as header and body, from the pieces seal appends. */
  const sealRecord = (w: Tls12Protection, type: number, data: Uint8Array): [Uint8Array, Buffer] => {
    const out: Uint8Array[] = [];
    w.seal(type, data, out);
    return [out[0], Buffer.concat(out.slice(1))];
  };
  it('AES-GCM: the explicit nonce is the sequence number after the 4-byte salt, and the record opens', () => {
    const key = randomBytes(16);
    const salt = randomBytes(4);
    const w = new Tls12Protection(p.aead('AES-128-GCM', key), salt, 8);
    const r = new Tls12Protection(p.aead('AES-128-GCM', key), salt, 8);
    for (let seq = 0; seq < 3; seq++) {
      const [header, body] = sealRecord(w, ContentType.application_data, Buffer.from(`record ${seq}`));
      assert.equal(body.length, 8 + 8 + 16);
      assert.deepEqual([...header], [23, 3, 3, 0, body.length]);
      assert.equal(toHex(body.subarray(0, 8)), seq.toString(16).padStart(16, '0'));
      // RFC 5246 §6.2.3.3: additional_data = seq_num ‖ type ‖ version ‖ length, here checked by decrypting by hand.
      const aad = Buffer.concat([Buffer.from(seq.toString(16).padStart(16, '0'), 'hex'), Buffer.from([23, 3, 3, 0, 8])]);
      const plain = p.aead('AES-128-GCM', key).open(Buffer.concat([salt, body.subarray(0, 8)]), aad, body.subarray(8));
      assert.equal(Buffer.from(plain!).toString(), `record ${seq}`);
      assert.equal(Buffer.from(r.open(header, body).fragment).toString(), `record ${seq}`);
    }
  });

  it('ChaCha20-Poly1305: IV XOR sequence number, nothing explicit; a flipped bit is bad_record_mac', () => {
    const key = randomBytes(32);
    const iv = randomBytes(12);
    const w = new Tls12Protection(p.aead('CHACHA20-POLY1305', key), iv, 0);
    const r = new Tls12Protection(p.aead('CHACHA20-POLY1305', key), iv, 0);
    sealRecord(w, ContentType.handshake, Buffer.from('first'));
    const [header, body] = sealRecord(w, ContentType.handshake, Buffer.from('second'));
    assert.equal(body.length, 6 + 16);
    const nonce = Uint8Array.from(iv);
    nonce[11] ^= 1;
    const aad = Buffer.concat([Buffer.from('0000000000000001', 'hex'), Buffer.from([22, 3, 3, 0, 6])]);
    assert.equal(Buffer.from(p.aead('CHACHA20-POLY1305', key).open(nonce, aad, body)!).toString(), 'second');
    // The reader is at sequence 0: the record sealed at 1 does not open there.
    assert.throws(() => r.open(header, body), (e: unknown) => e instanceof TlsAlertError && e.alert.name === 'bad_record_mac');
  });
});
