import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { lockPathFor, withFileLock, writeFileAtomic } from '../../../src/core/keystore/file-io.js';
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
