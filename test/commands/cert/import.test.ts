// kyman cert import of PEM key files (PKCS #8, traditional EC, encrypted) and PKCS #7 bundles openssl wrote.

import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { expectCleanFailure, kyman, kymanJson, ok, suiteTempDir } from '../../helpers/cli.js';
import { fixture } from '../../helpers/fixtures.js';

describe('kyman cert import', function () {
  this.timeout(180_000);
  const tmp = suiteTempDir();
  const P = { KDB_PASS: 'cert-test-password', EXPORT: 'export-password' };

  it('imports a certificate with a PEM key file (PKCS #8, traditional EC, encrypted) and CA certificates', () => {
    const dbi = tmp.file('pem-imports.kdb');
    ok(kyman(['db', 'create', dbi, '--pass', 'env:KDB_PASS', '--stash'], { env: P }), 'db create');
    // openssl ecparam -genkey (a traditional EC key) and req -x509 of it.
    const sec1 = fixture('openssl/import-sec1.key');
    const cert = fixture('openssl/import-sec1.pem');
    const r = kymanJson(['cert', 'import', cert, '--key-file', sec1, '--db', dbi, '--label', 'traditional-ec']);
    assert.equal(r.__status, 0, r.__stderr);
    // openssl req -x509 -newkey rsa:2048 with its key encrypted under key-pass.
    const enc = fixture('openssl/import-encrypted.key');
    const encCert = fixture('openssl/import-encrypted.pem');
    assert.match(readFileSync(enc, 'utf8'), /ENCRYPTED PRIVATE KEY/);
    expectCleanFailure(kyman(['cert', 'import', encCert, '--key-file', enc, '--db', dbi]), 2, /--import-pass/);
    expectCleanFailure(kyman(['cert', 'import', encCert, '--key-file', enc, '--db', dbi, '--import-pass', 'env:KP'], { env: { KP: 'nope' } }), 3);
    assert.equal(kymanJson(['cert', 'import', encCert, '--key-file', enc, '--db', dbi, '--import-pass', 'env:KP'], { env: { KP: 'key-pass' } }).__status, 0);
    expectCleanFailure(kyman(['cert', 'import', cert, '--key-file', enc, '--db', dbi, '--import-pass', 'env:KP', '--label', 'mismatch'], { env: { KP: 'key-pass' } }), 5, /does not belong/);
    // CA certificates from a PKCS #7 bundle, labelled from their subjects, trusted.
    const bundle = fixture('openssl/import-bundle.p7b');
    const dbc = tmp.file('cas.kdb');
    ok(kyman(['db', 'create', dbc, '--pass', 'env:KDB_PASS', '--stash'], { env: P }), 'db create');
    const imported = kymanJson(['cert', 'import', bundle, '--db', dbc]);
    assert.deepEqual(imported.added.map((e: any) => [e.label, e.kind, e.trusted]).sort(), [['encrypted', 'certificate', true], ['sec1', 'certificate', true]]);
    expectCleanFailure(kyman(['cert', 'import', tmp.file('missing.pem'), '--db', dbc]), 4);
    writeFileSync(tmp.file('garbage.pem'), '-----BEGIN CERTIFICATE-----\nnot base64 at all!\n-----END CERTIFICATE-----\n');
    expectCleanFailure(kyman(['cert', 'import', tmp.file('garbage.pem'), '--db', dbc]), 5);
  });

  it('a PEM file with the key and the certificate imports both; a bundle trusts its CA, not its leaf', () => {
    const both = tmp.file('both.pem');
    writeFileSync(both, readFileSync(fixture('openssl/bundle-leaf.key'), 'utf8') + readFileSync(fixture('openssl/bundle-chain.pem'), 'utf8'));
    const db = tmp.file('both.kdb');
    ok(kyman(['db', 'create', db, '--pass', 'env:KDB_PASS', '--stash'], { env: P }), 'db create');
    const r = kymanJson(['cert', 'import', both, '--db', db, '--with-chain']);
    assert.equal(r.__status, 0, r.__stderr);
    assert.deepEqual(r.added.map((e: any) => [e.label, e.kind]).sort(), [['Bundle CA', 'certificate'], ['leaf.example', 'key']]);
    const bundleDb = tmp.file('bundle.kdb');
    ok(kyman(['db', 'create', bundleDb, '--pass', 'env:KDB_PASS', '--stash'], { env: P }), 'db create');
    const b = kymanJson(['cert', 'import', fixture('openssl/bundle-chain.pem'), '--db', bundleDb]);
    assert.equal(b.__status, 0, b.__stderr);
    assert.deepEqual(b.added.map((e: any) => [e.label, e.trusted]).sort(), [['Bundle CA', true], ['leaf.example', false]]);
  });

  it('a damaged PKCS #12 file is reported as damaged (exit 5), a wrong password as wrong (exit 3)', () => {
    const bytes = readFileSync(fixture('openssl/import-openssl.p12'));
    // Byte 500 lies inside the encrypted certificate safe: the MAC fails, the password still decrypts.
    bytes[500] ^= 0x55;
    const damaged = tmp.file('damaged.p12');
    writeFileSync(damaged, bytes);
    const db = tmp.file('p12-damage.kdb');
    ok(kyman(['db', 'create', db, '--pass', 'env:KDB_PASS', '--stash'], { env: P }), 'db create');
    expectCleanFailure(kyman(['cert', 'import', damaged, '--db', db, '--import-pass', 'env:IP'], { env: { IP: 'p12-pass' } }), 5, /damaged/);
    expectCleanFailure(kyman(['cert', 'import', fixture('openssl/import-openssl.p12'), '--db', db, '--import-pass', 'env:IP'], { env: { IP: 'not-it' } }), 3, /wrong password/);
  });
});
