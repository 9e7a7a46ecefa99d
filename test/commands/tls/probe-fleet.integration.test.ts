// `kyman tls probe --targets` as a person and a script run it: openssl s_server with an expired and a good certificate, a Node tls server and a dead port, in one list.

import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { kyman, kymanOnTerminal, repoRoot, suiteTempDir } from '../../helpers/cli.js';
import { freePort, opensslServer, type Peer } from '../../helpers/peers.js';
import { createCertificate } from '../../../src/core/pki/certificate/index.js';
import { encodePem } from '../../../src/core/pki/pem.js';
import { makePki, provider, type TestPki } from '../../helpers/tls-credentials.js';

/** Each hello is a connection of its own: the servers must outlast several runs of version hellos and chain handshakes. */
const ACCEPTS = '200';
const DAY = 86_400_000;

/** Node's tls server in a process of its own (kyman runs synchronously here), saying its port on stdout. */
function nodeTlsServer(certFile: string, keyFile: string): Promise<{ proc: ChildProcess; port: number }> {
  const script = `const tls = require('node:tls'), fs = require('node:fs');
const s = tls.createServer({ cert: fs.readFileSync(process.argv[1]), key: fs.readFileSync(process.argv[2]) }, (c) => c.end());
s.on('tlsClientError', () => {});
s.listen(0, '127.0.0.1', () => console.log(s.address().port));`;
  const proc = spawn(process.execPath, ['-e', script, certFile, keyFile], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    proc.once('exit', (code) => reject(new Error(`the Node tls server exited (${code})`)));
    proc.stdout!.once('data', (d: Buffer) => resolve({ proc, port: Number(d.toString().trim()) }));
  });
}

type Line = Record<string, any>;
const lines = (stdout: string): Line[] => stdout.trim().split('\n').map((l) => JSON.parse(l) as Line);

