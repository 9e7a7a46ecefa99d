import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as net from 'node:net';
import type { CryptoProvider } from '../../../src/core/crypto/index.js';
import { connect, createTlsServer, TlsAlertError, type TlsSocket, type TraceEvent } from '../../../src/core/tls/index.js';
import { makePki, provider, type TestPki } from '../../helpers/tls-credentials.js';
import { connectTcp, within, listenKyman } from '../../helpers/peers.js';

/** A raw TCP server that answers every connection with `reply` and records what the client sent. */
async function rawServer(reply: (s: net.Socket) => void) {
  const server = net.createServer(reply);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as net.AddressInfo).port, close: () => server.close() };
}

async function failure(socket: TlsSocket): Promise<TlsAlertError> {
  socket.on('error', () => undefined);
  const e = await within(10_000, socket.secured.then(() => undefined, (err: unknown) => err));
  assert.ok(e instanceof TlsAlertError, `expected TlsAlertError, got ${String(e)}`);
  return e;
}

describe('tls 1.3 against a misbehaving peer', function () {
  this.timeout(30_000);
  let pki: TestPki;
  const closers: Array<() => void> = [];
  before(async () => (pki = await makePki()));
  after(() => pki.cleanup());
  afterEach(() => closers.splice(0).forEach((c) => c()));

  async function kymanServer(serverProvider: CryptoProvider = provider, extra: object = {}) {
    const tls = createTlsServer({ certificateChain: [pki.ecdsa.der], privateKey: pki.ecdsa.key, provider: serverProvider, ...extra });
    const listening = await listenKyman(tls);
    closers.push(() => void listening.close());
    return { ...listening };
  }

  const client = async (port: number, extra: object = {}) =>
    connect({ socket: await connectTcp(port), serverName: 'localhost', trustAnchors: [pki.root.der], provider, ...extra });

  it('a tampered server Finished: decrypt_error', async () => {
    // The server's provider spoils every HMAC, and HMAC is what Finished is made of (§4.4.4).
    const spoiled: CryptoProvider = {
      ...provider,
      hmac: (a, k, d) => {
        const mac = provider.hmac(a, k, d);
        mac[0] ^= 1;
        return mac;
      },
    };
    const { port } = await kymanServer(spoiled);
    const e = await failure(await client(port));
    assert.equal(e.alert.name, 'decrypt_error');
    assert.equal(e.direction, 'sent');
  });

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

  it('a handshake message claiming 16 MiB: refused before it is buffered', async () => {
    const srv = await rawServer((s) => {
      s.once('data', () => s.write(Buffer.from('1603030004' + '02ffffff', 'hex')));
    });
    closers.push(srv.close);
    const e = await failure(await client(srv.port));
    assert.equal(e.alert.name, 'decode_error');
    assert.match(e.message, /exceeds kyman's limit/);
  });

  it('a ServerHello that does not echo the session id: illegal_parameter', async () => {
    const srv = await rawServer((s) => {
      s.once('data', () => {
        const body = Buffer.concat([Buffer.from('0303', 'hex'), randomBytes(32), Buffer.from('00', 'hex'), Buffer.from('130100', 'hex'), Buffer.from('0006002b00020304', 'hex')]);
        const msg = Buffer.concat([Buffer.from([2, 0, 0, body.length]), body]);
        s.write(Buffer.concat([Buffer.from([0x16, 3, 3, 0, msg.length]), msg]));
      });
    });
    closers.push(srv.close);
    const e = await failure(await client(srv.port));
    assert.equal(e.alert.name, 'illegal_parameter');
  });

  it('a malformed ClientHello gets decode_error back on the wire', async () => {
    const { port, conns } = await kymanServer();
    const raw = await connectTcp(port);
    const reply: Buffer[] = [];
    raw.on('data', (d: Buffer) => reply.push(d));
    const closed = new Promise((r) => raw.once('close', r));
    // A ClientHello whose cipher_suites vector runs past the end of the message.
    raw.write(Buffer.from('160303000a' + '01000006' + '0303' + 'ffff0000', 'hex'));
    await within(5000, closed);
    assert.equal(Buffer.concat(reply).toString('hex'), '15030300020232');
    const e = await within(5000, conns[0].secured.then(() => undefined, (err: unknown) => err));
    assert.ok(e instanceof TlsAlertError && e.alert.name === 'decode_error');
  });

  it('survives 300 mutated ClientHellos without crashing or hanging', async () => {
    // A real ClientHello, captured from our own client.
    const captured: Buffer[] = [];
    const grab = await rawServer((s) => s.once('data', (d: Buffer) => (captured.push(d), s.destroy())));
    closers.push(grab.close);
    const c = await client(grab.port);
    c.on('error', () => undefined);
    await within(5000, new Promise((r) => c.once('close', r)));
    const hello = captured[0];
    const { port, conns } = await kymanServer();
    let seed = 1;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    for (let i = 0; i < 300; i++) {
      const m = Buffer.from(hello);
      const flips = 1 + Math.floor(rand() * 4);
      for (let j = 0; j < flips; j++) m[5 + Math.floor(rand() * (m.length - 5))] = Math.floor(rand() * 256);
      const cut = rand() < 0.3 ? m.subarray(0, 5 + Math.floor(rand() * (m.length - 5))) : m;
      const raw = await connectTcp(port);
      raw.on('data', () => undefined);
      raw.on('error', () => undefined);
      raw.end(cut);
      await within(5000, new Promise((r) => raw.once('close', r)), `mutation ${i}`);
    }
    // Every connection came to an end: a handshake that failed, or one left waiting for a Finished that never came.
    assert.equal(conns.length, 300);
    for (const conn of conns) {
      const outcome = await within(5000, conn.secured.then(() => 'ok', (e: unknown) => e));
      assert.ok(outcome === 'ok' || outcome instanceof Error, String(outcome));
    }
  });

  it('keyLog gets the four NSS lines; trace names fields as the RFC does', async () => {
    const { port } = await kymanServer();
    const lines: string[] = [];
    const events: TraceEvent[] = [];
    const c = await client(port, { keyLog: (l: string) => lines.push(l), trace: (e: TraceEvent) => events.push(e) });
    await within(10_000, c.secured);
    c.destroy();
    assert.deepEqual(
      lines.map((l) => l.split(' ')[0]),
      ['CLIENT_HANDSHAKE_TRAFFIC_SECRET', 'SERVER_HANDSHAKE_TRAFFIC_SECRET', 'CLIENT_TRAFFIC_SECRET_0', 'SERVER_TRAFFIC_SECRET_0'],
    );
    for (const l of lines) assert.match(l, /^[A-Z_0-9]+ [0-9a-f]{64} [0-9a-f]{64}$/);
    const seen = events.map((e) => `${e.direction} ${e.message}`);
    assert.deepEqual(seen.slice(0, 7), [
      'sent ClientHello',
      'received ServerHello',
      'received EncryptedExtensions',
      'received Certificate',
      'received CertificateVerify',
      'received Finished',
      'sent Finished',
    ]);
    // A server that asks for no certificate sends its ticket with its first flight (RFC 8446 §4.6.1).
    for (const later of seen.slice(7)) assert.equal(later, 'received NewSessionTicket');
    const hello = events[0];
    assert.deepEqual(
      hello.fields.map((f) => f.name),
      ['legacy_version', 'random', 'legacy_session_id', 'cipher_suites', 'legacy_compression_methods', 'extensions'],
    );
    const extensions = hello.fields[5].value as readonly { name: string }[];
    assert.ok(extensions.some((e) => e.name === 'key_share'));
    // TLS 1.2 is offered too by default (its suites after the TLS 1.3 ones), but a TLS 1.3 server picks 1.3.
    assert.equal(
      hello.fields[3].value,
      'TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256, ' +
        'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, ' +
        'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256',
    );
  });

  it('a client refuses a server with no suite in common before sending anything odd', async () => {
    const { port, conns } = await kymanServer(provider, { cipherSuites: ['TLS_AES_256_GCM_SHA384'] });
    const e = await failure(await client(port, { cipherSuites: ['TLS_CHACHA20_POLY1305_SHA256'] }));
    assert.equal(e.alert.name, 'handshake_failure');
    assert.equal(e.direction, 'received');
    const s = await within(5000, conns[0].secured.then(() => undefined, (err: unknown) => err));
    assert.ok(s instanceof TlsAlertError && s.direction === 'sent' && s.alert.name === 'handshake_failure');
  });

  it('insecure mode must be asked for by name', async () => {
    const { port } = await kymanServer();
    const tcp = await connectTcp(port);
    assert.throws(() => connect({ socket: tcp, provider }), { code: 'USAGE' });
    tcp.destroy();
    const c = await client(port, { verify: 'insecure', trustAnchors: [], serverName: undefined });
    const summary = await within(10_000, c.secured);
    assert.equal(summary.validation, undefined);
    c.destroy();
  });
});
