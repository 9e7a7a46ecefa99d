import assert from 'node:assert/strict';
import { promises as fsPromises, chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import {
  fileSystemError,
  lockPathFor,
  realTarget,
  removeDeadWritersFiles,
  STALE_UNREADABLE_LOCK_MS,
  withFileLock,
  writeFileAtomic,
} from '../../../src/core/keystore/file-io.js';
import { KymanError } from '../../../src/core/errors.js';
import { tempDir } from '../../helpers/cli.js';

describe('file-io', () => {
  const tmp = tempDir();
  after(() => tmp.cleanup());

  it('writes atomically with mode 0600 and leaves no temporary file', async () => {
    const f = tmp.file('a.bin');
    await writeFileAtomic(f, new Uint8Array([1, 2, 3]));
    assert.deepEqual([...readFileSync(f)], [1, 2, 3]);
    assert.equal(statSync(f).mode & 0o777, 0o600);
    await writeFileAtomic(f, new Uint8Array([4]));
    assert.deepEqual([...readFileSync(f)], [4]);
    assert.deepEqual(readdirSync(tmp.dir).filter((n) => n.includes('a.bin')), ['a.bin']);
  });

  it('serialises writers and releases the lock even when the change throws', async () => {
    const f = tmp.file('b.bin');
    const order: string[] = [];
    await Promise.all([
      withFileLock(f, async () => {
        order.push('a-in');
        await new Promise((r) => setTimeout(r, 50));
        order.push('a-out');
      }),
      new Promise((r) => setTimeout(r, 5)).then(() =>
        withFileLock(f, async () => {
          order.push('b-in');
          order.push('b-out');
        }),
      ),
    ]);
    assert.deepEqual(order, ['a-in', 'a-out', 'b-in', 'b-out']);
    await assert.rejects(withFileLock(f, async () => { throw new Error('boom'); }), /boom/);
    assert.equal(existsSync(lockPathFor(f)), false);
  });

  it('gives up on a live lock after the timeout with CONFLICT naming the holder', async () => {
    const f = tmp.file('c.bin');
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)']);
    try {
      writeFileSync(lockPathFor(f), `${holder.pid}\n`);
      await assert.rejects(withFileLock(f, async () => undefined, { timeoutMs: 300 }), (e: unknown) => {
        assert.ok(e instanceof KymanError);
        assert.equal(e.code, 'CONFLICT');
        assert.match(e.message, new RegExp(`locked by process ${holder.pid}`));
        return true;
      });
    } finally {
      holder.kill('SIGKILL');
    }
  });

  it('takes over a lock left by a process that died', async () => {
    const f = tmp.file('d.bin');
    const dead = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => dead.on('exit', r));
    writeFileSync(lockPathFor(f), `${dead.pid}\n`);
    let ran = false;
    await withFileLock(f, async () => { ran = true; }, { timeoutMs: 1000 });
    assert.equal(ran, true);
  });
});

