// The TLS connection as a Duplex: writes waiting for the handshake, batching, back-pressure, close_notify, how a transport's end is read, and a raw peer's truncated, oversized or overlong input.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Duplex } from 'node:stream';
import { KymanError } from '../../../src/core/errors.js';
import { connect, createTlsServer, TlsAlertError, type HandshakeSummary } from '../../../src/core/tls/index.js';
import { makePki, provider, type TestPki } from '../../helpers/tls-credentials.js';
import { collect, sha256, within, stoppedAfterEach } from '../../helpers/peers.js';
import { pipedKymanPair, pipePair, until, type KymanPairOptions } from '../../helpers/pipe-pair.js';
import { rawServer, tlsHarness } from '../../helpers/tls-harness.js';

/** Each record's header and body, parsed back out of written bytes. */
function records(bytes: Uint8Array): Array<{ type: number; length: number }> {
  const out = [];
  for (let at = 0; at < bytes.length; ) {
    const length = (bytes[at + 3] << 8) | bytes[at + 4];
    out.push({ type: bytes[at], length });
    at += 5 + length;
  }
  return out;
}

describe('tls connection', function () {
  this.timeout(30_000);
  let pki: TestPki;
  const { sockets } = stoppedAfterEach();
  before(async () => (pki = await makePki()));
  after(() => pki.cleanup());

  const kymanPair = (options: KymanPairOptions = {}) => pipedKymanPair(pki, sockets, options);

  describe('writing', () => {
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

    it('data written before the handshake is done waits for it, then goes out protected', async () => {
      const pair = pipePair();
      const server = createTlsServer({ certificateChain: [pki.ecdsa.der], privateKey: pki.ecdsa.key, provider }).accept(pair.b);
      const client = connect({ socket: pair.a, serverName: 'localhost', trustAnchors: [pki.root.der], provider });
      sockets.push(client, server);
      client.write('sent at once');
      const got: Buffer[] = [];
      server.on('data', (d: Buffer) => got.push(d));
      await within(10_000, until(() => Buffer.concat(got).length >= 12), 'the early write');
      assert.equal(Buffer.concat(got).toString(), 'sent at once');
      assert.ok(!Buffer.concat(pair.fromA).includes(Buffer.from('sent at once')), 'never in the clear');
    });
  });

  describe('the handshake', () => {
    it("emits 'secure' with the summary that secured resolves to, and keeps it", async () => {
      const pair = pipePair();
      const server = createTlsServer({ certificateChain: [pki.ecdsa.der], privateKey: pki.ecdsa.key, provider }).accept(pair.b);
      const client = connect({ socket: pair.a, serverName: 'localhost', trustAnchors: [pki.root.der], provider });
      sockets.push(client, server);
      const emitted = new Promise<HandshakeSummary>((resolve) => client.once('secure', resolve));
      const summary = await within(10_000, client.secured, 'handshake');
      assert.equal(await emitted, summary);
      assert.equal(client.summary, summary);
      assert.equal(summary.version, 'TLSv1.3');
    });

    it('a KeyUpdate before the handshake is done is USAGE', () => {
      const pair = pipePair();
      const client = connect({ socket: pair.a, serverName: 'localhost', trustAnchors: [pki.root.der], provider });
      sockets.push(client);
      assert.throws(() => client.keyUpdate(), (e: unknown) => e instanceof KymanError && e.code === 'USAGE');
    });
  });

  describe('closing', () => {
    it("end() sends close_notify: the peer's readable side ends, with no error", async () => {
      const { client, server, fromA } = await kymanPair({ versions: ['TLSv1.3'] });
      const errors: unknown[] = [];
      server.on('error', (e) => errors.push(e));
      const got = collect(server);
      client.end('bye');
      assert.equal((await within(5000, got, 'the end')).toString(), 'bye');
      // The data, then the alert: level and description, the inner type byte and the tag.
      assert.deepEqual(records(Buffer.concat(fromA)).map((r) => r.length), [3 + 1 + 16, 2 + 1 + 16]);
      assert.equal(server.readableEnded, true);
      assert.deepEqual(errors, []);
    });

    it('a transport that ends between records ends the readable side, as a TCP close without close_notify', async () => {
      const { client, b } = await kymanPair({ versions: ['TLSv1.3'] });
      const errors: unknown[] = [];
      client.on('error', (e) => errors.push(e));
      const ended = new Promise<void>((resolve) => client.once('end', resolve));
      client.resume();
      b.end();
      await within(5000, ended, 'the end');
      assert.deepEqual(errors, []);
    });

    it('a transport that ends in the middle of a record is a decode_error', async () => {
      const { client, server, b } = await kymanPair({ versions: ['TLSv1.3'] });
      const failed = new Promise<unknown>((resolve) => client.once('error', resolve));
      const told = new Promise<unknown>((resolve) => server.once('error', resolve));
      client.resume();
      b.write(Buffer.from([23, 3, 3, 0, 40, 1, 2, 3]));
      b.end();
      const e = await within(5000, failed, 'the error');
      assert.ok(e instanceof TlsAlertError && e.alert.name === 'decode_error', String(e));
      assert.match((e as Error).message, /ended in the middle of a record \(8 bytes of it arrived\)/);
      const heard = await within(5000, told, 'the alert at the peer');
      assert.ok(heard instanceof TlsAlertError && heard.direction === 'received' && heard.alert.name === 'decode_error', 'the alert goes on the wire');
    });
  });
});

