// kyman cert create --key-file: a certificate for a software key one already has, kept encrypted in the database.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { expectCleanFailure, kyman, ok, suiteTempDir, tool } from '../../helpers/cli.js';
import { fixture } from '../../helpers/fixtures.js';

describe('kyman cert create --key-file', function () {
  this.timeout(120_000);
  const tmp = suiteTempDir();
  const env = { KDB_PASS: 'key-file-test-password', KP: 'key-pass' };
  const db = tmp.file('k.kdb');

  before(() => ok(kyman(['db', 'create', db, '--pass', 'env:KDB_PASS', '--stash'], { env }), 'db create'));

  it('certifies an openssl key (traditional EC, and encrypted PKCS #8 with --import-pass)', () => {
    const sec1 = fixture('openssl/import-sec1.key');
    ok(kyman(['cert', 'create', 'mine', '--db', db, '--subject', 'CN=mine', '--key-file', sec1]), 'create --key-file');
    const cert = kyman(['cert', 'export', 'mine', '--db', db, '--out', '-']).stdout;
    const fromCert = tool('openssl', ['x509', '-noout', '-pubkey'], { input: cert }).stdout;
    const fromKey = tool('openssl', ['pkey', '-in', sec1, '-pubout']).stdout;
    assert.equal(fromCert, fromKey);
    const enc = fixture('openssl/import-encrypted.key');
    expectCleanFailure(kyman(['cert', 'create', 'enc', '--db', db, '--subject', 'CN=enc', '--key-file', enc]), 2, /--import-pass/);
    ok(kyman(['cert', 'create', 'enc', '--db', db, '--subject', 'CN=enc', '--key-file', enc, '--import-pass', 'env:KP'], { env }), 'create encrypted key');
    assert.doesNotMatch(readFileSync(db, 'latin1'), /BEGIN/);
    expectCleanFailure(kyman(['cert', 'create', 'none', '--db', db, '--subject', 'CN=none', '--key-file', tmp.file('missing.key')]), 4);
  });
});
