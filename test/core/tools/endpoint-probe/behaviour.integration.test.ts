// The behaviour hellos show, against servers set up to show each answer: openssl s_server, gnutls-serv, and a scripted peer for what neither will do (SSL 3, compression, no downgrade sentinel).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { join } from 'node:path';
import { encodePem } from '../../../../src/core/pki/pem.js';
import { ext, ExtensionType, keyShareExt, supportedVersionsExt, type ClientHello } from '../../../../src/core/tls/msgs/index.js';
import type { EndpointReport } from '../../../../src/core/tools/endpoint-probe/index.js';
import { probeSuite, SCAN_ACCEPTS } from '../../../helpers/endpoint-probe.js';
import { connectPeer, gnutlsServer, opensslServer, stoppedAfterEach, type Peer } from '../../../helpers/peers.js';
import { scriptedHelloPeer, type ScriptedAnswer } from '../../../helpers/scripted-hello-peer.js';
import type { TestPki } from '../../../helpers/tls-credentials.js';
/** RFC 8446 §6 alert handshake_failure. */
const HANDSHAKE_FAILURE = 40;
/** RFC 2409 §6.2's 1024-bit MODP prime. */
const OAKLEY_GROUP_2 =
  'FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE65381FFFFFFFFFFFFFFFF';
/** RFC 6520's extension, which the engine does not name. */
const HEARTBEAT = 15;