describe('file-io: a lock no one has to clear by hand', () => {
  const tmp = tempDir();
  after(() => tmp.cleanup());
  const isConflict = (e: unknown) => e instanceof KymanError && e.code === 'CONFLICT';
  const aged = (file: string) => {
    const past = new Date(Date.now() - STALE_UNREADABLE_LOCK_MS - 1000);
    utimesSync(file, past, past);
  };
  const live = () => spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)']);

  it('waits on an empty lock that may belong to a writer starting up, and takes it over once it is old', async () => {
    const f = tmp.file('empty.bin');
    writeFileSync(lockPathFor(f), '');
    await assert.rejects(withFileLock(f, async () => undefined, { timeoutMs: 200 }), isConflict);
    aged(lockPathFor(f));
    assert.equal(await withFileLock(f, async () => 'ran', { timeoutMs: 1000 }), 'ran');
    assert.equal(existsSync(lockPathFor(f)), false);
  });

  it('takes over an old lock that holds no pid, only garbage', async () => {
    const f = tmp.file('garbage.bin');
    writeFileSync(lockPathFor(f), 'not a pid\n');
    aged(lockPathFor(f));
    assert.equal(await withFileLock(f, async () => 'ran', { timeoutMs: 1000 }), 'ran');
  });

  it('takes over a lock naming this process that no call here holds (a former process with the same pid)', async () => {
    const f = tmp.file('own-pid.bin');
    writeFileSync(lockPathFor(f), `${process.pid}\n${hostname()}\n\nsome-old-token\n`);
    assert.equal(await withFileLock(f, async () => 'ran', { timeoutMs: 1000 }), 'ran');
  });

  it('takes over a lock whose pid is alive but started at another time (the pid was reused)', async function () {
    if (!existsSync('/proc/self/stat')) this.skip();
    const f = tmp.file('reused.bin');
    const other = live();
    try {
      writeFileSync(lockPathFor(f), `${other.pid}\n${hostname()}\n1\nits-token\n`);
      assert.equal(await withFileLock(f, async () => 'ran', { timeoutMs: 1000 }), 'ran');
    } finally {
      other.kill('SIGKILL');
    }
  });

  it('waits on a lock from another host, naming it, since its pid says nothing here', async () => {
    const f = tmp.file('remote.bin');
    writeFileSync(lockPathFor(f), '1\nother-host.example\n\ntoken\n');
    await assert.rejects(withFileLock(f, async () => undefined, { timeoutMs: 200 }), (e: unknown) => isConflict(e) && /process 1 on other-host\.example/.test((e as Error).message));
  });

  it('is not stopped by a takeover lock its taker died holding', async () => {
    const f = tmp.file('takeover.bin');
    const dead = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => dead.on('exit', r));
    writeFileSync(lockPathFor(f), `${dead.pid}\n`);
    writeFileSync(`${lockPathFor(f)}.takeover`, `${dead.pid}\n`);
    assert.equal(await withFileLock(f, async () => 'ran', { timeoutMs: 2000 }), 'ran');
  });

  it('is re-entrant within one call chain, and still makes other calls wait', async () => {
    const f = tmp.file('nested.bin');
    const order: string[] = [];
    await Promise.all([
      withFileLock(f, async () => {
        order.push('outer-in');
        await withFileLock(f, async () => order.push('inner'), { timeoutMs: 500 });
        await new Promise((r) => setTimeout(r, 50));
        order.push('outer-out');
      }),
      new Promise((r) => setTimeout(r, 10)).then(() => withFileLock(f, async () => order.push('other'))),
    ]);
    assert.deepEqual(order, ['outer-in', 'inner', 'outer-out', 'other']);
  });

  it('locks where there are no hard links, creating the lock in place', async () => {
    const f = tmp.file('no-links.bin');
    const link = fsPromises.link;
    fsPromises.link = async () => {
      throw Object.assign(new Error('EPERM: operation not permitted, link'), { code: 'EPERM' });
    };
    try {
      let release = () => {};
      const holding = withFileLock(f, () => new Promise<void>((r) => (release = r)));
      await new Promise((r) => setTimeout(r, 50));
      try {
        assert.match(readFileSync(lockPathFor(f), 'utf8'), new RegExp(`^${process.pid}\n`));
        await assert.rejects(withFileLock(f, async () => undefined, { timeoutMs: 200 }), isConflict);
      } finally {
        release();
        await holding;
      }
      assert.equal(existsSync(lockPathFor(f)), false);
      assert.deepEqual(readdirSync(tmp.dir).filter((n) => n.includes('no-links')), []);
    } finally {
      fsPromises.link = link;
    }
  });

  it('locks the real file when reached through a symlink, so both names share one lock', async () => {
    const real = tmp.file('real.bin');
    const link = tmp.file('link.bin');
    writeFileSync(real, 'x');
    symlinkSync(real, link);
    let release = () => {};
    const holding = withFileLock(link, () => new Promise<void>((r) => (release = r)));
    await new Promise((r) => setTimeout(r, 50));
    try {
      assert.equal(existsSync(lockPathFor(real)), true);
      await assert.rejects(withFileLock(real, async () => undefined, { timeoutMs: 200 }), isConflict);
    } finally {
      release();
      await holding;
    }
  });
});

