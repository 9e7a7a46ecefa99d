// TLS 1.2 CBC suites kyman to kyman: enabled only when named, encrypt-then-MAC (RFC 7366) negotiated only with them, and a resumption keeping its setting.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect, createTlsServer, TlsAlertError, type TlsClientOptions, type TlsServerOptions, type TlsSession12, type TlsSocket, type TraceEvent } from '../../../src/core/tls/index.js';
import { makePki, provider, type TestPki } from '../../helpers/tls-credentials.js';
import { collect, connectTcp, listenKyman, sha256, within, type KymanTestServer } from '../../helpers/peers.js';

const CBC = 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA';
const GCM = 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256';

/** The extension names a traced message carried. */
const extensionsOf = (events: readonly TraceEvent[], message: string) => JSON.stringify(events.find((e) => e.message === message)?.fields ?? assert.fail(`no ${message}`));

describe('tls 1.2 CBC suites, kyman to kyman', function () {
  this.timeout(30_000);
  let pki: TestPki;
  const closers: Array<() => void> = [];
  before(async () => (pki = await makePki()));
  after(() => pki.cleanup());
  afterEach(() => closers.splice(0).forEach((c) => c()));

  async function kymanServer(extra: Partial<TlsServerOptions> = {}): Promise<KymanTestServer & { events: TraceEvent[] }> {
    const events: TraceEvent[] = [];
    const listening = await listenKyman(createTlsServer({ certificateChain: [pki.ecdsa.der], privateKey: pki.ecdsa.key, provider, trace: (e) => events.push(e), ...extra }));
    closers.push(() => void listening.close());
    return { ...listening, events };
  }

  async function client(port: number, extra: Partial<TlsClientOptions> = {}): Promise<{ socket: TlsSocket; events: TraceEvent[] }> {
    const events: TraceEvent[] = [];
    const socket = connect({ socket: await connectTcp(port), serverName: 'localhost', trustAnchors: [pki.root.der], provider, versions: ['TLSv1.2'], trace: (e) => events.push(e), ...extra });
    socket.on('error', () => undefined);
    closers.push(() => socket.destroy());
    return { socket, events };
  }

  it('not by default: a default client offers no CBC suite and no encrypt_then_mac, and a CBC-only server refuses it', async () => {
    const srv = await kymanServer({ cipherSuites: [CBC] });
    const { socket, events } = await client(srv.port);
    const e = await within(10_000, socket.secured.then(() => undefined, (err: unknown) => err));
    assert.ok(e instanceof TlsAlertError, String(e));
    assert.equal(e.alert.name, 'handshake_failure');
    const hello = extensionsOf(events, 'ClientHello');
    assert.ok(!hello.includes('encrypt_then_mac'));
    assert.ok(!hello.includes('CBC'));
  });

  it('named on both sides: encrypt-then-MAC offered and answered, and 100 KB each way', async () => {
    const srv = await kymanServer({ cipherSuites: [CBC] });
    const { socket, events } = await client(srv.port, { cipherSuites: [CBC] });
    const summary = await within(10_000, socket.secured);
    assert.equal(summary.cipherSuite, CBC);
    assert.ok(extensionsOf(events, 'ClientHello').includes('encrypt_then_mac'));
    assert.ok(extensionsOf(events, 'ServerHello').includes('encrypt_then_mac'));
    assert.ok(extensionsOf(srv.events, 'ServerHello').includes('encrypt_then_mac'));
    const conn = await srv.next();
    const up = randomBytes(100_000);
    const down = randomBytes(100_000);
    const [gotUp, gotDown] = [collect(conn), collect(socket)];
    socket.end(up);
    conn.end(down);
    assert.equal(sha256(await within(10_000, gotUp)), sha256(up));
    assert.equal(sha256(await within(10_000, gotDown)), sha256(down));
  });

  it('an AEAD suite chosen: no encrypt_then_mac in the ServerHello though the client offered it (RFC 7366 §3)', async () => {
    const srv = await kymanServer({ cipherSuites: [GCM, CBC] });
    const { socket, events } = await client(srv.port, { cipherSuites: [CBC, GCM] });
    assert.equal((await within(10_000, socket.secured)).cipherSuite, GCM);
    assert.ok(extensionsOf(events, 'ClientHello').includes('encrypt_then_mac'));
    assert.ok(!extensionsOf(events, 'ServerHello').includes('encrypt_then_mac'));
  });

  it('a resumed session keeps encrypt-then-MAC (RFC 7366 §3.1); a resumption with another setting than the session\'s is an illegal_parameter', async () => {
    const srv = await kymanServer({ cipherSuites: [CBC] });
    const first = await client(srv.port, { cipherSuites: [CBC] });
    const session = new Promise<TlsSession12>((resolve) => first.socket.once('session', (s: TlsSession12) => resolve(s)));
    await within(10_000, first.socket.secured);
    const s1 = await within(5000, session, 'session');
    assert.equal(s1.encryptThenMac, true);
    first.socket.end();

    const again = await client(srv.port, { cipherSuites: [CBC], session: s1 });
    assert.equal((await within(10_000, again.socket.secured)).resumed, true);
    assert.ok(extensionsOf(again.events, 'ServerHello').includes('encrypt_then_mac'));
    const got = collect(again.socket);
    await srv.next();
    (await srv.next()).end('resumed');
    assert.equal((await within(5000, got)).toString(), 'resumed');

    // The same session remembered without encrypt-then-MAC: the server resumes it with EtM, which the client must refuse.
    const altered = await client(srv.port, { cipherSuites: [CBC], session: { ...s1, encryptThenMac: false } });
    const e = await within(10_000, altered.socket.secured.then(() => undefined, (err: unknown) => err));
    assert.ok(e instanceof TlsAlertError, String(e));
    assert.equal(e.alert.name, 'illegal_parameter');
  });
});
