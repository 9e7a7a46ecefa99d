// `tls probe --targets` at scale: 1,000 TLS listeners on loopback probed for their chain and versions, beside testssl.sh on a sample of them.

import { fork, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
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
  stdout: string;
}

/** Runs a command to its end; `statuses` are the exits that mean it did its work (kyman's 1 is "findings"). */
function timed(command: string, args: string[], what: string, statuses: readonly number[] = [0, 1]): Run {
  const t = performance.now();
  const r = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1' } });
  const ms = performance.now() - t;
  if (r.error) throw failed(`${what} did not run: ${r.error.message}`);
  if (!statuses.includes(r.status ?? -1)) throw failed(`${what} exited ${r.status}: ${r.stderr.slice(-400)}`);
  return { ms, stdout: r.stdout };
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
    const kyman = (list: string, extra: string[] = []) => timed(process.execPath, [path.resolve('bin/run.js'), 'tls', 'probe', '--targets', list, '--ca-file', rootFile, '--checks', 'chain,versions', '--json', ...extra], 'kyman tls probe --targets');

    // Once to warm the disk cache and V8's code cache, as a person's second run would be.
    kyman(sample);
    const fleet = kyman(all);
    checkKyman(fleet.stdout, ENDPOINTS);
    const oneByOne = kyman(sample, ['--concurrency', '1']);
    checkKyman(oneByOne.stdout, TESTSSL_SAMPLE);
    let testsslMs = 0;
    for (const port of sampled) {
      const json = path.join(dir, `testssl-${port}.json`);
      // testssl.sh's exit status counts what it found; its JSON says whether it did the work.
      const r = timed('testssl', ['--quiet', '--color', '0', '--warnings', 'off', '--protocols', '--server-defaults', '--jsonfile', json, `127.0.0.1:${port}`], 'testssl', Array.from({ length: 256 }, (_, i) => i));
      checkTestssl(json);
      testsslMs += r.ms;
    }
    const perTestssl = testsslMs / TESTSSL_SAMPLE;
    const testssl = { name: `testssl.sh --protocols --server-defaults, per endpoint (${TESTSSL_SAMPLE} timed)`, value: perTestssl };
    return [
      { name: `kyman tls probe --targets, ${ENDPOINTS} endpoints (chain, versions)`, value: fleet.ms / 1000, unit: 's', reference: { name: `testssl.sh, the same ${ENDPOINTS} one after another (scaled from ${TESTSSL_SAMPLE})`, value: (perTestssl * ENDPOINTS) / 1000 }, goal: 'under 60 s' },
      { name: 'kyman, per endpoint in that run', value: fleet.ms / ENDPOINTS, unit: 'ms', reference: testssl },
      { name: `kyman --concurrency 1, per endpoint (${TESTSSL_SAMPLE}, start-up included)`, value: oneByOne.ms / TESTSSL_SAMPLE, unit: 'ms', reference: testssl },
    ];
  } finally {
    listeners.close();
  }
}
