// kyman cert export: a plain key only by name (warned, 0600), and PKCS #7 in PEM armour; openssl reads both.

import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { expectCleanFailure, kyman, kymanJson, ok, suiteTempDir, tool } from '../../helpers/cli.js';

describe('kyman cert export formats', function () {
  this.timeout(120_000);
  const tmp = suiteTempDir();
  const env = { KDB_PASS: 'export-test-password' };
  const db = tmp.file('e.kdb');

  before(() => {
    ok(kyman(['db', 'create', db, '--pass', 'env:KDB_PASS', '--stash'], { env }), 'db create');
    ok(kyman(['cert', 'create', 'ca', '--db', db, '--subject', 'CN=export ca', '--ca']), 'ca');
    ok(kyman(['cert', 'issue', 'web', '--db', db, '--ca', 'ca', '--subject', 'CN=web']), 'web');
  });

  it('--no-encrypt-key writes a plain PKCS #8 key, warned, 0600, that openssl reads without a password', () => {
    const out = tmp.file('plain.pem');
    const r = kyman(['cert', 'export', 'web', '--db', db, '--out', out, '--with-key', '--no-encrypt-key', '--chain']);
    ok(r, 'export --no-encrypt-key');
    assert.match(r.stderr, /warning: the private key of "web" is written unencrypted/);
    assert.match(r.stdout, /NOT encrypted/);
    assert.equal(statSync(out).mode & 0o777, 0o600);
    const text = readFileSync(out, 'utf8');
    assert.match(text, /-----BEGIN PRIVATE KEY-----/);
    assert.equal((text.match(/BEGIN CERTIFICATE/g) ?? []).length, 2);
    assert.equal(tool('openssl', ['pkey', '-in', out, '-noout', '-passin', 'pass:']).status, 0);
    expectCleanFailure(kyman(['cert', 'export', 'web', '--db', db, '--out', tmp.file('x.p12'), '--format', 'pkcs12', '--no-encrypt-key', '--export-pass', 'env:KDB_PASS'], { env }), 2, /--no-encrypt-key applies to a PEM key/);
    expectCleanFailure(kyman(['cert', 'export', 'web', '--db', db, '--out', tmp.file('y.pem'), '--with-key']), 2, /--export-pass/);
  });

  it('--format pkcs7-pem writes a PEM PKCS7 block that openssl pkcs7 -print_certs lists', () => {
    const out = tmp.file('chain.p7c');
    const r = kymanJson(['cert', 'export', 'web', '--db', db, '--out', out, '--format', 'pkcs7-pem', '--chain']);
    assert.equal(r.__status, 0, r.__stderr);
    assert.equal(r.certificates, 2);
    assert.match(readFileSync(out, 'utf8'), /^-----BEGIN PKCS7-----/);
    const listed = tool('openssl', ['pkcs7', '-in', out, '-print_certs', '-noout']);
    assert.equal(listed.status, 0, listed.stderr);
    assert.match(listed.stdout, /subject=CN ?= ?web[^]*subject=CN ?= ?export ca/);
  });

  it('without --format the --out name decides: .p12 PKCS #12, .der DER, .p7b PKCS #7, anything else PEM; --format wins, warned', () => {
    const p12 = tmp.file('web.p12');
    const r = kymanJson(['cert', 'export', 'web', '--db', db, '--out', p12, '--chain', '--export-pass', 'env:KDB_PASS'], { env });
    assert.equal(r.__status, 0, r.__stderr);
    assert.equal(r.format, 'pkcs12');
    const info = tool('openssl', ['pkcs12', '-in', p12, '-nokeys', '-passin', 'pass:export-test-password']);
    assert.equal(info.status, 0, info.stderr);
    assert.match(info.stdout, /subject=CN ?= ?web/);

    const der = tmp.file('web.der');
    ok(kyman(['cert', 'export', 'web', '--db', db, '--out', der]), 'export .der');
    assert.equal(readFileSync(der)[0], 0x30, 'DER starts with a SEQUENCE');
    assert.equal(tool('openssl', ['x509', '-inform', 'DER', '-in', der, '-noout']).status, 0);

    const p7b = tmp.file('chain.p7b');
    ok(kyman(['cert', 'export', 'web', '--db', db, '--out', p7b, '--chain']), 'export .p7b');
    const listed = tool('openssl', ['pkcs7', '-inform', 'DER', '-in', p7b, '-print_certs', '-noout']);
    assert.equal(listed.status, 0, listed.stderr);

    const crt = tmp.file('web.crt');
    ok(kyman(['cert', 'export', 'web', '--db', db, '--out', crt]), 'export .crt');
    assert.match(readFileSync(crt, 'utf8'), /^-----BEGIN CERTIFICATE-----/);

    const named = tmp.file('named.p12');
    const w = kyman(['cert', 'export', 'web', '--db', db, '--out', named, '--format', 'pem']);
    ok(w, 'export --format pem to a .p12 name');
    assert.match(w.stderr, /named\.p12 is named as PKCS #12 but --format pem writes PEM/);
    assert.match(readFileSync(named, 'utf8'), /^-----BEGIN CERTIFICATE-----/);
  });
});
