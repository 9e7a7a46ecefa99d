// `kyman tls probe --json` held against testssl.sh's --jsonfile on the same openssl s_server endpoints: versions, suites per version, chain findings.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createCertificate } from '../../../src/core/pki/certificate/index.js';
import { encodePem } from '../../../src/core/pki/pem.js';
import { kymanJson, suiteTempDir } from '../../helpers/cli.js';
import { opensslServer, type Peer } from '../../helpers/peers.js';
import { makePki, provider, type TestPki } from '../../helpers/tls-credentials.js';

/** testssl.sh opens a connection per protocol and cipher check, over a thousand in a run: the servers must outlast it. */
const ACCEPTS = '100000';
/** One testssl.sh run of the flags below takes about 20 s alone and 100 s with all seven at once on two cores; past this it hangs. */
const TESTSSL_TIMEOUT_MS = 200_000;
/**
 * Versions (-p) and the certificate and its chain (-S). No DNS: the endpoints are on loopback.
 * Warnings off: testssl would otherwise stop and ask.
 */
const TESTSSL_FLAGS = ['--quiet', '--color', '0', '--warnings', 'off', '--nodns', 'none', '-p', '-S'];
/** Every suite of every version: each cipher tried on its own, by OpenSSL where it can and by testssl's own sockets where it cannot. Most of a run's time. */
const TESTSSL_SUITE_FLAGS = ['-E'];

/** testssl's protocol ids (`id` of the version findings, and the prefix of `cipher-<proto>_x<hex>`) beside kyman's version names. */
const VERSIONS: readonly { testssl: string; cipher: string; kyman: string }[] = [
  { testssl: 'SSLv3', cipher: 'ssl3', kyman: 'SSL 3' },
  { testssl: 'TLS1', cipher: 'tls1', kyman: 'TLS 1.0' },
  { testssl: 'TLS1_1', cipher: 'tls1_1', kyman: 'TLS 1.1' },
  { testssl: 'TLS1_2', cipher: 'tls1_2', kyman: 'TLS 1.2' },
  { testssl: 'TLS1_3', cipher: 'tls1_3', kyman: 'TLS 1.3' },
];
/** SSL 2 has no ClientHello of the later versions' form (RFC 6176 forbids it): kyman does not probe it, testssl does. */
const NOT_PROBED_BY_KYMAN = new Set(['SSLv2']);

interface TestsslFinding {
  id: string;
  severity: string;
  finding: string;
}

interface Endpoint {
  name: string;
  args: (pki: TestPki, files: Files) => string[];
  /** Whether testssl lists its suites too; the chain endpoints but one run OpenSSL's default suites, which 'wrong-order' covers. */
  suites: boolean;
  peer?: Peer;
  testssl?: TestsslFinding[];
  kyman?: any;
}

interface Files {
  /** A leaf issued by an intermediate. */
  viaIntermediate: { certFile: string; keyFile: string };
  /** The root and the intermediate, in that (wrong) order, for -cert_chain. */
  wrongOrderPem: string;
}

const ENDPOINTS: Endpoint[] = [
  // CBC and RSA key exchange suites, TLS 1.2 only.
  { name: 'tls12-cbc-rsa', suites: true, args: (p) => ['-cert', p.rsa.certFile, '-key', p.rsa.keyFile, '-tls1_2', '-cipher', 'ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-SHA:AES128-SHA:AES256-SHA256:AES256-GCM-SHA384'] },
  // Every suite OpenSSL has for an RSA key, NULL and anonymous ones too (PSK and SRP take what the server has not got: none are chosen).
  { name: 'tls12-everything', suites: true, args: (p) => ['-cert', p.rsa.certFile, '-key', p.rsa.keyFile, '-tls1_2', '-cipher', 'ALL:COMPLEMENTOFALL:@SECLEVEL=0'] },
  // TLS 1.3 only, with the two CCM suites OpenSSL leaves out by default.
  { name: 'tls13', suites: true, args: (p) => ['-cert', p.ecdsa.certFile, '-key', p.ecdsa.keyFile, '-tls1_3', '-ciphersuites', 'TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_CCM_SHA256:TLS_AES_128_CCM_8_SHA256'] },
  // TLS 1.0 only: Debian's OpenSSL needs security level 0 for it.
  { name: 'tls10', suites: true, args: (p) => ['-cert', p.rsa.certFile, '-key', p.rsa.keyFile, '-tls1', '-cipher', 'DEFAULT:@SECLEVEL=0'] },
  // OpenSSL's defaults (TLS 1.3 and 1.2), the chain sent as leaf, root, intermediate.
  { name: 'wrong-order', suites: true, args: (_p, f) => ['-cert', f.viaIntermediate.certFile, '-key', f.viaIntermediate.keyFile, '-cert_chain', f.wrongOrderPem] },
  // Only the leaf, whose path needs the intermediate.
  { name: 'incomplete', suites: false, args: (_p, f) => ['-cert', f.viaIntermediate.certFile, '-key', f.viaIntermediate.keyFile] },
  // A leaf that expired ten days ago, straight from the root.
  { name: 'expired', suites: false, args: (p) => ['-cert', p.expired.certFile, '-key', p.expired.keyFile] },
];