describe('endpoint probe behaviour checks (integration)', function () {
  this.timeout(60_000);
  const suite = probeSuite();
  const { peers } = stoppedAfterEach();
  const closers: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of closers.splice(0)) await c();
  });
  const { probeAt, openssl } = suite;
  let pki: TestPki;
  // After the suite's own hook, which makes the PKI.
  before(() => {
    pki = suite.pki();
  });
  const offered = (r: EndpointReport, v: string) => r.scan.versions.find((x) => x.version === v)!.offered;
  /** gnutls-serv lives in a network namespace of its own: a TCP listener on loopback bridges to it, one connection at a time. */
  const bridged = async (peer: Peer): Promise<number> => {
    const server = net.createServer((c) => {
      c.on('error', () => c.destroy());
      connectPeer(peer).then(
        (s) => {
          s.on('error', () => c.destroy());
          c.on('close', () => s.destroy());
          s.on('close', () => c.destroy());
          c.pipe(s).pipe(c);
        },
        () => c.destroy(),
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    closers.push(() => new Promise<void>((r) => server.close(() => r())));
    return (server.address() as net.AddressInfo).port;
  };

  it('openssl with TLS 1.3 and 1.2: the sentinel, fallback SCSV refused, no compression or heartbeat, encrypt-then-MAC, a 2048-bit DHE prime, SSL 3 not offered', async () => {
    const r = await openssl(['-cert', pki.rsa.certFile, '-key', pki.rsa.keyFile]);
    assert.equal(offered(r, 'TLS 1.3'), true);
    assert.equal(offered(r, 'SSL 3'), false);
    assert.deepEqual(r.scan.checks, { downgradeSentinel: true, fallbackScsv: true, compression: false, heartbeat: false, ocspStapling: false, sctExtension: false, encryptThenMac: true, dheBits: 2048 });
    assert.ok(!r.findings.some((f) => /sentinel|fallback|compression|heartbeat|encrypt-then-MAC|DHE group/i.test(f.text)), JSON.stringify(r.findings));
  });

  it('openssl with a 1024-bit DHE prime: its size, and a finding', async () => {
    const dh = join(pki.dir, 'dh1024.pem');
    // PKCS #3 DHParameter { p, g = 2 } of RFC 2409 §6.2's 1024-bit group: fixed, where `openssl dhparam 1024` would take seconds.
    const p = Buffer.from(OAKLEY_GROUP_2, 'hex');
    writeFileSync(dh, encodePem('DH PARAMETERS', Buffer.concat([Buffer.from([0x30, 0x81, 0x87, 0x02, 0x81, 0x81, 0x00]), p, Buffer.from([0x02, 0x01, 0x02])])));
    const r = await openssl(['-cert', pki.rsa.certFile, '-key', pki.rsa.keyFile, '-tls1_2', '-dhparam', dh, '-cipher', 'DHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0']);
    assert.equal(r.scan.checks.dheBits, 1024);
    const f = r.findings.find((x) => /DHE group/.test(x.text));
    assert.equal(f?.severity, 'medium');
    assert.match(f!.text, /prime has 1024 \(Logjam\)/);
  });

  it('openssl stapling an OCSP response made by openssl ocsp, and SCTs in a TLS 1.2 ServerHello and beside a TLS 1.3 leaf', async () => {
    const serial = execFileSync('openssl', ['x509', '-in', pki.rsa.certFile, '-noout', '-serial']).toString().trim().split('=')[1];
    const index = join(pki.dir, 'index.txt');
    writeFileSync(index, `V\t391231235959Z\t\t${serial}\tunknown\t/CN=rsa\n`);
    const req = join(pki.dir, 'ocsp-req.der');
    const resp = join(pki.dir, 'ocsp-resp.der');
    execFileSync('openssl', ['ocsp', '-issuer', pki.root.certFile, '-cert', pki.rsa.certFile, '-no_nonce', '-reqout', req], { stdio: 'ignore' });
    execFileSync('openssl', ['ocsp', '-index', index, '-rsigner', pki.root.certFile, '-rkey', pki.root.keyFile, '-CA', pki.root.certFile, '-reqin', req, '-respout', resp, '-ndays', '1'], { stdio: 'ignore' });
    // RFC 6962 §3.3: a SignedCertificateTimestampList of one SCT, as a serverinfo block for extension 18; a server sends it unchecked.
    const sct = Buffer.concat([Buffer.from([0]), Buffer.alloc(32, 7), Buffer.alloc(8, 1), Buffer.from([0, 0, 4, 3, 0, 2, 0x30, 0])]);
    const list = Buffer.concat([Buffer.from([0, sct.length + 2, 0, sct.length]), sct]);
    const serverinfo = join(pki.dir, 'sct.serverinfo');
    writeFileSync(serverinfo, encodePem('SERVERINFO FOR CT', Buffer.concat([Buffer.from([0, 18, 0, list.length]), list])));
    const r = await openssl(['-cert', pki.rsa.certFile, '-key', pki.rsa.keyFile, '-status_file', resp, '-serverinfo', serverinfo]);
    assert.equal(r.scan.checks.ocspStapling, true);
    assert.equal(r.scan.checks.sctExtension, true);
    // TLS 1.3 staples in the leaf's CertificateEntry, under encryption; a version 1 serverinfo block is for TLS 1.2 ServerHellos only.
    assert.deepEqual(r.handshakes?.stapling13, { ocsp: true, sct: false });
    // Not stapling is for information, not a finding.
    const plain = await openssl(['-cert', pki.rsa.certFile, '-key', pki.rsa.keyFile]);
    assert.equal(plain.scan.checks.ocspStapling, false);
    assert.deepEqual(plain.handshakes?.stapling13, { ocsp: false, sct: false });
    assert.ok(!plain.findings.some((f) => /OCSP|stapl/i.test(f.text)));
    // A version 2 serverinfo block with the TLS 1.3 Certificate context (SSL_EXT_CLIENT_HELLO | SSL_EXT_TLS1_3_CERTIFICATE) puts the SCTs beside the leaf.
    const serverinfo13 = join(pki.dir, 'sct13.serverinfo');
    const context = Buffer.from([0, 0, 0x10, 0x80]);
    writeFileSync(serverinfo13, encodePem('SERVERINFOV2 FOR CT', Buffer.concat([context, Buffer.from([0, 18, 0, list.length]), list])));
    const ct13 = await openssl(['-cert', pki.rsa.certFile, '-key', pki.rsa.keyFile, '-serverinfo', serverinfo13]);
    assert.deepEqual(ct13.handshakes?.stapling13, { ocsp: false, sct: true });
  });

  it('gnutls-serv with heartbeat on and encrypt-then-MAC off: both found and ranked low; its DHE prime is ffdhe2048', async function () {
    const peer = await gnutlsServer(['--x509certfile', pki.rsa.certFile, '--x509keyfile', pki.rsa.keyFile, '--heartbeat', '--priority', 'NORMAL:-VERS-TLS1.3:%NO_ETM']);
    peers.push(peer);
    const r = await probeAt(await bridged(peer));
    assert.equal(offered(r, 'TLS 1.2'), true);
    assert.equal(r.scan.checks.heartbeat, true);
    assert.equal(r.scan.checks.encryptThenMac, false);
    assert.equal(r.scan.checks.compression, false);
    // GnuTLS takes RFC 7919's groups from supported_groups in TLS 1.2 too; OpenSSL 3.0 (above) sends a prime of its own.
    assert.equal(r.scan.checks.dheBits, 2048);
    assert.equal(r.scan.checks.dheGroup, 'ffdhe2048');
    assert.equal(offered(r, 'SSL 3'), false);
    assert.equal(r.findings.find((f) => /heartbeat/.test(f.text))?.severity, 'low');
    assert.equal(r.findings.find((f) => /encrypt-then-MAC/.test(f.text))?.severity, 'low');
  });

  it('a middlebox that keeps silent instead of refusing: each silent hello counted, and a finding that the lists may be short', async () => {
    const peer = await opensslServer([...SCAN_ACCEPTS, '-cert', pki.rsa.certFile, '-key', pki.rsa.keyFile]);
    peers.push(peer);
    // In front of openssl: a TLS 1.2 hello without TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 is held, unanswered, until the prober gives up.
    let held = 0;
    const server = net.createServer((c) => {
      c.on('error', () => c.destroy());
      c.once('data', (first: Buffer) => {
        const legacyVersion = first.readUInt16BE(9);
        const suites = first.subarray(9 + 2 + 32 + 1 + first[9 + 2 + 32]);
        const list = suites.subarray(2, 2 + suites.readUInt16BE(0));
        const offers = (id: number) => list.some((_, i) => i % 2 === 0 && list.readUInt16BE(i) === id);
        if (legacyVersion === 0x0303 && !list.some((b, i) => i % 2 === 0 && b === 0x13) && !offers(0xc02f)) {
          held++;
          return;
        }
        connectPeer(peer).then(
          (s) => {
            s.on('error', () => c.destroy());
            c.on('close', () => s.destroy());
            s.on('close', () => c.destroy());
            s.write(first);
            c.pipe(s).pipe(c);
          },
          () => c.destroy(),
        );
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    closers.push(
      () =>
        new Promise<void>((r) => server.close(() => r())),
    );
    const r = await probeAt((server.address() as net.AddressInfo).port, { helloTimeoutMs: 500, checks: ['versions', 'suites'] });
    assert.equal(offered(r, 'TLS 1.3'), true);
    assert.equal(offered(r, 'TLS 1.2'), true);
    assert.ok(held >= 1);
    assert.equal(r.scan.silentHellos, held);
    // The TLS 1.2 list stops at the first silent hello, which followed the hello that chose 0xc02f.
    assert.equal(r.scan.versions.find((v) => v.version === 'TLS 1.2')!.suites.at(-1)?.id, 0xc02f);
    const finding = r.findings.find((f) => /no answer in time/.test(f.text));
    assert.equal(finding?.severity, 'medium');
    assert.match(finding!.text, held === 1 ? /^a hello got/ : new RegExp(`^${held} hellos got`));
  });

  it('a peer that answers only an SSL 3 hello: SSL 3 detected and flagged, its chain read from the hello', async () => {
    const peer = await scriptedHelloPeer((h) =>
      h.legacy_version === 0x0300 && h.cipher_suites.includes(0x002f) ? { version: 0x0300, suite: 0x002f, certificates: [pki.rsa.der] } : { alert: HANDSHAKE_FAILURE },
    );
    closers.push(() => peer.close());
    const r = await probeAt(peer.port);
    const ssl3 = r.scan.versions.find((v) => v.version === 'SSL 3')!;
    assert.equal(ssl3.offered, true);
    assert.equal(ssl3.deprecated, true);
    assert.deepEqual(ssl3.suites.map((s) => s.name), ['TLS_RSA_WITH_AES_128_CBC_SHA']);
    for (const v of ['TLS 1.3', 'TLS 1.2', 'TLS 1.1', 'TLS 1.0']) assert.equal(offered(r, v), false, v);
    // The SSL 3 hello carried no extensions, as the version has none.
    assert.ok(peer.hellos.filter((h) => h.legacy_version === 0x0300).every((h) => h.extensions.length === 0));
    assert.equal(r.chain?.source, 'hello');
    const off = r.findings.find((f) => /turn off/.test(f.text));
    assert.equal(off?.severity, 'high');
    assert.match(off!.text, /SSL 3 \(RFC 8996, RFC 7568\)/);
  });

  it('a TLS 1.3 peer that compresses, echoes heartbeat, ignores the fallback SCSV and sends no sentinel: each a finding', async () => {
    const tls13 = (h: ClientHello) => h.extensions.some((e) => e.extension_type === ExtensionType.supported_versions);
    const peer = await scriptedHelloPeer((h): ScriptedAnswer => {
      if (tls13(h)) {
        if (!h.cipher_suites.includes(0x1301)) return { alert: HANDSHAKE_FAILURE };
        return { version: 0x0303, suite: 0x1301, extensions: [ext(ExtensionType.supported_versions, supportedVersionsExt.server.encode(0x0304)), ext(ExtensionType.key_share, keyShareExt.server.encode({ group: 0x001d, key_exchange: new Uint8Array(32).fill(9) }))] };
      }
      if (h.legacy_version !== 0x0303 || !h.cipher_suites.includes(0xc02f)) return { alert: HANDSHAKE_FAILURE };
      const beat = h.extensions.some((e) => e.extension_type === HEARTBEAT);
      return {
        version: 0x0303,
        suite: 0xc02f,
        // A random of zeros: no DOWNGRD sentinel.
        random: new Uint8Array(32),
        compression: h.legacy_compression_methods.includes(1) ? 1 : 0,
        extensions: [ext(ExtensionType.renegotiation_info, Uint8Array.of(0)), ext(ExtensionType.extended_master_secret, new Uint8Array(0)), ...(beat ? [ext(HEARTBEAT, Uint8Array.of(1))] : [])],
        certificates: [pki.rsa.der],
      };
    });
    closers.push(() => peer.close());
    const r = await probeAt(peer.port);
    assert.equal(offered(r, 'TLS 1.3'), true);
    assert.equal(offered(r, 'TLS 1.2'), true);
    assert.equal(r.scan.checks.downgradeSentinel, false);
    assert.equal(r.scan.checks.fallbackScsv, false);
    assert.equal(r.scan.checks.compression, true);
    assert.equal(r.scan.checks.heartbeat, true);
    // The fallback hello was a TLS 1.2 one carrying TLS_FALLBACK_SCSV.
    assert.ok(peer.hellos.some((h) => h.legacy_version === 0x0303 && h.cipher_suites.includes(0x5600)));
    const severity = (re: RegExp) => r.findings.find((f) => re.test(f.text))?.severity;
    assert.equal(severity(/compression/), 'high');
    assert.equal(severity(/downgrade sentinel/), 'medium');
    assert.equal(severity(/RFC 7507/), 'medium');
    assert.equal(severity(/heartbeat/), 'low');
  });
});
