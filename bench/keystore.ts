// Opening, listing and changing large CMS key databases, against OpenSSL reading the same certificates.

import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  createCertificate,
  encryptPrivateKeyInfo,
  newCmsDatabase,
  openKeyStore,
  softwareProvider,
  summarizeCertificate,
  writeCmsDatabase,
  writePkcs7,
  cmsKeyProtection,
  type CmsRecord,
  type PrivateKeyHandle,
} from '../src/core/index.js';
import { checkBuilt } from './cli.js';
import { median, time, type Figure } from './report.js';

const PASSWORD = 'bench-password';

/** Writes a v6 database of `count` entries straight through the codec (adding them one by one would take hours). */
async function makeDatabase(dir: string, count: number): Promise<{ file: string; certificates: Uint8Array[] }> {
  const provider = softwareProvider();
  const key = await provider.generateKeyPair({ type: 'ec', curve: 'P-256' });
  const epki = encryptPrivateKeyInfo(provider, provider.exportPrivateKey(key), PASSWORD, cmsKeyProtection(6));
  const records: CmsRecord[] = [];
  const certificates: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const certificate = await createCertificate(provider, { subject: `CN=host-${i}.example.com,O=Example`, subjectKey: key, subjectAltNames: [`dns:host-${i}.example.com`] });
    certificates.push(certificate);
    const withKey = i % 2 === 0;
    records.push({ label: `host-${i}`, kind: withKey ? 'key-pair' : 'certificate', certificate, encryptedPrivateKey: withKey ? epki : undefined, trusted: true, isDefault: i === 0 });
  }
  const db = { ...newCmsDatabase(provider), records };
  const file = path.join(dir, `big-${count}.kdb`);
  writeFileSync(file, writeCmsDatabase(provider, db, PASSWORD), { mode: 0o600 });
  return { file, certificates };
}

export async function benchKeyStore(dir: string, sizes = [1000, 10_000]): Promise<Figure[]> {
  checkBuilt();
  const figures: Figure[] = [];
  for (const count of sizes) {
    const { file, certificates } = await makeDatabase(dir, count);
    const runs = count >= 10_000 ? 3 : 5;
    const open = median(await time(runs, async () => {
      const store = await openKeyStore(file, { password: PASSWORD });
      store.entries().map((e) => summarizeCertificate(e.certificate));
    }));
    const extras = await Promise.all(Array.from({ length: runs + 1 }, (_, i) => extraCertificate(`added-${count}-${i}`)));
    let n = 0;
    const add = median(await time(runs, async () => {
      const store = await openKeyStore(file, { password: PASSWORD });
      await store.addCertificate(`added-${n}`, extras[n++]);
    }));
    const cli = median(await time(runs, async () => {
      const r = spawnSync(process.execPath, [path.resolve('bin/run.js'), 'cert', 'list', '--db', file, '--pass', 'env:BENCH_PASS', '--json'], { env: { ...process.env, BENCH_PASS: PASSWORD }, encoding: 'utf8', maxBuffer: 1 << 30 });
      if (r.status !== 0) throw new Error(r.stderr);
    }));
    // OpenSSL reading the same certificates from a PKCS #7 bundle and printing every subject.
    const p7 = path.join(dir, `bundle-${count}.p7b`);
    writeFileSync(p7, writePkcs7(certificates));
    const openssl = median(await time(runs, async () => {
      const r = spawnSync('openssl', ['pkcs7', '-inform', 'DER', '-in', p7, '-print_certs', '-noout'], { encoding: 'utf8', maxBuffer: 1 << 30 });
      if (r.status !== 0) throw new Error(r.stderr);
    }));
    figures.push(
      { name: `open + list ${count} entries (library)`, value: open, unit: 'ms', goal: count === 10_000 ? 'under 1000 ms' : undefined },
      { name: `kyman cert list --json, ${count} entries (whole process)`, value: cli, unit: 'ms', reference: { name: `openssl pkcs7 -print_certs, same ${count} certificates`, value: openssl }, goal: count === 10_000 ? '≤ 1000 ms' : undefined },
      { name: `open + add one entry, ${count} entries`, value: add, unit: 'ms' },
    );
  }
  return figures;
}

let extraKey: PrivateKeyHandle | undefined;
async function extraCertificate(subject: string): Promise<Uint8Array> {
  const provider = softwareProvider();
  extraKey ??= await provider.generateKeyPair({ type: 'ec', curve: 'P-256' });
  return createCertificate(provider, { subject: `CN=${subject}`, subjectKey: extraKey });
}
