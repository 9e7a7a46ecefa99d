import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, copyFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  createKeyStore,
  createSelfSignedEntry,
  openKeyDatabase,
  softwareProvider,
  KymanError,
  convertKeyStore,
  changeKeyStorePassword,
  changeRecordLength,
  writeStashFile,
  readStashFor,
} from '../../../src/core/index.js';
import { repoRoot, tempDir } from '../../helpers/cli.js';
import { gskit } from '../../helpers/fixtures.js';

const PASSWORD = 'concurrency-pass';

function runChild(file: string, prefix: string, count: number): { done: Promise<number>; lines: string[]; kill: () => void } {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'test/helpers/add-entries.ts'), file, prefix, String(count)], { cwd: repoRoot });
  const lines: string[] = [];
  let err = '';
  child.stdout.on('data', (d) => lines.push(...String(d).trim().split('\n')));
  child.stderr.on('data', (d) => (err += d));
  const done = new Promise<number>((resolve, reject) =>
    child.on('exit', (code, signal) => (signal || code === 0 ? resolve(code ?? -1) : reject(new Error(`child failed (${code}): ${err}`)))),
  );
  return { done, lines, kill: () => child.kill('SIGKILL') };
}

const codeOf = (e: unknown) => (e instanceof KymanError ? e.code : undefined);

