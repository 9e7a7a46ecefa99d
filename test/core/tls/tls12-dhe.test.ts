// TLS 1.2 finite-field DHE_RSA kyman to kyman: only when named, the RFC 7919 group the client lists, resumption of a DHE session, and a configuration with no ffdhe group refused.

import assert from 'node:assert/strict';
import { createTlsServer, type TlsClientOptions, type TlsServerOptions, type TlsSession12, type TlsSocket, type TraceEvent } from '../../../src/core/tls/index.js';
import { provider } from '../../helpers/tls-credentials.js';
import { collect, within } from '../../helpers/peers.js';
import { tlsHarness } from '../../helpers/tls-harness.js';

const DHE = 'TLS_DHE_RSA_WITH_AES_128_GCM_SHA256';
const DHE_CBC = 'TLS_DHE_RSA_WITH_AES_128_CBC_SHA';

describe('tls 1.2 DHE_RSA suites, kyman to kyman', function () {
  this.timeout(30_000);
  const h = tlsHarness();

  /** A server with the PKI's RSA certificate (DHE_RSA needs one), tracing what it sends and reads. */
  async function kymanServer(extra: Partial<TlsServerOptions> = {}) {
    const events: TraceEvent[] = [];
    const rsa = h.pki().rsa;
    return { ...(await h.kymanServer({ certificateChain: [rsa.der], privateKey: rsa.key, trace: (e) => events.push(e), ...extra })), events };
  }

  async function client(port: number, extra: Partial<TlsClientOptions> = {}): Promise<{ socket: TlsSocket; events: TraceEvent[] }> {
    const events: TraceEvent[] = [];
    return { socket: await h.client(port, { versions: ['TLSv1.2'], trace: (e) => events.push(e), ...extra }), events };
  }

  it('not by default: a default client offers no DHE suite, and a DHE-only server refuses it', async () => {
    const srv = await kymanServer({ cipherSuites: [DHE] });
    const { socket, events } = await client(srv.port);
    assert.equal((await h.failure(socket)).alert.name, 'handshake_failure');
    assert.doesNotMatch(JSON.stringify(events.find((x) => x.message === 'ClientHello')?.fields), /TLS_DHE_RSA/);
  });

  it('named on both sides: the first ffdhe group of the server\'s that the client lists, ServerDHParams signed, data both ways', async () => {
    const srv = await kymanServer({ cipherSuites: [DHE], groups: ['x25519', 'ffdhe4096', 'ffdhe3072'] });
    const { socket, events } = await client(srv.port, { cipherSuites: [DHE], groups: ['x25519', 'ffdhe2048', 'ffdhe3072'] });
    const summary = await within(10_000, socket.secured);
    assert.equal(summary.cipherSuite, DHE);
    assert.equal(summary.group, 'ffdhe3072');
    assert.equal(summary.signatureScheme, 'rsa_pss_rsae_sha256');
    const ske = events.find((e) => e.message === 'ServerKeyExchange')!;
    assert.match(JSON.stringify(ske.fields), /3072-bit prime/);
    const conn = await srv.next();
    const got = collect(socket);
    conn.end('over ffdhe3072');
    assert.equal((await within(5000, got)).toString(), 'over ffdhe3072');
  });

  it('a DHE CBC suite with encrypt-then-MAC, and its session resumed with the same suite and group', async () => {
    const srv = await kymanServer({ cipherSuites: [DHE_CBC] });
    const first = await client(srv.port, { cipherSuites: [DHE_CBC] });
    const session = new Promise<TlsSession12>((resolve) => first.socket.once('session', (s: TlsSession12) => resolve(s)));
    const summary = await within(10_000, first.socket.secured);
    assert.equal(summary.group, 'ffdhe2048');
    const s1 = await within(5000, session, 'session');
    assert.equal(s1.encryptThenMac, true);
    assert.equal(s1.group, 'ffdhe2048');
    first.socket.end();
    const again = await client(srv.port, { cipherSuites: [DHE_CBC], session: s1 });
    const resumed = await within(10_000, again.socket.secured);
    assert.equal(resumed.resumed, true);
    assert.equal(resumed.cipherSuite, DHE_CBC);
    assert.ok(!again.events.some((e) => e.message === 'ServerKeyExchange'));
  });

  it('DHE suites with no ffdhe group among the groups: a usage error, on either side', async () => {
    assert.throws(() => createTlsServer({ certificateChain: [h.pki().rsa.der], privateKey: h.pki().rsa.key, provider, cipherSuites: [DHE], groups: ['x25519'] }), /need a finite-field group/);
    const srv = await kymanServer();
    await assert.rejects(async () => (await client(srv.port, { cipherSuites: [DHE], groups: ['x25519'] })).socket.secured, /need a finite-field group/);
  });
});