/** testssl runs not yet finished, by process id: a suite that fails early stops them. */
const running = new Set<number>();

/** Stops a testssl run: it is a shell script whose openssl children would outlive it, so its process group goes with it. */
function stopTestssl(pid: number): void {
  running.delete(pid);
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** Runs testssl.sh once on `port`, its screen output to `log`, and reads its --jsonfile. Stopped by its own process group's id if it overruns. */
function runTestssl(port: number, suites: boolean, json: string, log: string, caFile: string): Promise<TestsslFinding[]> {
  const out = openSync(log, 'w');
  const proc = spawn('testssl', [...TESTSSL_FLAGS, ...(suites ? TESTSSL_SUITE_FLAGS : []), '--add-ca', caFile, '--jsonfile', json, `127.0.0.1:${port}`], { stdio: ['ignore', out, out], detached: true });
  closeSync(out);
  if (proc.pid) running.add(proc.pid);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stopTestssl(proc.pid!);
      reject(new Error(`testssl on port ${port} did not finish in ${TESTSSL_TIMEOUT_MS} ms:\n${readFileSync(log, 'utf8')}`));
    }, TESTSSL_TIMEOUT_MS);
    proc.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    proc.once('exit', () => {
      clearTimeout(timer);
      running.delete(proc.pid!);
      try {
        resolve(JSON.parse(readFileSync(json, 'utf8')) as TestsslFinding[]);
      } catch (e) {
        reject(new Error(`testssl on port ${port} left no JSON (${e instanceof Error ? e.message : e}):\n${readFileSync(log, 'utf8')}`));
      }
    });
  });
}

const finding = (t: TestsslFinding[], id: string): string => {
  const f = t.find((x) => x.id === id);
  assert.ok(f, `testssl has no ${id} finding`);
  return f.finding;
};

/** testssl's suites for one version: hex code to the IANA name in the finding's last column. */
function testsslSuites(t: TestsslFinding[], proto: string): Map<number, string> {
  const out = new Map<number, string>();
  for (const f of t) {
    const m = new RegExp(`^cipher-${proto}_x([0-9a-f]+)$`).exec(f.id);
    if (m) out.set(parseInt(m[1], 16), f.finding.trim().split(/\s+/).pop()!);
  }
  return out;
}

