import assert from 'node:assert/strict';
import { connect, createTlsServer, type TlsClientOptions } from '../../../src/core/tls/index.js';
import { makePki, provider, type TestPki } from '../../helpers/tls-credentials.js';
import { connectTcp, exchangeWithSClient, listenKyman, opensslClient, opensslServer, stoppedAfterEach, within, type Peer } from '../../helpers/peers.js';

describe('post-quantum defaults against openssl 3.0 (no ML-KEM)', function () {
  this.timeout(30_000);
  let pki: TestPki;
  const { peers, sockets } = stoppedAfterEach();
  before(async () => (pki = await makePki()));
  after(() => pki.cleanup());

  const serverArgs = () => ['-tls1_3', '-cert', pki.ecdsa.certFile, '-key', pki.ecdsa.keyFile];

  async function kymanClient(peer: Peer, options: Partial<TlsClientOptions> = {}) {
    const socket = connect({ socket: await connectTcp(peer.port), serverName: 'localhost', trustAnchors: [pki.root.der], provider, ...options });
    sockets.push(socket);
    socket.on('error', () => undefined);
    return within(10_000, socket.secured, 'handshake');
  }

  it("kyman's default client: x25519 from the share beside the hybrid, with no HelloRetryRequest", async () => {
    const peer = await opensslServer(serverArgs());
    peers.push(peer);
    const summary = await kymanClient(peer);
    assert.equal(summary.group, 'x25519');
    assert.equal(summary.helloRetry, false);
  });

  it('a kyman client that sent only a hybrid share: a HelloRetryRequest to P-256', async () => {
    const peer = await opensslServer([...serverArgs(), '-groups', 'P-256']);
    peers.push(peer);
    const summary = await kymanClient(peer, { groups: ['X25519MLKEM768', 'secp256r1'] });
    assert.equal(summary.group, 'secp256r1');
    assert.equal(summary.helloRetry, true);
  });

  it("openssl s_client to kyman's default server: x25519, as s_client offers no hybrid", async () => {
    const server = await listenKyman(createTlsServer({ certificateChain: [pki.ecdsa.der], privateKey: pki.ecdsa.key, provider }), (c) => sockets.push(c));
    try {
      const peer = opensslClient(server.port, ['-tls1_3', '-quiet', '-servername', 'localhost', '-CAfile', pki.root.certFile]);
      peers.push(peer);
      const conn = await server.next();
      const summary = await within(10_000, conn.secured);
      assert.equal(summary.group, 'x25519');
      assert.equal(summary.helloRetry, false);
      await exchangeWithSClient(conn, peer, 2000, 2000);
    } finally {
      await server.close();
    }
  });
});