describe('kyman tls probe --targets (integration)', function () {
  this.timeout(180_000);
  const tmp = suiteTempDir('kyman-probe-fleet-');
  let pki: TestPki;
  const peers: Peer[] = [];
  let node: ChildProcess | undefined;
  let expired: number;
  let good: number;
  let nodePort: number;
  let dead: number;
  let list: string;
  let longRoot: string;
  before(async () => {
    pki = await makePki();
    // The test root lives 30 days, and a certificate no longer than its issuer: a root of its own for one that does not expire soon.
    const longRootKey = await provider.generateKeyPair({ type: 'ec', curve: 'P-256' });
    const longRootDer = await createCertificate(provider, { subject: 'CN=Long Root', subjectKey: longRootKey, ca: true, days: 400 });
    longRoot = tmp.file('long-root.pem');
    writeFileSync(longRoot, encodePem('CERTIFICATE', longRootDer));
    const long = await pki.issue('long-lived', { type: 'ec', curve: 'P-256' }, { notBefore: new Date(Date.now() - DAY), notAfter: new Date(Date.now() + 200 * DAY), issuer: { der: longRootDer, key: longRootKey, certFile: longRoot, keyFile: '' } });
    const e = await opensslServer(['-naccept', ACCEPTS, '-cert', pki.expired.certFile, '-key', pki.expired.keyFile]);
    const g = await opensslServer(['-naccept', ACCEPTS, '-cert', long.certFile, '-key', long.keyFile]);
    peers.push(e, g);
    const n = await nodeTlsServer(pki.rsa.certFile, pki.rsa.keyFile);
    node = n.proc;
    [expired, good, nodePort, dead] = [e.port, g.port, n.port, await freePort()];
    list = tmp.file('endpoints.txt');
    writeFileSync(list, [`# loopback servers`, `127.0.0.1:${good}`, `127.0.0.1:${expired} localhost`, '', `127.0.0.1:${dead}   # nothing listens`, `127.0.0.1:${nodePort} localhost`, ''].join('\n'));
  });
  after(() => {
    for (const p of peers) p.stop();
    if (node?.exitCode === null) node.kill('SIGKILL');
    pki.cleanup();
  });
  const ca = () => ['--ca-file', pki.root.certFile, '--ca-file', longRoot];

  it('--json: one line an endpoint, the dead port among them as unreachable, then the summary in its orders; exit 1', () => {
    const r = kyman(['tls', 'probe', '--targets', list, ...ca(), '--json', '--concurrency', '2']);
    assert.equal(r.status, 1, r.stderr);
    const out = lines(r.stdout);
    assert.equal(out.length, 5);
    const summary = out.pop()!.summary;
    assert.deepEqual(out.map((l) => l.port).sort(), [expired, good, nodePort, dead].sort());
    const byPort = new Map(out.map((l) => [l.port, l]));
    assert.match(byPort.get(dead)!.unreachable, /^cannot connect to 127\.0\.0\.1:\d+: connection refused/);
    const ex = byPort.get(expired)!;
    assert.deepEqual(ex.checks, ['chain', 'versions']);
    assert.ok(ex.chain.daysLeft < 0);
    assert.equal(ex.chain.path.valid, false);
    assert.equal(ex.findings[0].severity, 'critical');
    assert.equal(byPort.get(good)!.findings.length, 0, JSON.stringify(byPort.get(good)!.findings));
    assert.equal(byPort.get(nodePort)!.findings[0].severity, 'high');
    assert.match(byPort.get(nodePort)!.verdict, /expires in \d+ days/);
    // The fleet's default checks: one hello a version, no suite list, no groups.
    assert.deepEqual(byPort.get(good)!.scan.versions.map((v: Line) => [v.version, v.offered, v.suites.length]), [['TLS 1.3', true, 0], ['TLS 1.2', true, 0], ['TLS 1.1', false, 0], ['TLS 1.0', false, 0], ['SSL 3', false, 0]]);
    assert.equal(summary.endpoints, 4);
    assert.equal(summary.probed, 3);
    assert.deepEqual(summary.expiringFirst.map((x: Line) => x.port), [expired, nodePort, good]);
    assert.deepEqual(summary.worstFirst.map((x: Line) => [x.port, x.worst ?? 'none']), [[expired, 'critical'], [nodePort, 'high'], [good, 'none']]);
    assert.deepEqual(summary.unreachable.map((u: Line) => u.port), [dead]);
    assert.deepEqual(summary.worst, { critical: 1, high: 1, medium: 0, low: 0, none: 1 });
  });

  it('for people: the tables by expiry and by the worst finding, then the unreachable list', () => {
    const r = kyman(['tls', 'probe', '--targets', list, ...ca()]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stdout, /^Fleet +4 endpoints: 3 probed \(1 critical, 1 high, 1 with nothing to fix\), 1 unreachable$/m);
    const section = (title: string) => r.stdout.split(`\n${title}\n`)[1].split('\n\n')[0].split('\n').slice(1).filter(Boolean);
    const port = (row: string) => Number(/^127\.0\.0\.1:(\d+)/.exec(row)![1]);
    assert.deepEqual(section('Expires first').map(port), [expired, nodePort, good]);
    assert.match(section('Expires first')[0], /^127\.0\.0\.1:\d+ \(localhost\) +-\d+ +\d{4}-\d\d-\d\d +CN=expired$/);
    assert.deepEqual(section('Worst first').map(port), [expired, nodePort, good]);
    assert.match(section('Worst first')[0], /critical +\d+ +the certificate chain does not validate/);
    assert.match(section('Worst first')[2], /none +0 +-$/);
    assert.deepEqual(section('Unreachable').map(port), [dead]);
    assert.match(section('Unreachable')[0], /connection refused/);
  });

  it('exit 0 when all answered and nothing is critical; --fail-on high makes the near expiry count', () => {
    const fine = tmp.file('fine.txt');
    writeFileSync(fine, `127.0.0.1:${good}\n127.0.0.1:${nodePort} localhost\n`);
    const r = kyman(['tls', 'probe', '--targets', fine, ...ca()]);
    assert.equal(r.status, 0, r.stderr + r.stdout);
    assert.equal(kyman(['tls', 'probe', '--targets', fine, ...ca(), '--fail-on', 'high']).status, 1);
    // From standard input, the same.
    assert.equal(kyman(['tls', 'probe', '--targets', '-', ...ca()], { input: `127.0.0.1:${good}\n` }).status, 0);
  });

  it('a line that does not read: exit 2, naming the line; flags that need one endpoint or a list said so', () => {
    const bad = kyman(['tls', 'probe', '--targets', '-', ...ca()], { input: `127.0.0.1:${good}\n\n127.0.0.1:70000\n` });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /^kyman: standard input line 3: 70000 is not a TCP port/);
    assert.equal(kyman(['tls', 'probe', '--targets', list, '127.0.0.1:1', ...ca()]).status, 2);
    assert.equal(kyman(['tls', 'probe', '127.0.0.1:1', '--concurrency', '4', ...ca()]).status, 2);
    assert.match(kyman(['tls', 'probe', '--targets', list, '--checks', 'chain,ciphers', ...ca()]).stderr, /"ciphers" is not a check/);
  });

  it('says what open-file limit a concurrency needs rather than running out of descriptors', () => {
    const many = tmp.file('many.txt');
    writeFileSync(many, `127.0.0.1:${dead}\n`.repeat(100));
    const r = spawnSyncShell(`ulimit -n 128; exec "${process.execPath}" "${repoRoot}/bin/run.js" tls probe --targets "${many}" --ca-file "${pki.root.certFile}" --concurrency 100`);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /^kyman: probing 100 endpoints at once needs about \d+ open files, and this process may open 128: lower the concurrency to \d+ or raise the limit \(ulimit -n\)/);
  });

  it('on a terminal that reports 0 columns: the bar does not break the tables', () => {
    const r = kymanOnTerminal(['tls', 'probe', '--targets', list, ...ca()], '', { columns: 0 });
    // Drawn for the fallback width of 80: whole, within one line, so that \r returns to its start.
    const draws = r.stdout.split('\r\u001b[2K').slice(1, -1);
    assert.ok(draws.length >= 2, JSON.stringify(r.stdout.slice(0, 300)));
    assert.match(draws[draws.length - 1], /^probing \[#{40}\] 4\/4 127\.0\.0\.1:\d+$/);
    for (const d of draws) assert.ok(d.length < 80 && !d.includes('\n'), d);
    assert.match(r.stdout, /^Worst first\r?$/m);
    assert.match(r.stdout, /^127\.0\.0\.1:\d+ \(localhost\) +critical +\d+ +the certificate chain does not validate/m);
    assert.doesNotMatch(r.stdout, /^.\r?\n.\r?\n.\r?\n/m);
  });
});

/** A shell command line (for its `ulimit`), as the kyman helpers run the binary. */
function spawnSyncShell(command: string): { status: number; stderr: string } {
  const r = spawnSync('sh', ['-c', command], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', KYMAN_DB: undefined }, timeout: 60_000 });
  return { status: r.status ?? -1, stderr: r.stderr };
}
