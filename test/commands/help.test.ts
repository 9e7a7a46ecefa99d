import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { kyman, repoRoot } from '../helpers/cli.js';

describe('kyman --help', () => {
  const manifest = JSON.parse(readFileSync(path.join(repoRoot, 'oclif.manifest.json'), 'utf8'));
  const ids = Object.keys(manifest.commands);

  it('has the commands the design names', () => {
    for (const id of ['db:create', 'db:info', 'db:passwd', 'db:stash', 'db:record-length', 'db:convert', 'db:delete', 'cert:list', 'cert:show', 'cert:show-file', 'cert:create', 'cert:import', 'cert:export', 'cert:default', 'cert:trust', 'cert:rename', 'cert:delete']) {
      assert.ok(ids.includes(id), `${id} missing`);
    }
  });

  for (const id of ['db:create', 'cert:export']) {
    it(`${id.replace(':', ' ')} --help shows its examples`, () => {
      const r = kyman([...id.split(':'), '--help']);
      assert.equal(r.status, 0);
      assert.match(r.stdout, /EXAMPLES/);
      assert.match(r.stdout, new RegExp(`kyman ${id.replace(':', ' ')} `));
    });
  }

  it('every command has a summary, at least one example and --json', () => {
    for (const id of ids) {
      const c = manifest.commands[id];
      assert.ok(c.summary, `${id} has no summary`);
      assert.ok(c.examples?.length >= 1, `${id} has no example`);
      assert.ok(c.flags.json, `${id} has no --json`);
    }
  });

  it('answers --version quickly with the package version', () => {
    const r = kyman(['--version']);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /^kyman\/\d+\.\d+\.\d+ /);
  });
});
