// kyman and kyman menu without a terminal: the help, or one line saying to use the commands; never a wait.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { expectCleanFailure, kyman, repoRoot } from '../helpers/cli.js';

const bin = path.join(repoRoot, 'bin/run.js');

describe('kyman menu', () => {
  it('a bare kyman without a terminal prints the help and exits 0 without waiting', () => {
    const started = Date.now();
    const r = spawnSync(process.execPath, [bin], { encoding: 'utf8', input: '', env: { ...process.env, NO_COLOR: '1' }, timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /USAGE/);
    assert.match(r.stdout, /\$ kyman \[COMMAND\]/);
    assert.ok(Date.now() - started < 30_000);
  });

  it('kyman menu without a terminal says to use the commands', () => {
    expectCleanFailure(kyman(['menu']), 2, /needs a terminal/);
  });
});