describe('kyman tls probe agrees with testssl.sh (integration)', function () {
  this.timeout(TESTSSL_TIMEOUT_MS + 60_000);
  const tmp = suiteTempDir('kyman-probe-testssl-');
  let pki: TestPki;

  before(async function () {
    pki = await makePki();
    const intKey = await provider.generateKeyPair({ type: 'ec', curve: 'P-256' });
    const intDer = await createCertificate(provider, { subject: 'CN=Kyman Test Intermediate', subjectKey: intKey, issuer: { certificate: pki.root.der, key: pki.root.key }, ca: true, days: 20 });
    const leaf = await pki.issue('via-intermediate', { type: 'ec', curve: 'P-256' }, { issuer: { der: intDer, key: intKey, certFile: '', keyFile: '' } });
    const files: Files = { viaIntermediate: leaf, wrongOrderPem: tmp.file('wrong-order.pem') };
    writeFileSync(files.wrongOrderPem, encodePem('CERTIFICATE', pki.root.der) + encodePem('CERTIFICATE', intDer));
    // testssl splits --add-ca at spaces, which the test root's file name has.
    const rootPem = tmp.file('root.pem');
    writeFileSync(rootPem, encodePem('CERTIFICATE', pki.root.der));
    for (const e of ENDPOINTS) e.peer = await opensslServer(['-naccept', ACCEPTS, ...e.args(pki, files)]);
    // kyman's probes first, one after the other, a few seconds each: s_server answers one connection at a time, and a hello queued behind testssl's would wait past its timeout.
    for (const e of ENDPOINTS) {
      e.kyman = kymanJson(['tls', 'probe', `127.0.0.1:${e.peer!.port}`, '--ca-file', pki.root.certFile]);
      assert.equal(e.kyman.__status, 0, `${e.name}: ${e.kyman.__stderr}`);
    }
    // Then all testssl runs at once: each spends most of its time waiting on its own openssl children.
    const results = await Promise.all(ENDPOINTS.map((e) => runTestssl(e.peer!.port, e.suites, tmp.file(`${e.name}.json`), tmp.file(`${e.name}.log`), rootPem)));
    ENDPOINTS.forEach((e, i) => (e.testssl = results[i]));
  });

  after(() => {
    for (const pid of running) stopTestssl(pid);
    for (const e of ENDPOINTS) e.peer?.stop();
    pki?.cleanup();
  });

  const endpoint = (name: string) => ENDPOINTS.find((e) => e.name === name)!;
  const kymanVersion = (e: Endpoint, v: string) => e.kyman.scan.versions.find((x: { version: string }) => x.version === v);

  for (const e of ENDPOINTS) {
    it(`${e.name}: the same versions${e.suites ? ' and the same suites for each, by code and IANA name' : ''}`, () => {
      const t = e.testssl!;
      for (const id of NOT_PROBED_BY_KYMAN) assert.match(finding(t, id), /^not offered/, `${e.name}: testssl found ${id}, which kyman does not probe`);
      for (const v of VERSIONS) {
        const testsslOffered = /^offered/.test(finding(t, v.testssl));
        const k = kymanVersion(e, v.kyman);
        assert.equal(k.offered, testsslOffered, `${e.name} ${v.kyman}: kyman ${k.offered}, testssl "${finding(t, v.testssl)}"`);
        if (!e.suites) continue;
        const theirs = testsslSuites(t, v.cipher);
        const ours = new Map<number, string>(k.suites.map((s: { id: number; name: string }) => [s.id, s.name]));
        // testssl lists by strength, kyman in the server's order: the sets are what must agree.
        const only = (a: Map<number, string>, b: Map<number, string>) => [...a].filter(([id]) => !b.has(id)).map(([id, name]) => `0x${id.toString(16).padStart(4, '0')} ${name}`);
        assert.deepEqual({ onlyKyman: only(ours, theirs), onlyTestssl: only(theirs, ours) }, { onlyKyman: [], onlyTestssl: [] }, `${e.name} ${v.kyman}`);
        for (const [id, name] of theirs) assert.equal(ours.get(id), name, `${e.name} ${v.kyman} 0x${id.toString(16)}`);
      }
    });
  }

  it('each endpoint shows what it was set up to show, to both', () => {
    const offered = (e: Endpoint) => VERSIONS.filter((v) => kymanVersion(e, v.kyman).offered).map((v) => v.kyman);
    assert.deepEqual(offered(endpoint('tls12-cbc-rsa')), ['TLS 1.2']);
    const cbcRsa = kymanVersion(endpoint('tls12-cbc-rsa'), 'TLS 1.2').suites.map((s: { name: string }) => s.name);
    assert.ok(cbcRsa.includes('TLS_RSA_WITH_AES_128_CBC_SHA') && cbcRsa.includes('TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA'), String(cbcRsa));
    const everything = kymanVersion(endpoint('tls12-everything'), 'TLS 1.2').suites.flatMap((s: { flags: string[] }) => s.flags);
    for (const flag of ['NULL', 'anon', 'MD5', 'RSA-kx', 'CBC']) assert.ok(everything.includes(flag), flag);
    assert.deepEqual(offered(endpoint('tls13')), ['TLS 1.3']);
    assert.ok(kymanVersion(endpoint('tls13'), 'TLS 1.3').suites.some((s: { name: string }) => s.name === 'TLS_AES_128_CCM_8_SHA256'));
    assert.deepEqual(offered(endpoint('tls10')), ['TLS 1.0']);
    assert.deepEqual(offered(endpoint('wrong-order')), ['TLS 1.2', 'TLS 1.3']);
  });

  it('chain findings: valid or not, incomplete, in order or not, expired, as many certificates sent', () => {
    for (const e of ENDPOINTS) {
      const t = e.testssl!;
      const c = e.kyman.chain;
      assert.ok(c, `${e.name}: kyman checked no chain: ${e.kyman.chainWhy}`);
      const trust = finding(t, 'cert_chain_of_trust');
      assert.equal(c.path.valid, /^passed/.test(trust), `${e.name}: kyman ${c.path.valid} (${c.path.reason}), testssl "${trust}"`);
      assert.equal(Boolean(c.missingIntermediate), /chain incomplete/.test(trust), `${e.name}: kyman missing issuer ${c.missingIntermediate}, testssl "${trust}"`);
      assert.equal(/expired/.test(c.path.reason ?? ''), /\(expired\)/.test(trust), `${e.name}: kyman "${c.path.reason}", testssl "${trust}"`);
      assert.equal(c.inOrder, finding(t, 'certs_list_ordering_problem') === 'no', `${e.name}: order`);
      assert.equal(c.sent.length, Number(finding(t, 'certs_countServer')), `${e.name}: certificates sent`);
      const expiry = finding(t, 'cert_expirationStatus');
      assert.equal(c.daysLeft < 0, /expired/.test(expiry), `${e.name}: kyman ${c.daysLeft} days left, testssl "${expiry}"`);
    }
    // And each on the endpoint set up for it.
    assert.equal(endpoint('wrong-order').kyman.chain.inOrder, false);
    assert.equal(endpoint('wrong-order').kyman.chain.path.valid, true);
    assert.equal(endpoint('incomplete').kyman.chain.missingIntermediate, 'CN=Kyman Test Intermediate');
    assert.ok(endpoint('expired').kyman.chain.daysLeft < 0);
    assert.equal(endpoint('tls12-cbc-rsa').kyman.chain.path.valid, true);
  });
});
