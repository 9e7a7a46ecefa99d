// The record layer's edges: full-size records, padding, records split across reads, AEADs without sealParts, batching and back-pressure.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Duplex } from 'node:stream';
import type { AeadKey, CryptoProvider } from '../../../src/core/crypto/index.js';
import { connect, createTlsServer, TlsAlertError } from '../../../src/core/tls/index.js';
import { handshakeRandom } from '../../../src/core/tls/random-pool.js';
import { ContentType, MAX_PLAINTEXT, RecordReader, RecordWriter, Tls12Protection, Tls13Protection } from '../../../src/core/tls/record.js';
import { makePki, provider, type TestPki } from '../../helpers/tls-credentials.js';
import { collect, sha256, within, stoppedAfterEach } from '../../helpers/peers.js';
import { pipedKymanPair, until, type KymanPairOptions } from '../../helpers/pipe-pair.js';

const KEY = Uint8Array.from(randomBytes(16));
const IV = Uint8Array.from(randomBytes(12));

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
  const { peers, sockets } = stoppedAfterEach();
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

    it('writes queued behind a cork go out as one record, not one per write', async () => {
      const { client, server, fromA } = await kymanPair({ versions: ['TLSv1.3'] });
      const got: Buffer[] = [];
      server.on('data', (d: Buffer) => got.push(d));
      client.cork();
      for (let i = 0; i < 100; i++) client.write(`line ${i}\n`);
      client.uncork();
      const expected = Array.from({ length: 100 }, (_, i) => `line ${i}\n`).join('');
      await within(5000, until(() => Buffer.concat(got).length >= expected.length), 'the lines');
      assert.equal(Buffer.concat(got).toString(), expected);
      assert.equal(records(Buffer.concat(fromA)).length, 1);
    });

    it('data written just before destroy() still reaches the transport', async () => {
      const { client, server } = await kymanPair({ versions: ['TLSv1.3'] });
      const got: Buffer[] = [];
      server.on('data', (d: Buffer) => got.push(d));
      client.write('last words');
      client.destroy();
      await within(5000, until(() => got.length > 0), 'the last write');
      assert.equal(Buffer.concat(got).toString(), 'last words');
    });

    it('a slow transport pushes back: write() says wait, and every byte arrives in order', async () => {
      // A transport that takes each chunk only on a later turn of the event loop, and holds little.
      const out: Buffer[] = [];
      let peer!: Duplex;
      const slow = new Duplex({
        highWaterMark: 4096,
        read() {},
        write(c: Buffer, _e, cb) {
          setImmediate(() => {
            out.push(c);
            peer.push(c);
            cb();
          });
        },
        final(cb) {
          peer.push(null);
          cb();
        },
      });
      peer = new Duplex({
        read() {},
        write(c: Buffer, _e, cb) {
          slow.push(c);
          cb();
        },
        final(cb) {
          slow.push(null);
          cb();
        },
      });
      const server = createTlsServer({ certificateChain: [pki.ecdsa.der], privateKey: pki.ecdsa.key, provider }).accept(peer);
      const client = connect({ socket: slow, serverName: 'localhost', trustAnchors: [pki.root.der], provider });
      sockets.push(client, server);
      await within(10_000, Promise.all([client.secured, server.secured]));
      const data = randomBytes(2 * 1024 * 1024);
      const got = collect(server);
      let refused = 0;
      for (let at = 0; at < data.length; at += 16 * 1024) if (!client.write(data.subarray(at, at + 16 * 1024))) refused++;
      client.end();
      assert.ok(refused > 0, 'write() returned false at least once');
      assert.equal(sha256(await within(20_000, got, 'the transfer')), sha256(data));
    });
  });

  it('handshake random bytes come from the provider in blocks, each handed out once', () => {
    let calls = 0;
    const counting: CryptoProvider = {
      ...provider,
      random: (n) => {
        calls++;
        return provider.random(n);
      },
    };
    const seen = new Set<string>();
    for (let i = 0; i < 100; i++) {
      const r = handshakeRandom(counting, 32);
      assert.equal(r.length, 32);
      seen.add(Buffer.from(r).toString('hex'));
    }
    assert.equal(seen.size, 100);
    assert.ok(calls < 10, `${calls} provider calls for 100 randoms`);
  });
});
