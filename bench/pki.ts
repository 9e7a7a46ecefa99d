// `kyman pki apply` issuing a thousand EC P-256 leaves in one process, against one openssl run per certificate.

import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Figure } from './report.js';

const LEAVES = 1000;
/** A thousand openssl processes take a quarter of a minute; 200 measure the same rate. */
const OPENSSL_RUNS = 200;

function specFor(leaves: number): string {
  let text = 'databases:\n  ca: { file: ca.kdb }\n  web: { file: web.kdb }\ncertificates:\n  - label: root\n    database: ca\n    subject: CN=Bench Root\n';
  for (let i = 0; i < leaves; i++) text += `  - { label: leaf-${i}, database: web, issuer: root, subject: CN=leaf-${i}, san: [dns:leaf-${i}.example.com], profile: server, days: 30 }\n`;
  return text;
}

export async function benchPki(dir: string): Promise<Figure[]> {
  const work = path.join(dir, 'pki');
  mkdirSync(work, { recursive: true });
  const spec = path.join(work, 'pki.yaml');
  writeFileSync(spec, specFor(LEAVES));
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [path.resolve('bin/run.js'), 'pki', 'apply', spec, '--pass', 'env:BENCH_PASS'], { env: { ...process.env, BENCH_PASS: 'bench-password' }, encoding: 'utf8' });
  const kyman = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(r.stderr);

  const t1 = process.hrtime.bigint();
  for (let i = 0; i < OPENSSL_RUNS; i++) {
    const o = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', path.join(work, 'k'), '-out', path.join(work, 'c'), '-subj', '/CN=x', '-days', '30'], { encoding: 'utf8' });
    if (o.status !== 0) throw new Error(o.stderr);
  }
  const openssl = (Number(process.hrtime.bigint() - t1) / 1e6) * (LEAVES / OPENSSL_RUNS);

  // A second apply finds everything in place: the cost of checking a thousand certificates.
  const t2 = process.hrtime.bigint();
  const again = spawnSync(process.execPath, [path.resolve('bin/run.js'), 'pki', 'apply', spec, '--pass', 'env:BENCH_PASS'], { env: { ...process.env, BENCH_PASS: 'bench-password' }, encoding: 'utf8' });
  const check = Number(process.hrtime.bigint() - t2) / 1e6;
  if (again.status !== 0 || !/nothing to do/.test(again.stdout)) throw new Error(again.stderr || again.stdout);

  return [
    {
      name: `kyman pki apply, root + ${LEAVES} EC P-256 leaves (whole process)`,
      value: kyman,
      unit: 'ms',
      reference: { name: `${LEAVES} × openssl req -x509 -newkey ec (${OPENSSL_RUNS} runs measured, scaled ×${LEAVES / OPENSSL_RUNS})`, value: openssl },
      goal: 'ratio ≤ 0.1 (kyman ≥10× faster)',
    },
    { name: `kyman pki apply again, ${LEAVES + 1} certificates unchanged (whole process)`, value: check, unit: 'ms' },
  ];
}
