import assert from 'node:assert/strict';
import * as net from 'node:net';
import { connect, listen, type TlsServerOptions, type TlsSocket } from '../../../src/core/tls/index.js';
import { makePki, provider, type TestPki } from '../../helpers/tls-credentials.js';
import { connectTcp, expectEcho, within } from '../../helpers/peers.js';
import { node26Path, type Node26Peer } from '../../helpers/node26.js';
import { node26TlsClient, node26TlsServer } from '../../helpers/node26-tls.js';

describe('post-quantum hybrid key exchange with Node 26 (OpenSSL 3.5)', function () {
  this.timeout(30_000);
  let pki: TestPki;
  const peers: Node26Peer[] = [];
  const closers: Array<() => void> = [];
  before(async function () {
    if (!node26Path()) this.skip();
    pki = await makePki();
  });
  after(() => pki?.cleanup());
  afterEach(() => {
    for (const p of peers.splice(0)) p.stop();
    for (const c of closers.splice(0)) c();
  });

  async function nodeServer(groups: string): Promise<number> {
    const { peer, port } = await node26TlsServer(pki.ecdsa.certFile, pki.ecdsa.keyFile, groups);
    peers.push(peer);
    return port;
  }

  async function kymanClient(port: number, groups?: string[]): Promise<TlsSocket> {
    const socket = connect({ socket: await connectTcp(port), serverName: 'localhost', trustAnchors: [pki.root.der], provider, ...(groups ? { groups } : {}) });
    closers.push(() => socket.destroy());
    return socket;
  }

  async function kymanServer(options: Partial<TlsServerOptions> = {}) {
    const server = listen({ host: '127.0.0.1', port: 0 }, { certificateChain: [pki.ecdsa.der], privateKey: pki.ecdsa.key, provider, ...options });
    const conns: TlsSocket[] = [];
    server.on('secureConnection', (c: TlsSocket) => {
      conns.push(c);
      c.pipe(c);
    });
    server.on('tlsClientError', () => undefined);
    await new Promise<void>((r) => server.once('listening', r));
    closers.push(() => {
      server.close();
      for (const c of conns) c.destroy();
    });
    return { port: (server.address() as net.AddressInfo).port, conns };
  }

  const nodeClient = (port: number, groups?: string) => node26TlsClient(port, groups, (p) => peers.push(p));

  describe('kyman client → Node 26 server', () => {
    it('default groups: X25519MLKEM768 with no HelloRetryRequest, against a server that takes only the hybrid', async () => {
      const socket = await kymanClient(await nodeServer('X25519MLKEM768'));
      const summary = await within(10_000, socket.secured);
      assert.equal(summary.group, 'X25519MLKEM768');
      assert.equal(summary.helloRetry, false);
      await expectEcho(socket, 100_000);
    });

    it('the SecP hybrids, ECDH part first (each server takes only its hybrid)', async () => {
      for (const group of ['SecP256r1MLKEM768', 'SecP384r1MLKEM1024']) {
        const socket = await kymanClient(await nodeServer(group), [group]);
        const summary = await within(10_000, socket.secured);
        assert.equal(summary.group, group);
        await expectEcho(socket, 10_000);
      }
    });

    it('HelloRetryRequest to the hybrid: kyman sends an x25519 share, Node takes only X25519MLKEM768', async () => {
      const socket = await kymanClient(await nodeServer('X25519MLKEM768'), ['x25519', 'X25519MLKEM768']);
      const summary = await within(10_000, socket.secured);
      assert.equal(summary.group, 'X25519MLKEM768');
      assert.equal(summary.helloRetry, true);
      await expectEcho(socket, 10_000);
    });

    it('HelloRetryRequest away from the hybrid: kyman sends only the hybrid share, Node takes only P-256', async () => {
      const socket = await kymanClient(await nodeServer('P-256'), ['X25519MLKEM768', 'secp256r1']);
      const summary = await within(10_000, socket.secured);
      assert.equal(summary.group, 'secp256r1');
      assert.equal(summary.helloRetry, true);
      await expectEcho(socket, 10_000);
    });

    it('beside the hybrid, the x25519 share: a server without ML-KEM needs no HelloRetryRequest', async () => {
      const socket = await kymanClient(await nodeServer('X25519'));
      const summary = await within(10_000, socket.secured);
      assert.equal(summary.group, 'x25519');
      assert.equal(summary.helloRetry, false);
    });
  });

  describe('Node 26 client → kyman server', () => {
    it("Node's defaults: X25519MLKEM768, as Node reports it, with no HelloRetryRequest", async () => {
      const { port, conns } = await kymanServer();
      const got = await nodeClient(port);
      assert.equal(got.error, undefined);
      assert.equal(got.key?.name, 'X25519MLKEM768');
      assert.equal(conns[0].summary?.group, 'X25519MLKEM768');
      assert.equal(conns[0].summary?.helloRetry, false);
    });

    it('HelloRetryRequest to the hybrid: Node sends an x25519 share first, kyman prefers X25519MLKEM768', async () => {
      const { port, conns } = await kymanServer();
      const got = await nodeClient(port, 'X25519:X25519MLKEM768');
      assert.equal(got.error, undefined);
      assert.equal(got.key?.name, 'X25519MLKEM768');
      assert.equal(conns[0].summary?.helloRetry, true);
    });

    it('HelloRetryRequest away from the hybrid: Node sends only the hybrid share, kyman takes only P-256', async () => {
      const { port, conns } = await kymanServer({ groups: ['secp256r1'] });
      const got = await nodeClient(port, 'X25519MLKEM768:P-256');
      assert.equal(got.error, undefined);
      assert.equal(got.key?.name, 'prime256v1');
      assert.equal(conns[0].summary?.group, 'secp256r1');
      assert.equal(conns[0].summary?.helloRetry, true);
    });

    it('the SecP hybrids, named on both sides', async () => {
      for (const group of ['SecP256r1MLKEM768', 'SecP384r1MLKEM1024']) {
        const { port, conns } = await kymanServer({ groups: [group] });
        const got = await nodeClient(port, group);
        assert.equal(got.error, undefined);
        assert.equal(got.key?.name, group);
        assert.equal(conns[0].summary?.group, group);
      }
    });
  });
});
