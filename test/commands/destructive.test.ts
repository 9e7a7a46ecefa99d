// Destructive actions as db delete does them: asked on a terminal (default no), --force (-f) in scripts.

import assert from 'node:assert/strict';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { expectCleanFailure, kyman, kymanJson, kymanOnTerminal, ok, suiteTempDir } from '../helpers/cli.js';

describe('kyman destructive actions', function () {
  this.timeout(180_000);
  const tmp = suiteTempDir();
  const env = { KDB_PASS: 'destructive-test-password' };
  const db = tmp.file('d.kdb');
  const labels = () => kymanJson(['cert', 'list', '--db', db]).entries.map((e: { label: string }) => e.label).sort();

  before(() => {
    ok(kyman(['db', 'create', db, '--pass', 'env:KDB_PASS', '--stash'], { env }), 'db create');
    for (const l of ['a', 'b', 'c']) ok(kyman(['cert', 'create', l, '--db', db, '--subject', `CN=${l}`]), `cert create ${l}`);
    ok(kyman(['req', 'create', 'r', '--db', db, '--subject', 'CN=r', '--out', tmp.file('r.csr')]), 'req create');
  });

  it('cert delete: refused in a script without --force, declined by default on a terminal, done with -f', () => {
    expectCleanFailure(kyman(['cert', 'delete', 'a', '--db', db]), 2, /not deleting "a", the default key, and its private key without --force/);
    const no = kymanOnTerminal(['cert', 'delete', 'a', '--db', db], '\n');
    assert.equal(no.status, 1, no.stdout);
    assert.match(no.stdout, /Delete "a", the default key, and its private key from .*d\.kdb\?/);
    assert.match(no.stdout, /"a" was not deleted/);
    assert.deepEqual(labels(), ['a', 'b', 'c']);
    const yes = kymanOnTerminal(['cert', 'delete', 'b', '--db', db], 'y\n');
    assert.equal(yes.status, 0, yes.stdout);
    ok(kyman(['cert', 'delete', 'c', '--db', db, '-f']), 'cert delete -f');
    assert.deepEqual(labels(), ['a']);
  });

  it('req delete: the same rule', () => {
    expectCleanFailure(kyman(['req', 'delete', 'r', '--db', db]), 2, /not deleting the pending request "r" without --force/);
    ok(kyman(['req', 'delete', 'r', '--db', db, '--force']), 'req delete --force');
    expectCleanFailure(kyman(['req', 'show', 'r', '--db', db]), 4);
  });

  it('cert rename over an existing label: exit 6 in a script, asked on a terminal, replaced with --force', () => {
    ok(kyman(['cert', 'create', 'new', '--db', db, '--subject', 'CN=new']), 'cert create new');
    ok(kyman(['cert', 'create', 'old', '--db', db, '--subject', 'CN=old']), 'cert create old');
    expectCleanFailure(kyman(['cert', 'rename', 'new', 'old', '--db', db]), 6, /label "old" already exists .*--force/);
    const no = kymanOnTerminal(['cert', 'rename', 'new', 'old', '--db', db], 'n\n');
    assert.equal(no.status, 1, no.stdout);
    assert.match(no.stdout, /"old" exists: delete the entry "old" and its private key and rename "new" to it\?/);
    ok(kyman(['cert', 'rename', 'new', 'old', '--db', db, '--force']), 'rename --force');
    assert.deepEqual(labels(), ['a', 'old']);
    assert.equal(kymanJson(['cert', 'show', 'old', '--db', db]).certificate.subject, 'CN=new');
  });

  it('an existing output file: exit 6 in a script, asked on a terminal, replaced with -f; a key written over a 0644 file is 0600', () => {
    const out = tmp.file('a.pem');
    writeFileSync(out, 'keep me\n');
    chmodSync(out, 0o644);
    expectCleanFailure(kyman(['cert', 'export', 'a', '--db', db, '--out', out]), 6, /already exists: choose another name or give --force/);
    const no = kymanOnTerminal(['cert', 'export', 'a', '--db', db, '--out', out], '\n');
    assert.equal(no.status, 1, no.stdout);
    assert.match(no.stdout, /Replace .*a\.pem\?/);
    assert.equal(readFileSync(out, 'utf8'), 'keep me\n');
    ok(kyman(['cert', 'export', 'a', '--db', db, '--out', out, '--with-key', '--export-pass', 'env:KDB_PASS', '-f'], { env }), 'export -f');
    assert.match(readFileSync(out, 'utf8'), /ENCRYPTED PRIVATE KEY/);
    assert.equal(statSync(out).mode & 0o777, 0o600);
    expectCleanFailure(kyman(['req', 'create', 'q', '--db', db, '--subject', 'CN=q', '--out', out]), 6, /already exists/);
  });
});
