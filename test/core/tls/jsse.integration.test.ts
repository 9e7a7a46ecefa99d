import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PrivateKeyHandle } from '../../../src/core/crypto/index.js';
import { decodePem } from '../../../src/core/pki/pem.js';
import { connect, createTlsServer, type TlsServerOptions, type TlsVersionName } from '../../../src/core/tls/index.js';
import { jsseClient, jsseServer, keystore, truststore } from '../../helpers/jsse.js';
import { collect, connectTcp, listenKyman, opensslServer, stoppedAfterEach, within, type KymanTestServer } from '../../helpers/peers.js';
import { provider } from '../../helpers/tls-credentials.js';

/** A CA with an RSA key, whose certificates are signed sha256WithRSAEncryption, as most enterprise CAs sign. */
function makeRsaPki(dir: string) {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-subj', '/CN=Kyman RSA Test CA', '-days', '2', '-sha256',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  const leaf = (name: string, keyArgs: string[], ext: string) => {
    ssl('genpkey', ...keyArgs, '-out', `${name}.key`);
    ssl('req', '-new', '-key', `${name}.key`, '-subj', `/CN=${name}`, '-out', `${name}.csr`);
    writeFileSync(join(dir, `${name}.ext`), ext);
    ssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-sha256', '-extfile', `${name}.ext`, '-out', `${name}.pem`);
  };
  const serverExt = 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n';
  leaf('rsa-server', ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'], serverExt);
  // RSASSA-PSS keys (RFC 4055): signs only with PSS, in TLS 1.2 with rsa_pss_pss_* (RFC 8446 §4.2.3).
  leaf('pss-server', ['-algorithm', 'RSA-PSS', '-pkeyopt', 'rsa_keygen_bits:2048'], serverExt);
  leaf('rsa-client', ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'], 'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\n');
  const der = (file: string) => decodePem(readFileSync(join(dir, file), 'utf8'))[0].der;
  const key = (file: string): PrivateKeyHandle => provider.importPrivateKey(der(file));
  return {
    file: (name: string) => join(dir, name),
    ca: der('ca.pem'),
    server: { chain: [der('rsa-server.pem'), der('ca.pem')], key: key('rsa-server.key') },
    pss: { chain: [der('pss-server.pem'), der('ca.pem')], key: key('pss-server.key') },
    client: { chain: [der('rsa-client.pem')], key: key('rsa-client.key') },
  };
}

describe("tls interop with Java's JSSE", function () {
  this.timeout(60_000);
  let dir: string;
  let pki: ReturnType<typeof makeRsaPki>;
  let trust: string;
  let server: KymanTestServer | undefined;
  const { peers, sockets } = stoppedAfterEach();
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'kyman-jsse-pki-'));
    pki = makeRsaPki(dir);
    trust = truststore(dir, 'trust', pki.file('ca.pem'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  const kymanServer = async (options: Partial<TlsServerOptions>) =>
    (server = await listenKyman(createTlsServer({ certificateChain: pki.server.chain, privateKey: pki.server.key, provider, ...options }), (c) => {
      c.on('data', (d: Buffer) => {
        c.end(`kyman: ${d.toString().trim()}\n`);
      });
    }));

  for (const version of ['TLSv1.3', 'TLSv1.2'] as const satisfies readonly TlsVersionName[]) {
    it(`${version}: a JSSE client sends its certificate signed by an RSA CA, and kyman's server checks it`, async () => {
      const s = await kymanServer({ versions: [version], clientAuth: 'required', clientTrustAnchors: [pki.ca] });
      const client = jsseClient(s.port, version, keystore(dir, 'client', pki.file('rsa-client.pem'), pki.file('rsa-client.key')), trust);
      peers.push(client);
      assert.equal(await within(30_000, client.exited, 'the JSSE client'), 0, client.output() + client.stderr());
      assert.match(client.output(), new RegExp(`SESSION ${version.replace('.', '\\.')} `));
      assert.match(client.output(), /REPLY kyman: ping/);
      const conn = await s.next();
      assert.equal(conn.summary?.peerCertificates.length, 1);
      assert.equal(conn.summary?.validation?.valid, true);
    });

    it(`${version}: kyman's client and a JSSE server that asks for a certificate`, async () => {
      const peer = await jsseServer(version, keystore(dir, 'server', pki.file('rsa-server.pem'), pki.file('rsa-server.key')), trust, 'need');
      peers.push(peer);
      const socket = connect({ socket: await connectTcp(peer.port), serverName: 'localhost', trustAnchors: [pki.ca], provider, versions: [version], certificateChain: pki.client.chain, privateKey: pki.client.key });
      sockets.push(socket);
      const summary = await within(30_000, socket.secured, 'handshake');
      assert.equal(summary.version, version);
      socket.end('ping\n');
      assert.equal((await within(30_000, collect(socket), 'reply')).toString(), 'jsse: ping\n');
      assert.match(peer.output(), /peer=CN=rsa-client/);
    });
  }

  it("TLS 1.2: kyman's client connects to a JSSE server whose key is RSASSA-PSS (rsa_pss_pss_*)", async () => {
    const peer = await jsseServer('TLSv1.2', keystore(dir, 'pss', pki.file('pss-server.pem'), pki.file('pss-server.key')), '-');
    peers.push(peer);
    const socket = connect({ socket: await connectTcp(peer.port), serverName: 'localhost', trustAnchors: [pki.ca], provider, versions: ['TLSv1.2'] });
    sockets.push(socket);
    const summary = await within(30_000, socket.secured, 'handshake');
    assert.equal(summary.version, 'TLSv1.2');
    assert.match(summary.cipherSuite, /^TLS_ECDHE_RSA_/);
    socket.end('ping\n');
    assert.equal((await within(30_000, collect(socket), 'reply')).toString(), 'jsse: ping\n');
  });

  it("TLS 1.2: kyman's client connects to OpenSSL with an RSASSA-PSS key, the default ClientHello offering both versions", async () => {
    const peer = await opensslServer(['-tls1_2', '-cert', pki.file('pss-server.pem'), '-key', pki.file('pss-server.key'), '-www']);
    peers.push(peer);
    const socket = connect({ socket: await connectTcp(peer.port), serverName: 'localhost', trustAnchors: [pki.ca], provider });
    sockets.push(socket);
    const summary = await within(30_000, socket.secured, 'handshake');
    assert.equal(summary.version, 'TLSv1.2');
    socket.destroy();
  });

  it("TLS 1.2: kyman's server with an RSASSA-PSS key serves a JSSE client", async () => {
    server = await listenKyman(createTlsServer({ certificateChain: pki.pss.chain, privateKey: pki.pss.key, provider, versions: ['TLSv1.2'] }), (c) => {
      c.on('data', (d: Buffer) => c.end(`kyman: ${d.toString().trim()}\n`));
    });
    const client = jsseClient(server.port, 'TLSv1.2', '-', trust);
    peers.push(client);
    assert.equal(await within(30_000, client.exited, 'the JSSE client'), 0, client.output() + client.stderr());
    assert.match(client.output(), /SESSION TLSv1\.2 TLS_ECDHE_RSA_/);
    assert.match(client.output(), /REPLY kyman: ping/);
  });
});
