import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
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

  it('keeps what a file already holds, and narrows its mode to 0600', () => {
    const file = tmp.file('old.log');
    writeFileSync(file, 'earlier\n', { mode: 0o644 });
    keyLogFile(file)('later');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(readFileSync(file, 'utf8'), 'earlier\nlater\n');
  });

  it('gives USAGE naming the file when it cannot be written', () => {
    const file = tmp.file('no/such/dir/k.log');
    assert.throws(() => keyLogFile(file), (e: unknown) => e instanceof KymanError && e.code === 'USAGE' && e.message.includes(file));
  });
});
