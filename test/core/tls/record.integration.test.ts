// The record layer against outside peers: padded records from openssl (RFC 8446 §5.4), and record protection on a SoftHSM2 token.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import * as net from 'node:net';
import { createPkcs11Provider } from '../../../src/core/crypto/pkcs11.js';
import { connect, createTlsServer, type TlsSocket } from '../../../src/core/tls/index.js';
import { MAX_PLAINTEXT } from '../../../src/core/tls/record.js';
import { SOFTHSM2, softHsm } from '../../helpers/pkcs11-tokens.js';
import { makePki, provider, type TestPki } from '../../helpers/tls-credentials.js';
import { collect, connectTcp, opensslClient, opensslServer, sha256, within, stoppedAfterEach } from '../../helpers/peers.js';
import { pipedKymanPair, until, type KymanPairOptions } from '../../helpers/pipe-pair.js';

describe('tls record layer, against outside peers', function () {
  this.timeout(30_000);
  let pki: TestPki;
  const { peers, sockets } = stoppedAfterEach();
  before(async () => (pki = await makePki()));
  after(() => pki.cleanup());
  const kymanPair = (options: KymanPairOptions = {}) => pipedKymanPair(pki, sockets, options);

  describe('padding (RFC 8446 §5.4)', () => {
    it('openssl s_server -record_padding → kyman client: padded handshake and data records are read', async () => {
      const peer = await opensslServer(['-tls1_3', '-cert', pki.ecdsa.certFile, '-key', pki.ecdsa.keyFile, '-record_padding', '4096']);
      peers.push(peer);
      const socket = connect({ socket: await connectTcp(peer.port), serverName: 'localhost', trustAnchors: [pki.root.der], provider });
      sockets.push(socket);
      await within(10_000, socket.secured, 'handshake with a padding server');
      const down = randomBytes(100_000);
      const got = collect(socket);
      peer.proc.stdin!.end(down);
      const data = await within(10_000, got, 'padded data');
      assert.equal(sha256(data), sha256(down));
    });

    it('openssl s_client -record_padding → kyman server: padded records are read', async () => {
      const server = createTlsServer({ certificateChain: [pki.ecdsa.der], privateKey: pki.ecdsa.key, provider });
      const got: Buffer[] = [];
      let conn: TlsSocket | undefined;
      const listener = net.createServer((tcp) => {
        conn = server.accept(tcp);
        sockets.push(conn);
        conn.on('error', () => undefined);
        conn.on('data', (d: Buffer) => got.push(d));
      });
      await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
      try {
        const port = (listener.address() as net.AddressInfo).port;
        const up = randomBytes(50_000).toString('base64');
        const peer = opensslClient(port, ['-tls1_3', '-record_padding', '1000', '-quiet', '-servername', 'localhost']);
        peers.push(peer);
        peer.proc.stdin!.write(up);
        await within(10_000, until(() => Buffer.concat(got).length >= up.length), 'padded data from openssl');
        assert.equal(Buffer.concat(got).toString(), up);
        conn!.end();
        await within(5000, peer.exited, 'openssl exit');
      } finally {
        listener.close();
      }
    });
  });

  describe('writing', () => {
    it('record protection on a PKCS #11 token (SoftHSM2, AES-GCM on the token: no sealParts) carries data both ways', async function () {
      if (!existsSync(SOFTHSM2)) this.skip();
      const hsm = softHsm();
      hsm.initToken('kyman-records', '1234', '5678');
      const token = createPkcs11Provider({ module: SOFTHSM2, tokenLabel: 'kyman-records', pin: '5678', tokenOps: 'all' });
      try {
        assert.equal(token.placement().aead, 'token');
        assert.equal(token.aead('AES-128-GCM', new Uint8Array(16)).sealParts, undefined);
        const { client, server } = await kymanPair({ provider: token, versions: ['TLSv1.3'], cipherSuites: ['TLS_AES_128_GCM_SHA256'] });
        const up = randomBytes(40_000);
        const down = randomBytes(MAX_PLAINTEXT);
        const gotUp = collect(server);
        const gotDown = collect(client);
        server.end(down);
        client.end(up);
        assert.equal(sha256(await within(20_000, gotUp, 'up')), sha256(up));
        assert.equal(sha256(await within(20_000, gotDown, 'down')), sha256(down));
      } finally {
        for (const s of sockets.splice(0)) s.destroy();
        token.close();
        hsm.cleanup();
      }
    });
  });
});