describe('tls connection against a raw peer', function () {
  this.timeout(30_000);
  const { client, failure, closers } = tlsHarness();

  it('a truncated record: decode_error, no hang', async () => {
    const srv = await rawServer((s) => {
      s.once('data', () => s.end(Buffer.from('160303004002000040', 'hex')));
    });
    closers.push(srv.close);
    const e = await failure(await client(srv.port));
    assert.equal(e.alert.name, 'decode_error');
    assert.match(e.message, /middle of a record/);
  });

  it('an oversized record: record_overflow, decided on the header', async () => {
    const srv = await rawServer((s) => {
      // Only the header: the length alone must be enough to refuse it.
      s.once('data', () => s.write(Buffer.from('1603034801', 'hex')));
    });
    closers.push(srv.close);
    const e = await failure(await client(srv.port));
    assert.equal(e.alert.name, 'record_overflow');
  });

  it('an empty alert record is an unexpected_message (§5.1), one of 3 bytes a decode_error', async () => {
    for (const [record, alert] of [['1503030000', 'unexpected_message'], ['1503030003020a00', 'decode_error']] as const) {
      const srv = await rawServer((s) => {
        s.once('data', () => s.write(Buffer.from(record, 'hex')));
      });
      closers.push(srv.close);
      const e = await failure(await client(srv.port));
      assert.equal(e.alert.name, alert, record);
    }
  });

  it('application data between the fragments of a handshake message is an unexpected_message (§5.1)', async () => {
    const srv = await rawServer((s) => {
      // The first two bytes of a ServerHello, then an application_data record, then the rest.
      s.once('data', () => s.write(Buffer.from('16030300020200' + '170303000100' + '16030300020046', 'hex')));
    });
    closers.push(srv.close);
    const e = await failure(await client(srv.port));
    assert.equal(e.alert.name, 'unexpected_message');
    assert.match(e.message, /between the fragments/);
  });

  it('after a fatal alert it half-closes and drops what the peer still sends, so the peer reads the alert, not a reset', async () => {
    let heard = Buffer.alloc(0);
    let reset = false;
    let ended!: () => void;
    const gotEnd = new Promise<void>((r) => (ended = r));
    const srv = await rawServer((s) => {
      s.on('data', (d: Buffer) => {
        if (heard.length === 0) {
          // A record of unknown type 0x18, then more data than any socket buffer, still arriving after the alert.
          s.write(Buffer.from('1803030000', 'hex'));
          const chunk = Buffer.alloc(64 * 1024, 0x17);
          let sent = 0;
          const pump = () => {
            while (sent < 4 && s.write(chunk)) sent++;
            if (sent < 4) s.once('drain', pump);
            else setTimeout(() => s.end(), 200);
          };
          pump();
        }
        heard = Buffer.concat([heard, d]);
      });
      s.on('error', (e: NodeJS.ErrnoException) => (reset ||= e.code === 'ECONNRESET' || e.code === 'EPIPE'));
      s.on('end', () => ended());
    });
    closers.push(srv.close);
    const e = await failure(await client(srv.port));
    assert.equal(e.alert.name, 'decode_error');
    await within(10_000, gotEnd, 'the half-close');
    assert.ok(heard.includes(Buffer.from('15030300020232', 'hex')), 'the alert arrived');
    assert.equal(reset, false);
  });

  it('a handshake message claiming 16 MiB: refused before it is buffered', async () => {
    const srv = await rawServer((s) => {
      s.once('data', () => s.write(Buffer.from('1603030004' + '02ffffff', 'hex')));
    });
    closers.push(srv.close);
    const e = await failure(await client(srv.port));
    assert.equal(e.alert.name, 'decode_error');
    assert.match(e.message, /exceeds kyman's limit/);
  });
});
