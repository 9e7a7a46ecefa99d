// The client entry: a configuration resolved once (createTlsClient) and shared by its connections; the version the ServerHello picks; insecure mode only when asked for by name.

import assert from 'node:assert/strict';
import { KymanError } from '../../../src/core/errors.js';
import { connect, createTlsClient, createTlsServer, type TraceEvent } from '../../../src/core/tls/index.js';
import { makePki, provider, type TestPki } from '../../helpers/tls-credentials.js';
import { connectTcp, stoppedAfterEach, within } from '../../helpers/peers.js';
import { pipePair } from '../../helpers/pipe-pair.js';
import { tlsHarness } from '../../helpers/tls-harness.js';

describe('tls client entry', function () {
  this.timeout(30_000);
  let pki: TestPki;
  const { sockets } = stoppedAfterEach();
  before(async () => (pki = await makePki()));
  after(() => pki.cleanup());

  it('a configuration that cannot work is USAGE when the client is made, before any connection', () => {
    const usage = (e: unknown) => e instanceof KymanError && e.code === 'USAGE';
    assert.throws(() => createTlsClient({ provider, serverName: 'localhost' }), usage);
    assert.throws(() => createTlsClient({ provider, verify: 'insecure', groups: [] }), usage);
    assert.throws(() => createTlsClient({ provider, verify: 'insecure', versions: ['TLSv1.2'], cipherSuites: ['TLS_AES_128_GCM_SHA256'] }), usage);
  });

  it('one client makes several connections, each version as the server picks it, each with its own trace', async () => {
    const client = createTlsClient({ provider, serverName: 'localhost', trustAnchors: [pki.root.der] });
    for (const versions of [['TLSv1.3'], ['TLSv1.2'], ['TLSv1.3']] as const) {
      const pair = pipePair();
      const server = createTlsServer({ certificateChain: [pki.ecdsa.der], privateKey: pki.ecdsa.key, provider, versions: [...versions] }).accept(pair.b);
      const events: TraceEvent[] = [];
      const socket = client.connect(pair.a, { trace: (e) => events.push(e) });
      sockets.push(socket, server);
      const [summary] = await within(10_000, Promise.all([socket.secured, server.secured]), 'handshake');
      assert.equal(summary.version, versions[0]);
      assert.equal(events[0].message, 'ClientHello');
      assert.equal(events[1].message, 'ServerHello');
      assert.ok(events.some((e) => e.message === (versions[0] === 'TLSv1.2' ? 'ServerKeyExchange' : 'EncryptedExtensions')));
    }
  });
});

describe('tls client entry over TCP', function () {
  this.timeout(30_000);
  const { kymanServer, client } = tlsHarness();

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