describe('file key store', function () {
  this.timeout(300_000);
  const tmp = tempDir();
  after(() => tmp.cleanup());

  it('loses nothing when 8 processes each add 25 entries at once', async () => {
    const file = tmp.file('busy.kdb');
    await createKeyStore(file, { password: PASSWORD });
    const children = Array.from({ length: 8 }, (_, p) => runChild(file, `p${p}`, 25));
    await Promise.all(children.map((c) => c.done));
    const store = await openKeyDatabase(file, { password: PASSWORD });
    const labels = new Set(store.entries().map((e) => e.label));
    assert.equal(labels.size, 200);
    for (let p = 0; p < 8; p++) for (let i = 0; i < 25; i++) assert.ok(labels.has(`p${p}-${i}`), `p${p}-${i} lost`);
    assert.equal(store.entries().filter((e) => e.isDefault).length, 1);
    assert.equal(statSync(file).mode & 0o777, 0o600);
  });

  it('a save killed with SIGKILL at any point leaves the old or the new database', async () => {
    const file = tmp.file('crash.kdb');
    await createKeyStore(file, { password: PASSWORD });
    for (let round = 0; round < 8; round++) {
      const before = (await openKeyDatabase(file, { password: PASSWORD })).entries().length;
      const child = runChild(file, `r${round}`, 40);
      await new Promise((r) => setTimeout(r, 700 + Math.floor(Math.random() * 900)));
      child.kill();
      await child.done;
      const saved = child.lines.filter((l) => l.startsWith('saved')).length;
      const after = (await openKeyDatabase(file, { password: PASSWORD })).entries().length;
      // Every save the child reported is there; at most one more (killed after rename, before reporting).
      assert.ok(after === before + saved || after === before + saved + 1, `round ${round}: ${before} + ${saved} reported, ${after} found`);
    }
  });

  it('never writes a private key in the clear', async () => {
    const provider = softwareProvider();
    for (const type of ['cms', 'pkcs12'] as const) {
      const file = tmp.file(`clear.${type}`);
      const store = await createKeyStore(file, { password: 'x-password', type });
      const entry = await createSelfSignedEntry(store, 'k', { subject: 'CN=k', key: { type: 'rsa', bits: 2048 } });
      const pkcs8 = Buffer.from(provider.exportPrivateKey(await store.privateKey(entry.label)));
      const bytes = readFileSync(file);
      // The last 64 bytes of an RSA PKCS #8 lie inside the private CRT values.
      assert.equal(bytes.indexOf(pkcs8.subarray(pkcs8.length - 64)), -1, `${type}: key material found in the clear`);
    }
  });

  it('refuses a wrong password, a damaged file, a truncated file and a foreign file without writing', async () => {
    const file = tmp.file('bad.kdb');
    const store = await createKeyStore(file, { password: PASSWORD });
    await createSelfSignedEntry(store, 'a', { subject: 'CN=a' });
    await assert.rejects(openKeyDatabase(file, { password: 'wrong' }), (e) => codeOf(e) === 'BAD_PASSWORD');
    const damaged = tmp.file('damaged.kdb');
    const bytes = readFileSync(file);
    bytes[bytes.length - 10] ^= 0xff;
    writeFileSync(damaged, bytes);
    await assert.rejects(openKeyDatabase(damaged, { password: PASSWORD }), (e) => codeOf(e) === 'BAD_INPUT' && /damaged/.test((e as Error).message));
    const truncated = tmp.file('truncated.kdb');
    writeFileSync(truncated, readFileSync(file).subarray(0, 300));
    await assert.rejects(openKeyDatabase(truncated, { password: PASSWORD }), (e) => codeOf(e) === 'BAD_INPUT');
    const foreign = tmp.file('foreign.kdb');
    writeFileSync(foreign, Buffer.from('hello, I am a text file\n'));
    await assert.rejects(openKeyDatabase(foreign, { password: PASSWORD }), (e) => codeOf(e) === 'BAD_INPUT' && /not a key database/.test((e as Error).message));
  });

  it('refuses a label that exists and an entry larger than the record length', async () => {
    const file = tmp.file('limits.kdb');
    const store = await createKeyStore(file, { password: PASSWORD, recordLength: 1500 });
    await createSelfSignedEntry(store, 'a', { subject: 'CN=a' });
    const before = readFileSync(file);
    await assert.rejects(createSelfSignedEntry(store, 'a', { subject: 'CN=a2' }), (e) => codeOf(e) === 'CONFLICT');
    await assert.rejects(
      createSelfSignedEntry(store, 'big', { subject: 'CN=big', key: { type: 'rsa', bits: 4096 } }),
      (e) => codeOf(e) === 'CONFLICT' && /big/.test((e as Error).message) && /1500/.test((e as Error).message),
    );
    assert.deepEqual(readFileSync(file), before);
    await changeRecordLength(store, 5000);
    await createSelfSignedEntry(store, 'big', { subject: 'CN=big', key: { type: 'rsa', bits: 4096 } });
    await assert.rejects(changeRecordLength(store, 1500), (e) => codeOf(e) === 'CONFLICT' && /"big"/.test((e as Error).message));
  });

  it('changes the password, re-encrypting keys and rewriting the stash', async () => {
    const file = tmp.file('pw.kdb');
    const store = await createKeyStore(file, { password: 'old-password', stash: true });
    await createSelfSignedEntry(store, 'a', { subject: 'CN=a' });
    await changeKeyStorePassword(store, 'new-password');
    assert.equal((await readStashFor(file))?.password, 'new-password');
    const again = await openKeyDatabase(file, { password: 'new-password' });
    await again.privateKey('a');
    await assert.rejects(openKeyDatabase(file, { password: 'old-password' }), (e) => codeOf(e) === 'BAD_PASSWORD');
    await writeStashFile(file, 'new-password');
    assert.equal(statSync(file.replace(/kdb$/, 'sth')).mode & 0o777, 0o600);
  });

  it('converts CMS ↔ PKCS #12 keeping labels, trust and the default key', async () => {
    const src = tmp.file('mixed-copy.kdb');
    copyFileSync(gskit('mixed.kdb'), src);
    const store = await openKeyDatabase(src, { password: 'password' });
    await store.setDefault('ec-keypair');
    const p12 = await convertKeyStore(store, tmp.file('mixed.p12'), { type: 'pkcs12', password: 'p12-password' });
    assert.deepEqual(p12.entries().map((e) => e.label).sort(), store.entries().map((e) => e.label).sort());
    assert.equal(p12.defaultEntry()?.label, 'ec-keypair');
    const back = await convertKeyStore(p12, tmp.file('back.kdb'), { type: 'cms', password: 'kdb-password' });
    assert.equal(back.defaultEntry()?.label, 'ec-keypair');
    for (const e of store.entries()) {
      const b = back.entry(e.label);
      assert.deepEqual(b.certificate, e.certificate);
      assert.equal(b.hasPrivateKey, e.hasPrivateKey);
      if (!e.hasPrivateKey) assert.equal(b.trusted, e.trusted);
      else assert.deepEqual((await back.privateKey(e.label)).spki, (await store.privateKey(e.label)).spki);
    }
  });

  it('keeps a v3 or v4 database at its version unless upgraded', async () => {
    for (const [name, password, version] of [['zos-v3', 'password', 3], ['ihs-v4', '1qaz2wsx', 4]] as const) {
      const file = tmp.file(`${name}.kdb`);
      copyFileSync(gskit(`${name}.kdb`), file);
      const store = await openKeyDatabase(file, { password });
      await createSelfSignedEntry(store, 'added', { subject: 'CN=added' });
      const reopened = await openKeyDatabase(file, { password });
      assert.equal(reopened.info().version, version);
      await reopened.privateKey('added');
      const upgraded = await openKeyDatabase(file, { password, upgrade: true });
      assert.equal(upgraded.info().version, 6);
      for (const e of upgraded.entries()) if (e.hasPrivateKey) await upgraded.privateKey(e.label);
    }
  });
});
