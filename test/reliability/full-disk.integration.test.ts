// A key database on a small tmpfs that fills up, is remounted read-only, or may not be written:
// each step (lock, temporary file, rename, stash) fails with one clear line and exit 1, leaves
// the database and its stash whole and agreeing, and locks no one out once the cause is gone.
// Needs root (mount, and running as another user); skipped otherwise.

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { createKeyStore, createSelfSignedEntry, openKeyDatabase, stashedPassword } from '../../src/core/index.js';
import { expectCleanFailure, kyman, ok, repoRoot, tempDir, type RunResult } from '../helpers/cli.js';
import { requireBuiltBinary } from '../helpers/fault-runs.js';

/** Big enough for a database of a few entries and the binary's needs, small enough to fill in a moment. */
const TMPFS_SIZE = '512k';
/** tmpfs hands out space a page at a time. */
const PAGE = 4096;
const NOBODY = 65534;

const asRoot = process.getuid?.() === 0;

/** Fills the file system at `dir` to the last page with `fill-N` files of one page each. */
function fill(dir: string): string[] {
  const files: string[] = [];
  const page = new Uint8Array(PAGE).fill(0x5a);
  for (let i = 0; ; i++) {
    const f = path.join(dir, `fill-${i}`);
    try {
      writeFileSync(f, page);
      files.push(f);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
      rmSync(f, { force: true });
      return files;
    }
  }
}

const leftovers = (dir: string) => readdirSync(dir).filter((n) => n.endsWith('.tmp') || n.endsWith('.lock') || n.endsWith('.new'));

describe('reliability: a full disk, a read-only file system, no permission', function () {
  this.timeout(120_000);
  const tmp = tempDir('kyman-disk-');
  const mountPoint = tmp.file('small');
  let mounted = false;
  const env = { P: 'disk-password' };

  before(function () {
    if (!asRoot) this.skip();
    requireBuiltBinary();
    mkdirSync(mountPoint);
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${TMPFS_SIZE},mode=0755`, 'tmpfs', mountPoint]);
    mounted = true;
  });

  after(() => {
    if (mounted) execFileSync('umount', [mountPoint]);
    tmp.cleanup();
  });

  /** A fresh database with a stash and one entry on the small file system; the rest of it empty. */
  async function database(name: string): Promise<{ db: string; bytes: Buffer }> {
    for (const n of readdirSync(mountPoint)) rmSync(path.join(mountPoint, n), { recursive: true, force: true });
    const db = path.join(mountPoint, `${name}.kdb`);
    const store = await createKeyStore(db, { password: env.P, stash: true, recordLength: 3000 });
    await createSelfSignedEntry(store, 'first', { subject: 'CN=first' });
    return { db, bytes: readFileSync(db) };
  }

  /** The database is as it was, opens unattended from its stash, and no lock or temporary file is left. */
  async function intact(db: string, bytes: Buffer, what: string): Promise<void> {
    assert.deepEqual(readFileSync(db), bytes, `${what}: the database changed`);
    const stash = await stashedPassword(db);
    assert.equal(stash?.password, env.P, `${what}: the stash no longer holds the password`);
    await openKeyDatabase(db, { password: stash!.password });
    assert.deepEqual(leftovers(mountPoint), [], `${what}: left behind`);
  }

  const add = (db: string, label: string): RunResult => kyman(['cert', 'create', label, '--db', db, '--subject', `CN=${label}`, '--pass', 'env:P'], { env: { ...env, KYMAN_LOCK_TIMEOUT: '5' } });

  it('disk full when the lock is taken: one line, exit 1, no empty lock left, and the next writer gets in', async () => {
    const { db, bytes } = await database('lock');
    const filler = fill(mountPoint);
    expectCleanFailure(add(db, 'second'), 1, /cannot lock .*lock\.kdb: the disk is full/);
    await intact(db, bytes, 'full at the lock');
    for (const f of filler) rmSync(f);
    ok(add(db, 'second'), 'after space was freed');
  });

  it('disk full when the temporary file is written: one line, exit 1, the old database whole', async () => {
    const { db, bytes } = await database('temp');
    const filler = fill(mountPoint);
    // Room for the lock, not for a new copy of the database.
    for (const f of filler.slice(0, 2)) rmSync(f);
    expectCleanFailure(add(db, 'second'), 1, /cannot write .*temp\.kdb: the disk is full/);
    await intact(db, bytes, 'full at the temporary file');
    for (const f of filler.slice(2)) rmSync(f);
    ok(add(db, 'second'), 'after space was freed');
  });

  it('disk full during db passwd: the database and its stash still agree', async () => {
    const { db, bytes } = await database('passwd');
    const filler = fill(mountPoint);
    for (const f of filler.slice(0, 2)) rmSync(f);
    const r = kyman(['db', 'passwd', '--db', db, '--new-pass', 'env:NEW'], { env: { NEW: 'new-disk-password' } });
    expectCleanFailure(r, 1, /the disk is full/);
    await intact(db, bytes, 'full during db passwd');
    for (const f of filler.slice(2)) rmSync(f);
    ok(kyman(['db', 'passwd', '--db', db, '--new-pass', 'env:NEW'], { env: { NEW: 'new-disk-password' } }), 'db passwd after space was freed');
    assert.equal((await stashedPassword(db))?.password, 'new-disk-password');
  });

  it('a file system remounted read-only: one line, exit 1, nothing changed', async () => {
    const { db, bytes } = await database('readonly');
    execFileSync('mount', ['-o', 'remount,ro', mountPoint]);
    try {
      expectCleanFailure(add(db, 'second'), 1, /read-only/);
      expectCleanFailure(kyman(['db', 'passwd', '--db', db, '--new-pass', 'env:NEW'], { env: { NEW: 'other-password' } }), 1, /read-only/);
      assert.deepEqual(readFileSync(db), bytes);
    } finally {
      execFileSync('mount', ['-o', 'remount,rw', mountPoint]);
    }
    await intact(db, bytes, 'read-only');
    ok(add(db, 'second'), 'after the remount');
  });

  it('no permission to write the folder: one line, exit 1, at the lock', async () => {
    const { db, bytes } = await database('denied');
    // nobody may read the database (0644) but not write in its folder.
    chmodSync(db, 0o644);
    chmodSync(tmp.dir, 0o755);
    chmodSync(mountPoint, 0o755);
    const asNobody = (args: string[], extra: NodeJS.ProcessEnv = {}) => {
      const r = spawnSync(process.execPath, [path.join(repoRoot, 'bin/run.js'), ...args], {
        encoding: 'utf8',
        uid: NOBODY,
        gid: NOBODY,
        env: { ...process.env, NO_COLOR: '1', KYMAN_DB: undefined, HOME: '/tmp', ...env, ...extra },
      });
      return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
    };
    expectCleanFailure(asNobody(['cert', 'create', 'second', '--db', db, '--subject', 'CN=second', '--pass', 'env:P']), 1, /cannot lock .*: permission denied/);
    assert.equal(existsSync(`${db}.lock`), false);
    chmodSync(db, 0o600);
    await intact(db, bytes, 'permission denied');
  });
});
