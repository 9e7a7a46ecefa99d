// `tls probe --targets` at scale: 1,000 TLS listeners on loopback probed for their chain and versions, beside testssl.sh on a sample of them.

import { fork, spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { softwareProvider } from '../src/core/crypto/software.js';
import { failed } from '../src/core/errors.js';
import { createCertificate } from '../src/core/pki/certificate/index.js';
import { encodePem } from '../src/core/pki/pem.js';
import { readDescriptorBudget } from '../src/core/tools/descriptor-limit.js';
import type { Figure } from './report.js';

/** The scale the fleet mode promises: a thousand endpoints within a minute on two cores. */
const ENDPOINTS = 1000;
/**
 * Endpoints testssl.sh is timed on, one after another: it takes tens of seconds each with just
 * --protocols and --server-defaults, so a sample stands for the thousand (the figure is scaled).
 */
const TESTSSL_SAMPLE = 2;
/** Descriptors beyond the listeners: the connections in flight (kyman's default concurrency and their closing ones), stdio, IPC, libuv. */
const DESCRIPTOR_MARGIN = 256;

interface Run {
  ms: number;
  /** CPU seconds (user + system) of the command and everything it waited for: what the load of others cannot inflate. */
  cpu: number;
  stdout: string;
}

/**
 * Runs a command to its end under bash, whose `times` then says the CPU its children used;
 * `statuses` are the exits that mean it did its work (kyman's 1 is "findings").
 */
function timed(dir: string, command: string, args: string[], what: string, statuses: readonly number[] = [0, 1]): Run {
  const cpuFile = path.join(dir, 'cpu.txt');
  const fd = openSync(cpuFile, 'w');
  const t = performance.now();
  const r = spawnSync('bash', ['-c', '"$@"; status=$?; times >&3; exit $status', 'bash', command, ...args], { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe', fd], env: { ...process.env, NO_COLOR: '1' } });
  const ms = performance.now() - t;
  closeSync(fd);
  if (r.error) throw failed(`${what} did not run: ${r.error.message}`);
  if (!statuses.includes(r.status ?? -1)) throw failed(`${what} exited ${r.status}: ${r.stderr.slice(-400)}`);
  // `times`: the shell's user and system time, then its children's, as 0m1.234s 0m0.056s.
  const m = /(\d+)m([\d.]+)s (\d+)m([\d.]+)s\s*$/.exec(readFileSync(cpuFile, 'utf8'));
  const cpu = m ? Number(m[1]) * 60 + Number(m[2]) + Number(m[3]) * 60 + Number(m[4]) : NaN;
  return { ms, cpu, stdout: r.stdout };
}

function startListeners(count: number, certFile: string, keyFile: string): Promise<{ ports: number[]; close(): void }> {
  const child = fork(path.resolve('bench/fleet-servers.ts'), [String(count), certFile, keyFile], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(failed(`the listeners exited (${code}) before all listened`)));
    child.once('message', (m: { ports: number[] }) => {
      child.removeAllListeners('exit');
      resolve({ ports: m.ports, close: () => child.disconnect() });
    });
  });
}

/** kyman's NDJSON: every endpoint must have a report with a chain and TLS 1.3 found, or the figure means nothing. */
function checkKyman(stdout: string, count: number): void {
  const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
  const summary = lines.pop()?.summary;
  const reports = lines.filter((l) => l.chain?.path?.valid && l.scan?.versions?.[0]?.offered);
  if (!summary || summary.unreachable.length || reports.length !== count) throw failed(`kyman probed ${reports.length} of ${count} endpoints fully (${summary?.unreachable.length ?? '?'} unreachable: ${summary?.unreachable[0]?.reason ?? ''})`);
}

/** testssl's JSON must have found TLS 1.3 and the certificate's expiry, or it timed something else. */
function checkTestssl(file: string): void {
  const found = JSON.parse(readFileSync(file, 'utf8')) as { id: string; finding: string }[];
  const tls13 = found.find((f) => f.id === 'TLS1_3');
  if (!tls13 || !/offered/.test(tls13.finding) || !found.some((f) => f.id === 'cert_notAfter')) throw failed(`testssl.sh did not report TLS 1.3 and the expiry of ${file}`);
}

export async function benchProbeFleet(dir: string): Promise<Figure[]> {
  const { limit } = readDescriptorBudget();
  if (limit !== undefined && limit < ENDPOINTS + DESCRIPTOR_MARGIN) {
    throw failed(`${ENDPOINTS} listeners need an open-file limit of at least ${ENDPOINTS + DESCRIPTOR_MARGIN} (ulimit -n is ${limit}): run \`ulimit -n ${ENDPOINTS + DESCRIPTOR_MARGIN}\` first`);
  }
  const provider = softwareProvider();
  const rootKey = await provider.generateKeyPair({ type: 'ec', curve: 'P-256' });
  const root = await createCertificate(provider, { subject: 'CN=Bench Fleet Root', subjectKey: rootKey, ca: true, days: 400 });
  const key = await provider.generateKeyPair({ type: 'ec', curve: 'P-256' });
  // 90 days: far enough off that the expiry is no finding, so every endpoint is as clean as the next.
  const leaf = await createCertificate(provider, { subject: 'CN=localhost', subjectKey: key, issuer: { certificate: root, key: rootKey }, subjectAltNames: ['dns:localhost', 'ip:127.0.0.1'], extendedKeyUsage: ['serverAuth'], days: 90 });
  const rootFile = path.join(dir, 'fleet-root.pem');
  const certFile = path.join(dir, 'fleet-leaf.pem');
  const keyFile = path.join(dir, 'fleet-leaf.key');
  writeFileSync(rootFile, encodePem('CERTIFICATE', root));
  writeFileSync(certFile, encodePem('CERTIFICATE', leaf));
  writeFileSync(keyFile, encodePem('PRIVATE KEY', provider.exportPrivateKey(key)));

  const listeners = await startListeners(ENDPOINTS, certFile, keyFile);
  try {
    const all = path.join(dir, 'fleet-targets.txt');
    writeFileSync(all, listeners.ports.map((p) => `127.0.0.1:${p}`).join('\n'));
    const sampled = listeners.ports.slice(0, TESTSSL_SAMPLE);
    const sample = path.join(dir, 'fleet-sample.txt');
    writeFileSync(sample, sampled.map((p) => `127.0.0.1:${p}`).join('\n'));
    const kyman = (list: string, extra: string[] = []) => timed(dir, process.execPath, [path.resolve('bin/run.js'), 'tls', 'probe', '--targets', list, '--ca-file', rootFile, '--checks', 'chain,versions', '--json', ...extra], 'kyman tls probe --targets');

    // Once to warm the disk cache and V8's code cache, as a person's second run would be.
    kyman(sample);
    const fleet = kyman(all);
    checkKyman(fleet.stdout, ENDPOINTS);
    const oneByOne = kyman(sample, ['--concurrency', '1']);
    checkKyman(oneByOne.stdout, TESTSSL_SAMPLE);
    let testsslMs = 0;
    let testsslCpu = 0;
    for (const port of sampled) {
      const json = path.join(dir, `testssl-${port}.json`);
      // testssl.sh's exit status counts what it found; its JSON says whether it did the work.
      const r = timed(dir, 'testssl', ['--quiet', '--color', '0', '--warnings', 'off', '--protocols', '--server-defaults', '--jsonfile', json, `127.0.0.1:${port}`], 'testssl', Array.from({ length: 256 }, (_, i) => i));
      checkTestssl(json);
      testsslMs += r.ms;
      testsslCpu += r.cpu;
    }
    const perTestssl = testsslMs / TESTSSL_SAMPLE;
    const scaled = `testssl.sh --protocols --server-defaults, the same ${ENDPOINTS} one after another (scaled from ${TESTSSL_SAMPLE})`;
    return [
      { name: `kyman tls probe --targets, ${ENDPOINTS} endpoints (chain, versions), wall`, value: fleet.ms / 1000, unit: 's', reference: { name: scaled, value: (perTestssl * ENDPOINTS) / 1000 }, goal: 'under 60 s' },
      { name: `the same run, kyman's CPU (user + system)`, value: fleet.cpu, unit: 's', reference: { name: scaled, value: (testsslCpu / TESTSSL_SAMPLE) * ENDPOINTS } },
      { name: `kyman --concurrency 1, per endpoint (${TESTSSL_SAMPLE}, start-up included)`, value: oneByOne.ms / TESTSSL_SAMPLE, unit: 'ms', reference: { name: 'testssl.sh, per endpoint', value: perTestssl } },
    ];
  } finally {
    listeners.close();
  }
}
