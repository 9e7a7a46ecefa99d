import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, lstatSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { KymanError } from '../../../src/core/errors.js';
import { keyLogFile } from '../../../src/core/tools/key-log.js';
import { tempDir } from '../../helpers/cli.js';

describe('key log file', () => {
  const tmp = tempDir('kyman-key-log-');
  after(() => tmp.cleanup());

  it('creates the file 0600 before the first line, and appends one line per call', () => {
    const file = tmp.file('new.log');
    const log = keyLogFile(file);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(readFileSync(file, 'utf8'), '');
    log('CLIENT_RANDOM aa bb');
    log('SERVER_TRAFFIC_SECRET_0 cc dd');
    assert.equal(readFileSync(file, 'utf8'), 'CLIENT_RANDOM aa bb\nSERVER_TRAFFIC_SECRET_0 cc dd\n');
  });

  it('keeps what a file already holds, and leaves its mode as its owner set it', () => {
    const file = tmp.file('old.log');
    writeFileSync(file, 'earlier\n', { mode: 0o644 });
    chmodSync(file, 0o640);
    keyLogFile(file)('later');
    assert.equal(statSync(file).mode & 0o777, 0o640);
    assert.equal(readFileSync(file, 'utf8'), 'earlier\nlater\n');
  });

  it('refuses what is not a regular file, changing nothing: a device, a pipe, a folder', () => {
    const nullMode = statSync('/dev/null').mode;
    const fifo = tmp.file('pipe');
    execFileSync('mkfifo', [fifo]);
    for (const target of ['/dev/null', fifo, tmp.dir]) {
      assert.throws(
        () => keyLogFile(target),
        (e: unknown) => e instanceof KymanError && e.code === 'USAGE' && e.message.includes(target) && /not a regular file|device|pipe|folder/.test(e.message),
        target,
      );
    }
    assert.equal(statSync('/dev/null').mode, nullMode);
    assert.ok(statSync(fifo).isFIFO());
  });

  it('follows a symlink to a regular file and appends there', () => {
    const real = tmp.file('real.log');
    writeFileSync(real, '', { mode: 0o644 });
    const link = tmp.file('link.log');
    symlinkSync(real, link);
    keyLogFile(link)('through the link');
    assert.equal(readFileSync(real, 'utf8'), 'through the link\n');
    assert.ok(lstatSync(link).isSymbolicLink());
    assert.equal(statSync(real).mode & 0o777, 0o644);
  });

  it('gives USAGE naming the file when it cannot be written', () => {
    const file = tmp.file('no/such/dir/k.log');
    assert.throws(() => keyLogFile(file), (e: unknown) => e instanceof KymanError && e.code === 'USAGE' && e.message.includes(file));
  });
});
