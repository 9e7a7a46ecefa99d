// The README's short tour, run as written in an empty folder, with `kyman` on PATH and the variables it names.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { kyman, ok, repoRoot, suiteTempDir } from '../helpers/cli.js';

/** The first sh block under "## A short tour". */
function tourScript(): string {
  const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  const m = /^## A short tour\n[^]*?```sh\n([^]*?)```/m.exec(readme);
  assert.ok(m, 'README.md has a "## A short tour" section with an sh block');
  return m[1];
}

describe('the README tour', function () {
  this.timeout(300_000);
  const tmp = suiteTempDir();

  it('runs as written from an empty folder', () => {
    const script = tourScript();
    const bin = tmp.file('bin');
    mkdirSync(bin);
    writeFileSync(path.join(bin, 'kyman'), `#!/bin/sh\nexec "${process.execPath}" "${path.join(repoRoot, 'bin/run.js')}" "$@"\n`);
    chmodSync(path.join(bin, 'kyman'), 0o755);
    const dir = tmp.file('tour');
    mkdirSync(dir);
    const env = { P12_PASS: 'tour p12 passphrase', PEM_PASS: 'tour pem passphrase' };
    // Files the tour brings in from elsewhere, when it names them and does not write them itself
    // with --out, are made the way another admin would have.
    const elsewhere = tmp.file('elsewhere.kdb');
    const needs = (name: string) => new RegExp(`\\b${name.replace('.', '\\.')}\\b`).test(script) && !new RegExp(`--out ${name.replace('.', '\\.')}\\b`).test(script);
    if (needs('root-ca.pem') || needs('other.p12')) {
      ok(kyman(['db', 'create', elsewhere, '--pass', 'env:P12_PASS', '--stash'], { env }), 'db create elsewhere');
      ok(kyman(['cert', 'create', 'root', '--db', elsewhere, '--subject', 'CN=Example Root CA', '--ca']), 'root');
      ok(kyman(['cert', 'issue', 'other', '--db', elsewhere, '--ca', 'root', '--subject', 'CN=other.example.com']), 'other');
      if (needs('root-ca.pem')) ok(kyman(['cert', 'export', 'root', '--db', elsewhere, '--out', path.join(dir, 'root-ca.pem')]), 'root-ca.pem');
      if (needs('other.p12')) ok(kyman(['cert', 'export', 'other', '--db', elsewhere, '--out', path.join(dir, 'other.p12'), '--format', 'pkcs12', '--export-pass', 'env:P12_PASS'], { env }), 'other.p12');
    }
    const r = spawnSync('bash', ['-e', '-u', '-o', 'pipefail', '-c', script], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, ...env, NO_COLOR: '1', KYMAN_DB: undefined, PATH: `${bin}:${process.env.PATH}` },
      timeout: 240_000,
    });
    assert.equal(r.status, 0, `the tour stopped (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
    assert.ok(existsSync(path.join(dir, 'server.kdb')));
  });
});
