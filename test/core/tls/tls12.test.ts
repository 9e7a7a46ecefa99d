import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect, createTlsServer, TlsAlertError, type TlsSession, type TlsSession12, type HandshakeSummary, type TlsClientOptions, type TlsServerOptions, type TlsSocket, type TraceEvent } from '../../../src/core/tls/index.js';
import { makePki, provider, type TestPki } from '../../helpers/tls-credentials.js';
import { collect, connectTcp, sha256, within, listenKyman } from '../../helpers/peers.js';

describe('tls 1.2 in the engine, kyman to kyman', function () {
  this.timeout(30_000);
  let pki: TestPki;
  const closers: Array<() => void> = [];
  before(async () => (pki = await makePki()));
  after(() => pki.cleanup());
  afterEach(() => closers.splice(0).forEach((c) => c()));

  async function kymanServer(extra: Partial<TlsServerOptions> = {}) {
    const tls = createTlsServer({ certificateChain: [pki.ecdsa.der], privateKey: pki.ecdsa.key, provider, ...extra });
    const listening = await listenKyman(tls);
    closers.push(() => void listening.close());
    return { ...listening };
  }

  async function client(port: number, extra: Partial<TlsClientOptions> = {}): Promise<TlsSocket> {
    const c = connect({ socket: await connectTcp(port), serverName: 'localhost', trustAnchors: [pki.root.der], provider, ...extra });
    c.on('error', () => undefined);
    closers.push(() => c.destroy());
    return c;
  }

  async function failure(socket: TlsSocket): Promise<TlsAlertError> {
    const e = await within(10_000, socket.secured.then(() => undefined, (err: unknown) => err));
    assert.ok(e instanceof TlsAlertError, `expected TlsAlertError, got ${String(e)}`);
    return e;
  }

  it('a 1.2-only client and a default server: TLS 1.2, keylog CLIENT_RANDOM, the RFC 5246 message flow, the downgrade sentinel written', async () => {
    const { port, conns } = await kymanServer({ alpnProtocols: ['h2'] });
    const lines: string[] = [];
    const events: TraceEvent[] = [];
    const c = await client(port, { versions: ['TLSv1.2'], keyLog: (l) => lines.push(l), trace: (e) => events.push(e), alpnProtocols: ['h2'] });
    const summary: HandshakeSummary = await within(10_000, c.secured);
    assert.equal(summary.version, 'TLSv1.2');
    assert.equal(summary.cipherSuite, 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256');
    assert.equal(summary.group, 'x25519');
    assert.equal(summary.signatureScheme, 'ecdsa_secp256r1_sha256');
    assert.equal(summary.alpn, 'h2');
    assert.equal(summary.validation?.valid, true);
    assert.equal(lines.length, 1);
    assert.match(lines[0], /^CLIENT_RANDOM [0-9a-f]{64} [0-9a-f]{96}$/);
    assert.deepEqual(
      events.map((e) => `${e.direction} ${e.message}`),
      ['sent ClientHello', 'received ServerHello', 'received Certificate', 'received ServerKeyExchange', 'received ServerHelloDone', 'sent ClientKeyExchange', 'sent Finished', 'received NewSessionTicket', 'received Finished'],
    );
    // RFC 8446 §4.1.3: the server speaks TLS 1.3 too, so its random ends in DOWNGRD\x01; a 1.2-only client does not mind.
    const random = String(events[1].fields.find((f) => f.name === 'random')?.value);
    assert.match(random, /444f574e47524401$/);
    await within(5000, new Promise((r) => setImmediate(r)));
    const serverSummary = await within(5000, conns[0].secured);
    assert.equal(serverSummary.version, 'TLSv1.2');
    assert.equal(serverSummary.serverName, 'localhost');
    const got = collect(c);
    conns[0].end('from the server');
    assert.equal((await within(5000, got)).toString(), 'from the server');
  });

  it('both versions on both sides: TLS 1.3; a 1.2-only server: TLS 1.2 with no sentinel', async () => {
    const both = await kymanServer();
    assert.equal((await within(10_000, (await client(both.port)).secured)).version, 'TLSv1.3');
    const only12 = await kymanServer({ versions: ['TLSv1.2'] });
    const events: TraceEvent[] = [];
    const s = await within(10_000, (await client(only12.port, { trace: (e) => events.push(e) })).secured);
    assert.equal(s.version, 'TLSv1.2');
    assert.doesNotMatch(String(events[1].fields.find((f) => f.name === 'random')?.value), /444f574e475244/);
  });

  it('no common version: protocol_version either way', async () => {
    const only12 = await kymanServer({ versions: ['TLSv1.2'] });
    const e1 = await failure(await client(only12.port, { versions: ['TLSv1.3'] }));
    assert.equal(e1.alert.name, 'protocol_version');
    assert.equal(e1.direction, 'received');
    const only13 = await kymanServer({ versions: ['TLSv1.3'] });
    const e2 = await failure(await client(only13.port, { versions: ['TLSv1.2'] }));
    assert.equal(e2.alert.name, 'protocol_version');
    const s = await within(5000, only13.conns[0].secured.then(() => undefined, (err: unknown) => err));
    assert.ok(s instanceof TlsAlertError && s.direction === 'sent' && s.alert.name === 'protocol_version');
  });

  it('an RSA server with every ECDHE_RSA suite and group, RSA client authentication, 1 MiB each way', async () => {
    const suites = ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256'] as const;
    const groups = ['x25519', 'secp256r1', 'secp384r1'] as const;
    const rsaClient = await pki.issue('rsa client', { type: 'rsa', bits: 2048 }, { eku: ['clientAuth'], san: ['email:rsa@example.com'] });
    for (let i = 0; i < suites.length; i++) {
      const srv = await kymanServer({ certificateChain: [pki.rsa.der], privateKey: pki.rsa.key, versions: ['TLSv1.2'], clientAuth: 'required', clientTrustAnchors: [pki.root.der] });
      const c = await client(srv.port, { cipherSuites: [suites[i]], groups: [groups[i]], certificateChain: [rsaClient.der], privateKey: rsaClient.key });
      const summary = await within(10_000, c.secured);
      assert.equal(summary.cipherSuite, suites[i]);
      assert.equal(summary.group, groups[i]);
      assert.equal(summary.clientCertificateSent, true);
      const server = srv.conns[0];
      const ss = await within(5000, server.secured);
      assert.equal(ss.validation?.chain[0].subject, 'CN=rsa client');
      assert.match(String(ss.signatureScheme), /^rsa_pss_rsae_sha256$/);
      const up = randomBytes(1 << 20);
      const down = randomBytes(1 << 20);
      const gotDown = collect(c);
      const gotUp = collect(server);
      server.end(down);
      c.end(up);
      assert.equal(sha256(await within(10_000, gotDown)), sha256(down));
      assert.equal(sha256(await within(10_000, gotUp)), sha256(up));
    }
  });

  it('required client certificate missing: handshake_failure (RFC 5246 §7.4.6)', async () => {
    const srv = await kymanServer({ versions: ['TLSv1.2'], clientAuth: 'required', clientTrustAnchors: [pki.root.der] });
    const e = await failure(await client(srv.port));
    assert.equal(e.alert.name, 'handshake_failure');
    assert.equal(e.direction, 'received');
  });

  it('no suite the server key can serve: handshake_failure', async () => {
    const srv = await kymanServer({ versions: ['TLSv1.2'] });
    const e = await failure(await client(srv.port, { cipherSuites: ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'] }));
    assert.equal(e.alert.name, 'handshake_failure');
  });

  it('KeyUpdate is refused as a usage error on a TLS 1.2 connection', async () => {
    const srv = await kymanServer({ versions: ['TLSv1.2'] });
    const c = await client(srv.port);
    await within(10_000, c.secured);
    assert.throws(() => c.keyUpdate(), { code: 'USAGE' });
  });

  it('the options are checked: an unknown version, or a version without suites, is USAGE', async () => {
    assert.throws(() => createTlsServer({ certificateChain: [pki.ecdsa.der], privateKey: pki.ecdsa.key, versions: ['TLSv1.1' as never] }), { code: 'USAGE' });
    assert.throws(
      () => createTlsServer({ certificateChain: [pki.ecdsa.der], privateKey: pki.ecdsa.key, versions: ['TLSv1.2'], cipherSuites: ['TLS_AES_128_GCM_SHA256'] }),
      { code: 'USAGE' },
    );
  });

  describe('resumption (RFC 5246 §7.3, RFC 5077)', () => {
    async function firstSession(port: number, extra: Partial<TlsClientOptions> = {}): Promise<TlsSession12> {
      const c = await client(port, { versions: ['TLSv1.2'], ...extra });
      const session = new Promise<TlsSession12>((resolve) => c.once('session', resolve));
      const summary = await within(10_000, c.secured);
      assert.equal(summary.resumed, false);
      const s = await within(5000, session, 'session');
      c.end();
      return s;
    }

    it('by ticket: the abbreviated handshake, the same master secret, a new ticket', async () => {
      const srv = await kymanServer({ alpnProtocols: ['h2'] });
      const lines: string[] = [];
      const s1 = await firstSession(srv.port, { keyLog: (l) => lines.push(l) });
      assert.ok(s1.ticket && s1.ticket.length > 0);
      assert.equal(s1.sessionId.length, 32);
      const events: TraceEvent[] = [];
      const c = await client(srv.port, { versions: ['TLSv1.2'], session: s1, keyLog: (l) => lines.push(l), trace: (e) => events.push(e), alpnProtocols: ['h2'] });
      const next = new Promise<TlsSession>((resolve) => c.once('session', resolve));
      const summary = await within(10_000, c.secured);
      assert.equal(summary.resumed, true);
      assert.equal(summary.alpn, 'h2');
      assert.equal(summary.signatureScheme, undefined);
      assert.equal(summary.peerCertificates.length, 1);
      assert.deepEqual(
        events.map((e) => `${e.direction} ${e.message}`),
        ['sent ClientHello', 'received ServerHello', 'received NewSessionTicket', 'received Finished', 'sent Finished'],
      );
      assert.equal(lines[1].split(' ')[2], lines[0].split(' ')[2], 'the master secret is the session\'s');
      const s2 = await within(5000, next);
      assert.equal(s2.createdAt, s1.createdAt);
      assert.equal((await within(5000, srv.conns[1].secured)).resumed, true);
      const got = collect(c);
      srv.conns[1].end('resumed data');
      assert.equal((await within(5000, got)).toString(), 'resumed data');
    });

    it('by session id alone', async () => {
      const srv = await kymanServer();
      const s1 = await firstSession(srv.port);
      const byId: TlsSession12 = { ...s1, ticket: undefined };
      const c = await client(srv.port, { session: byId, versions: ['TLSv1.2'] });
      assert.equal((await within(10_000, c.secured)).resumed, true);
    });

    it('declined (another server, another name, resumption off): a full handshake', async () => {
      const srv = await kymanServer();
      const s1 = await firstSession(srv.port);
      const other = await kymanServer();
      assert.equal((await within(10_000, (await client(other.port, { session: s1, versions: ['TLSv1.2'] })).secured)).resumed, false);
      const off = await kymanServer({ resumption: false });
      const c = await client(off.port, { versions: ['TLSv1.2'] });
      let sessions = 0;
      c.on('session', () => sessions++);
      assert.equal((await within(10_000, c.secured)).resumed, false);
      assert.equal(sessions, 0);
      // A session whose server chain no longer validates (other trust anchors) is not offered: the full handshake then fails.
      const events: TraceEvent[] = [];
      const stale = await client(srv.port, { session: s1, versions: ['TLSv1.2'], trustAnchors: [pki.otherRoot.der], trace: (e) => events.push(e) });
      assert.equal((await failure(stale)).alert.name, 'unknown_ca');
      const hello = events[0].fields.find((f) => f.name === 'extensions')!.value as readonly { name: string; value: unknown }[];
      assert.equal(hello.find((e) => e.name === 'session_ticket')?.value, '(empty)');
      // The session is offered only to the name it was made with.
      const c2 = await client(srv.port, { session: s1, serverName: '127.0.0.1', versions: ['TLSv1.2'] });
      assert.equal((await within(10_000, c2.secured)).resumed, false);
    });

    it('a required client certificate: the session keeps the client\'s chain', async () => {
      const srv = await kymanServer({ clientAuth: 'required', clientTrustAnchors: [pki.root.der] });
      const s1 = await firstSession(srv.port, { certificateChain: [pki.client.der], privateKey: pki.client.key });
      // A TLS 1.2 session is resumed over TLS 1.2 only: with 1.3 offered too, this server would choose 1.3.
      const c = await client(srv.port, { session: s1, versions: ['TLSv1.2'] });
      assert.equal((await within(10_000, c.secured)).resumed, true);
      const ss = await within(5000, srv.conns[1].secured);
      assert.equal(ss.resumed, true);
      assert.equal(ss.peerCertificates.length, 1);
    });
  });
});
