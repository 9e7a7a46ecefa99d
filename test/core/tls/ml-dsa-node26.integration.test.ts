// TLS 1.3 with ML-DSA certificates (mldsa44/65/87, 0x0904–0x0906) against Node.js 26 (OpenSSL 3.5), both ways, both sides signing.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSoftwareProvider, type PrivateKeyHandle } from '../../../src/core/crypto/index.js';
import { createCertificate } from '../../../src/core/pki/certificate/index.js';
import { decodePem, encodePem } from '../../../src/core/pki/pem.js';
import { validateChain } from '../../../src/core/pki/validate.js';
import { connect, listen, type TlsSocket } from '../../../src/core/tls/index.js';
import { fixture, fixtureBytes } from '../../helpers/fixtures.js';
import { node26Output, node26Path, runNode26, type Node26Process } from '../../helpers/node26.js';
import { collect, connectTcp, within } from '../../helpers/peers.js';

const provider = createSoftwareProvider();

describe('TLS 1.3 with ML-DSA certificates against Node 26', function () {
  this.timeout(60_000);
  let dir: string;
  let ca: { der: Uint8Array; key: PrivateKeyHandle; file: string };
  let server: { der: Uint8Array; key: PrivateKeyHandle };
  const peers: Node26Process[] = [];
  const closers: Array<() => void> = [];

  before(async function () {
    if (!node26Path()) this.skip();
    dir = mkdtempSync(join(tmpdir(), 'kyman-mldsa-'));
    const caKey = await provider.generateKeyPair({ type: 'ml-dsa', parameterSet: 'ML-DSA-65' });
    const caDer = await createCertificate(provider, { subject: 'CN=PQ Test Root', subjectKey: caKey, ca: true, days: 30 });
    ca = { der: caDer, key: caKey, file: join(dir, 'ca.crt') };
    writeFileSync(ca.file, encodePem('CERTIFICATE', caDer));
    const key = await provider.generateKeyPair({ type: 'ml-dsa', parameterSet: 'ML-DSA-65' });
    const der = await createCertificate(provider, {
      subject: 'CN=localhost',
      subjectKey: key,
      issuer: { certificate: caDer, key: caKey },
      subjectAltNames: ['dns:localhost', 'ip:127.0.0.1'],
      extendedKeyUsage: ['serverAuth'],
      days: 10,
    });
    server = { der, key };
  });
  after(() => dir && rmSync(dir, { recursive: true, force: true }));
  afterEach(() => {
    for (const p of peers.splice(0)) p.stop();
    for (const c of closers.splice(0)) c();
  });

  async function kymanServer(clientAuth: 'none' | 'required') {
    const srv = listen(
      { host: '127.0.0.1', port: 0 },
      { certificateChain: [server.der, ca.der], privateKey: server.key, provider, clientAuth, clientTrustAnchors: [ca.der] },
    );
    const conns: TlsSocket[] = [];
    srv.on('secureConnection', (c: TlsSocket) => {
      conns.push(c);
      c.on('error', () => undefined);
      c.pipe(c);
    });
    srv.on('tlsClientError', () => undefined);
    await new Promise<void>((r) => srv.once('listening', r));
    closers.push(() => {
      srv.close();
      for (const c of conns) c.destroy();
    });
    return { port: (srv.address() as net.AddressInfo).port, conns };
  }

  it("Node 26 client → kyman server: kyman's ML-DSA-65 chain accepted, and the client's ML-DSA-44 key (made by Node) verified", async () => {
    // Node makes the client's key; kyman's CA certifies its public key.
    const made = JSON.parse(
      await node26Output(`
        import { generateKeyPairSync } from 'node:crypto';
        const { privateKey, publicKey } = generateKeyPairSync('ml-dsa-44');
        console.log(JSON.stringify({ key: privateKey.export({ type: 'pkcs8', format: 'pem' }), spki: publicKey.export({ type: 'spki', format: 'der' }).toString('base64') }));
      `),
    ) as { key: string; spki: string };
    const clientDer = await createCertificate(provider, {
      subject: 'CN=node client',
      subjectKey: new Uint8Array(Buffer.from(made.spki, 'base64')),
      issuer: { certificate: ca.der, key: ca.key },
      extendedKeyUsage: ['clientAuth'],
      days: 10,
    });
    writeFileSync(join(dir, 'client.crt'), encodePem('CERTIFICATE', clientDer));
    writeFileSync(join(dir, 'client.key'), made.key);

    const { port, conns } = await kymanServer('required');
    const node = runNode26(
      `
      import { connect } from 'node:tls';
      import { readFileSync } from 'node:fs';
      const d = process.env.DIR;
      const s = connect({ host: '127.0.0.1', port: ${port}, servername: 'localhost', minVersion: 'TLSv1.3', ca: readFileSync(d + '/ca.crt'),
        cert: readFileSync(d + '/client.crt'), key: readFileSync(d + '/client.key') }, () => {
        s.write('ping');
        s.once('data', (b) => { console.log(JSON.stringify({ authorized: s.authorized, protocol: s.getProtocol(), echo: b.toString(), peer: s.getPeerCertificate().subject.CN })); s.end(); });
      });
      s.on('error', (e) => { console.error(e.message); process.exit(1); });
      `,
      { DIR: dir },
    );
    peers.push(node);
    const line = JSON.parse(await node.firstLine(20_000)) as { authorized: boolean; protocol: string; echo: string; peer: string };
    assert.deepEqual(line, { authorized: true, protocol: 'TLSv1.3', echo: 'ping', peer: 'localhost' });
    const summary = await within(10_000, conns[0].secured);
    assert.equal(summary.signatureScheme, 'mldsa44', "the client's CertificateVerify");
    assert.equal(summary.validation?.valid, true);
  });

  it("kyman client → Node 26 server: the LAMPS ML-DSA-65 example certificate OpenSSL serves, and kyman's ML-DSA-87 client certificate", async () => {
    const clientKey = await provider.generateKeyPair({ type: 'ml-dsa', parameterSet: 'ML-DSA-87' });
    const clientDer = await createCertificate(provider, {
      subject: 'CN=kyman client',
      subjectKey: clientKey,
      issuer: { certificate: ca.der, key: ca.key },
      extendedKeyUsage: ['clientAuth'],
      days: 10,
    });
    const node = runNode26(
      `
      import { createServer } from 'node:tls';
      import { readFileSync } from 'node:fs';
      const srv = createServer({ minVersion: 'TLSv1.3', key: readFileSync(process.env.KEY), cert: readFileSync(process.env.CERT),
        requestCert: true, rejectUnauthorized: true, ca: readFileSync(process.env.CA) }, (s) => {
        s.end(JSON.stringify({ authorized: s.authorized, client: s.getPeerCertificate().subject.CN }));
        srv.close();
      });
      srv.on('tlsClientError', (e) => console.error(e.message));
      srv.listen(0, '127.0.0.1', () => console.log(srv.address().port));
      `,
      { KEY: fixture('lamps-ml-dsa/ML-DSA-65-seed.priv'), CERT: fixture('lamps-ml-dsa/ML-DSA-65.crt'), CA: ca.file },
    );
    peers.push(node);
    const port = Number(await node.firstLine());
    const lamps = decodePem(fixtureBytes('lamps-ml-dsa/ML-DSA-65.crt'))[0].der;
    // The example certificate names no host (CN=LAMPS WG), so its chain is validated here, after the handshake.
    const socket = connect({ socket: await connectTcp(port), verify: 'insecure', provider, certificateChain: [clientDer], privateKey: clientKey });
    closers.push(() => socket.destroy());
    const got = collect(socket);
    const summary = await within(20_000, socket.secured);
    assert.equal(summary.version, 'TLSv1.3');
    assert.equal(summary.signatureScheme, 'mldsa65', "the server's CertificateVerify");
    assert.deepEqual(summary.peerCertificates, [lamps]);
    const validation = validateChain(provider, summary.peerCertificates[0], { trustAnchors: [lamps], purpose: 'server' });
    assert.equal(validation.valid, true, validation.reason?.message);
    assert.equal(summary.clientCertificateSent, true);
    assert.deepEqual(JSON.parse((await within(10_000, got)).toString()), { authorized: true, client: 'kyman client' });
  });

  it('a Node 26 client that offers no ML-DSA scheme gets no handshake from a server with only an ML-DSA certificate', async () => {
    const { port } = await kymanServer('none');
    const node = runNode26(
      `
      import { connect } from 'node:tls';
      import { readFileSync } from 'node:fs';
      const s = connect({ host: '127.0.0.1', port: ${port}, servername: 'localhost', minVersion: 'TLSv1.3', ca: readFileSync(process.env.CA), sigalgs: 'ecdsa_secp256r1_sha256:rsa_pss_rsae_sha256' }, () => console.log('connected'));
      s.on('error', (e) => console.log('error ' + e.message));
      `,
      { CA: ca.file },
    );
    peers.push(node);
    assert.match(await node.firstLine(20_000), /^error .*handshake failure/i);
  });
});