describe('file-io: saves that keep the real file', () => {
  const tmp = tempDir();
  after(() => tmp.cleanup());
  const asRoot = process.getuid?.() === 0;

  it('writes through a symlink into the real file, which stays where it is; the link stays a link', async () => {
    mkdirSync(tmp.file('data'));
    const real = tmp.file('data/x.bin');
    const link = tmp.file('x.bin');
    writeFileSync(real, 'old');
    symlinkSync('data/x.bin', link);
    await writeFileAtomic(link, new TextEncoder().encode('new'));
    assert.ok(lstatSync(link).isSymbolicLink());
    assert.equal(readFileSync(real, 'utf8'), 'new');
    assert.equal(await realTarget(link), real);
  });

  it('keeps an existing file\'s mode, wider than 0600 or not, and creates a new one 0600', async () => {
    const f = tmp.file('shared.bin');
    writeFileSync(f, 'a');
    chmodSync(f, 0o640);
    await writeFileAtomic(f, new Uint8Array([1]));
    assert.equal(statSync(f).mode & 0o777, 0o640);
    const fresh = tmp.file('fresh.bin');
    await writeFileAtomic(fresh, new Uint8Array([1]));
    assert.equal(statSync(fresh).mode & 0o777, 0o600);
  });

  it('keeps the owner and group of a service account\'s file written by root', async function () {
    if (!asRoot) this.skip();
    const f = tmp.file('service.bin');
    writeFileSync(f, 'a');
    chownSync(f, 65534, 65534);
    chmodSync(f, 0o640);
    await writeFileAtomic(f, new Uint8Array([2]));
    const s = statSync(f);
    assert.deepEqual([s.uid, s.gid, s.mode & 0o777], [65534, 65534, 0o640]);
  });

  it('refuses a read-only file (mode 0400), leaving it as it was', async () => {
    const f = tmp.file('readonly.bin');
    writeFileSync(f, 'keep');
    chmodSync(f, 0o400);
    await assert.rejects(writeFileAtomic(f, new Uint8Array([3])), (e: unknown) => e instanceof KymanError && e.code === 'FAILED' && /read-only|permission denied/.test((e as Error).message));
    assert.equal(readFileSync(f, 'utf8'), 'keep');
  });

  it('removes the temporary files of dead writers on the next save, and keeps a live writer\'s', async () => {
    const f = tmp.file('swept.bin');
    writeFileSync(f, 'a');
    const dead = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => dead.on('exit', r));
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)']);
    try {
      const deadOnes = [`.swept.bin.${dead.pid}-abc.tmp`, `.swept.bin.${dead.pid}.lz3k9.tmp`, `.swept.bin.lock.${dead.pid}-abc.tmp`].map((n) => tmp.file(n));
      const liveOne = tmp.file(`.swept.bin.${other.pid}-abc.tmp`);
      const unrelated = tmp.file(`.other.bin.${dead.pid}-abc.tmp`);
      for (const n of [...deadOnes, liveOne, unrelated]) writeFileSync(n, 'partial');
      await writeFileAtomic(f, new Uint8Array([4]));
      for (const n of deadOnes) assert.equal(existsSync(n), false, n);
      assert.equal(existsSync(liveOne), true);
      assert.equal(existsSync(unrelated), true);
      assert.deepEqual(await removeDeadWritersFiles(f), []);
    } finally {
      other.kill('SIGKILL');
    }
  });

  it('words disk full, read-only file system and permission denied, with exit 1; a missing folder is NOT_FOUND', () => {
    const errno = (code: string) => Object.assign(new Error(code), { code });
    const cases: Array<[string, string, RegExp]> = [
      ['ENOSPC', 'FAILED', /disk is full/],
      ['EDQUOT', 'FAILED', /quota/],
      ['EROFS', 'FAILED', /read-only/],
      ['EACCES', 'FAILED', /permission denied/],
      ['ENOENT', 'NOT_FOUND', /does not exist/],
    ];
    for (const [code, kind, words] of cases) {
      const e = fileSystemError(errno(code), 'lock', '/x/y.kdb');
      assert.ok(e instanceof KymanError && e.code === kind && words.test(e.message) && e.message.includes('/x/y.kdb'), code);
    }
    const other = errno('EMFILE');
    assert.equal(fileSystemError(other, 'lock', '/x'), other);
  });
});
