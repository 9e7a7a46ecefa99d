// The endpoint probe against real servers on loopback: openssl s_server set up to show each finding, and kyman's own server.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCertificate } from '../../../../src/core/pki/certificate/index.js';
import { encodePem } from '../../../../src/core/pki/pem.js';
import { createTlsServer } from '../../../../src/core/tls/index.js';
import { probeEndpoint, suiteFlags, type EndpointReport } from '../../../../src/core/tools/endpoint-probe/index.js';
import { trustStoreOf } from '../../../../src/core/tools/trust-store.js';
import { listenKyman, opensslServer, stoppedAfterEach } from '../../../helpers/peers.js';
import { makePki, provider, type TestPki } from '../../../helpers/tls-credentials.js';

/** Each hello is a connection of its own: the server must outlast a whole scan. */
const ACCEPT = ['-naccept', '500'];

describe('endpoint probe (integration)', function () {
  this.timeout(60_000);
  let pki: TestPki;
  const { peers } = stoppedAfterEach();
  before(async () => {
    pki = await makePki();
  });
  after(() => pki.cleanup());
  const store = () => trustStoreOf([pki.root.der], ['test root']);
  const run = async (args: string[]): Promise<EndpointReport> => {
    const peer = await opensslServer([...ACCEPT, ...args]);
    peers.push(peer);
    return probeEndpoint({ host: '127.0.0.1', port: peer.port, trustStore: store() });
  };
  const version = (r: EndpointReport, v: string) => r.scan.versions.find((x) => x.version === v)!;

  it('names the weak flags of suites by their IANA names', () => {
    assert.deepEqual(suiteFlags('TLS_RSA_WITH_3DES_EDE_CBC_SHA'), ['3DES', 'RSA-kx', 'CBC']);
    assert.deepEqual(suiteFlags('TLS_RSA_EXPORT_WITH_RC4_40_MD5'), ['EXPORT', 'RC4', 'RSA-kx', 'MD5']);
    assert.deepEqual(suiteFlags('TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'), []);
  });

  it('a TLS 1.2-only server with a CBC and an RSA key-exchange suite: both found and flagged, in the client order it follows', async () => {
    const r = await run(['-cert', pki.rsa.certFile, '-key', pki.rsa.keyFile, '-tls1_2', '-cipher', 'ECDHE-RSA-AES128-SHA:AES256-GCM-SHA384']);
    assert.equal(version(r, 'TLS 1.3').offered, false);
    const v12 = version(r, 'TLS 1.2');
    assert.equal(v12.offered, true);
    assert.deepEqual(v12.suites.map((s) => s.name).sort(), ['TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA', 'TLS_RSA_WITH_AES_256_GCM_SHA384']);
    assert.deepEqual(v12.suites.find((s) => s.name.includes('CBC'))!.flags, ['CBC']);
    assert.deepEqual(v12.suites.find((s) => s.name.startsWith('TLS_RSA_'))!.flags, ['RSA-kx']);
    assert.equal(v12.serverOrder, false);
    for (const old of ['TLS 1.1', 'TLS 1.0', 'SSL 3']) assert.equal(version(r, old).offered, false, old);
    assert.deepEqual(r.scan.behaviour, { secureRenegotiation: true, extendedMasterSecret: true });
    assert.equal(r.chain?.source, 'handshake');
    assert.equal(r.chain?.path.valid, true);
    assert.equal(r.chain?.nameMatch, true);
    assert.equal(r.chain?.inOrder, true);
    assert.match(r.chain!.sent[0].key, /RSA 2048/);
    assert.match(r.chain!.sent[0].signatureAlgorithm, /ecdsa-with-SHA256/);
    assert.ok(r.findings.some((f) => /RSA key exchange/.test(f.text) && f.severity === 'medium'));
    assert.ok(r.findings.some((f) => /CBC/.test(f.text) && f.severity === 'low'));
    assert.ok(r.findings.some((f) => f.text === 'turn on TLS 1.3'));
    assert.match(r.verdict, /^fix first: /);
  });

  it('a server that picks by its own order: found so by reversing the offer', async () => {
    const r = await run(['-cert', pki.rsa.certFile, '-key', pki.rsa.keyFile, '-tls1_2', '-serverpref', '-cipher', 'ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256']);
    const v12 = version(r, 'TLS 1.2');
    assert.deepEqual(v12.suites.map((s) => s.name), ['TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256']);
    assert.equal(v12.serverOrder, true);
  });

  it('a TLS 1.0-only server: TLS 1.0 found and flagged, its chain read from the hello', async () => {
    const r = await run(['-cert', pki.rsa.certFile, '-key', pki.rsa.keyFile, '-tls1', '-cipher', 'DEFAULT:@SECLEVEL=0']);
    const v10 = version(r, 'TLS 1.0');
    assert.equal(v10.offered, true);
    assert.equal(v10.deprecated, true);
    assert.ok(v10.suites.length > 0);
    assert.equal(version(r, 'TLS 1.2').offered, false);
    assert.equal(version(r, 'TLS 1.3').offered, false);
    assert.equal(r.chain?.source, 'hello');
    assert.equal(r.chain?.path.valid, true);
    const off = r.findings.find((f) => /turn off/.test(f.text));
    assert.equal(off?.severity, 'high');
    assert.match(off!.text, /TLS 1\.0/);
  });

  it('TLS 1.3 on openssl: its suites and groups, ffdhe and hybrids by name', async () => {
    const r = await run(['-cert', pki.ecdsa.certFile, '-key', pki.ecdsa.keyFile, '-tls1_3', '-groups', 'secp384r1:ffdhe2048', '-ciphersuites', 'TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256']);
    const v13 = version(r, 'TLS 1.3');
    assert.equal(v13.offered, true);
    assert.deepEqual(v13.suites.map((s) => s.name).sort(), ['TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256']);
    assert.deepEqual(r.scan.groups.map((g) => g.name).sort(), ['ffdhe2048', 'secp384r1']);
    assert.equal(r.scan.behaviour.helloRetryForX25519, true);
    assert.ok(r.findings.some((f) => /post-quantum/.test(f.text)));
  });

  it('a chain sent out of order and an expired certificate', async () => {
    const caKey = await provider.generateKeyPair({ type: 'ec', curve: 'P-256' });
    const caDer = await createCertificate(provider, { subject: 'CN=Kyman Test Intermediate', subjectKey: caKey, issuer: { certificate: pki.root.der, key: pki.root.key }, ca: true, days: 20 });
    const leaf = await pki.issue('ordered', { type: 'ec', curve: 'P-256' }, { issuer: { der: caDer, key: caKey, certFile: '', keyFile: '' } });
    const chainFile = join(pki.dir, 'wrong-order.pem');
    writeFileSync(chainFile, encodePem('CERTIFICATE', pki.root.der) + encodePem('CERTIFICATE', caDer));
    const r = await run(['-cert', leaf.certFile, '-key', leaf.keyFile, '-cert_chain', chainFile]);
    assert.equal(r.chain?.sent.length, 3);
    assert.equal(r.chain?.inOrder, false);
    assert.equal(r.chain?.path.valid, true);
    assert.ok(r.findings.some((f) => /out of order/.test(f.text)));

    const e = await run(['-cert', pki.expired.certFile, '-key', pki.expired.keyFile]);
    assert.equal(e.chain?.path.valid, false);
    assert.match(e.chain!.path.reason!, /expired/);
    assert.ok(e.chain!.daysLeft < 0);
    assert.equal(e.findings[0].severity, 'critical');
    assert.match(e.verdict, /does not validate.*expired/);
  });

  it('a server that sends only its leaf when the path needs an intermediate: missing intermediate, by name', async () => {
    const caKey = await provider.generateKeyPair({ type: 'ec', curve: 'P-256' });
    const caDer = await createCertificate(provider, { subject: 'CN=Kyman Missing Intermediate', subjectKey: caKey, issuer: { certificate: pki.root.der, key: pki.root.key }, ca: true, days: 20 });
    const leaf = await pki.issue('alone', { type: 'ec', curve: 'P-256' }, { issuer: { der: caDer, key: caKey, certFile: '', keyFile: '' } });
    const r = await run(['-cert', leaf.certFile, '-key', leaf.keyFile]);
    assert.equal(r.chain?.sent.length, 1);
    assert.equal(r.chain?.path.valid, false);
    assert.equal(r.chain?.missingIntermediate, 'CN=Kyman Missing Intermediate');
    const f = r.findings.find((x) => x.text.startsWith('missing intermediate: CN=Kyman Missing Intermediate'));
    assert.equal(f?.severity, 'high');
    // Sent with its intermediate, the same leaf has none missing.
    const chainFile = join(pki.dir, 'intermediate.pem');
    writeFileSync(chainFile, encodePem('CERTIFICATE', caDer));
    const whole = await run(['-cert', leaf.certFile, '-key', leaf.keyFile, '-cert_chain', chainFile]);
    assert.equal(whole.chain?.path.valid, true);
    assert.equal(whole.chain?.missingIntermediate, undefined);
  });

  it('SCTs embedded in the leaf (RFC 6962 §3.3), read from its X.509 extension', async () => {
    const key = join(pki.dir, 'sct.key');
    const cert = join(pki.dir, 'sct.crt');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=sct', '-addext', 'subjectAltName=IP:127.0.0.1', '-addext', '1.3.6.1.4.1.11129.2.4.2=DER:0400'], { stdio: 'ignore' });
    const r = await run(['-cert', cert, '-key', key]);
    assert.equal(r.chain?.sctInCertificate, true);
    // Self-signed and untrusted: no path, but no intermediate is missing either.
    assert.equal(r.chain?.path.valid, false);
    assert.equal(r.chain?.missingIntermediate, undefined);
    const plain = await run(['-cert', pki.ecdsa.certFile, '-key', pki.ecdsa.keyFile]);
    assert.equal(plain.chain?.sctInCertificate, false);
  });

  it('a name the certificate does not carry', async () => {
    const peer = await opensslServer([...ACCEPT, '-cert', pki.ecdsa.certFile, '-key', pki.ecdsa.keyFile]);
    peers.push(peer);
    const r = await probeEndpoint({ host: '127.0.0.1', port: peer.port, serverName: 'www.example.com', trustStore: store() });
    assert.equal(r.chain?.nameMatch, false);
    assert.ok(r.findings.some((f) => f.text === 'the certificate does not name www.example.com'));
  });

  it("kyman's own server: TLS 1.3 with X25519MLKEM768 first, TLS 1.2, nothing weak but a near expiry", async () => {
    const server = await listenKyman(createTlsServer({ certificateChain: [pki.ecdsa.der], privateKey: pki.ecdsa.key, provider }));
    try {
      const r = await probeEndpoint({ host: '127.0.0.1', port: server.port, trustStore: store() });
      assert.equal(version(r, 'TLS 1.3').offered, true);
      assert.equal(version(r, 'TLS 1.2').offered, true);
      assert.equal(r.scan.groups[0].name, 'X25519MLKEM768');
      assert.equal(r.scan.groups[0].pq, true);
      assert.ok(r.scan.groups.some((g) => g.name === 'x25519'));
      assert.deepEqual(r.scan.behaviour, { helloRetryForX25519: true, secureRenegotiation: true, extendedMasterSecret: true });
      assert.equal(version(r, 'TLS 1.0').offered, false);
      assert.equal(r.chain?.path.valid, true);
      // The test PKI's leaves live ten days: the expiry warning is the one finding.
      assert.deepEqual(r.findings.map((f) => f.text), [`the certificate expires in ${r.chain!.daysLeft} days: renew it`]);
      assert.match(r.verdict, /^fix first: the certificate expires in \d days/);
    } finally {
      await server.close();
    }
  });
});
