// kyman cert create, default, show, rename, trust, delete and show-file, on CMS and PKCS #12 databases, checked by openssl, certtool and keytool.

import assert from 'node:assert/strict';
import { copyFileSync, readFileSync } from 'node:fs';
import { expectCleanFailure, kyman, kymanJson, ok, suiteTempDir, tool } from '../../helpers/cli.js';

describe('kyman cert create', function () {
  this.timeout(180_000);
  const tmp = suiteTempDir();
  const db = tmp.file('certs.kdb');
  const P = { KDB_PASS: 'cert-test-password', EXPORT: 'export-password' };

  before(() => {
    ok(kyman(['db', 'create', db, '--pass', 'env:KDB_PASS', '--stash'], { env: P }), 'db create');
  });

  for (const key of ['rsa:2048', 'ec:p256', 'ec:p384', 'ec:p521', 'ed25519']) {
    it(`creates a ${key} self-signed certificate that openssl verify and certtool accept`, () => {
      const label = `self-${key.replace(':', '-')}`;
      const r = kymanJson(['cert', 'create', label, '--db', db, '--key', key, '--subject', `CN=${label}.example.com,O=Example,C=US`, '--san', `dns:${label}.example.com`, '--san', 'ip:127.0.0.1', '--ca']);
      assert.equal(r.__status, 0, r.__stderr);
      const pem = tmp.file(`${label}.pem`);
      ok(kyman(['cert', 'export', label, '--db', db, '--out', pem]), 'export');
      ok(tool('openssl', ['verify', '-CAfile', pem, pem]), 'openssl verify');
      ok(tool('certtool', ['--certificate-info', '--infile', pem]), 'certtool');
      const text = tool('openssl', ['x509', '-in', pem, '-noout', '-text']).stdout;
      assert.match(text, new RegExp(`DNS:${label}\\.example\\.com, IP Address:127\\.0\\.0\\.1`));
      assert.match(text, /CA:TRUE/);
      const expected = { 'rsa:2048': /Public-Key: \(2048 bit\)/, 'ec:p256': /NIST CURVE: P-256/, 'ec:p384': /NIST CURVE: P-384/, 'ec:p521': /NIST CURVE: P-521/, ed25519: /ED25519 Public-Key/ }[key]!;
      assert.match(text, expected);
    });
  }

  it('the first key becomes the default; --default moves it; show and default agree', () => {
    const list = kymanJson(['cert', 'list', '--db', db]).entries;
    assert.equal(list.filter((e: any) => e.isDefault).length, 1);
    assert.equal(list.find((e: any) => e.isDefault).label, 'self-rsa-2048');
    ok(kyman(['cert', 'default', 'self-ed25519', '--db', db]), 'default');
    assert.equal(kymanJson(['cert', 'default', '--db', db]).default, 'self-ed25519');
    const show = kymanJson(['cert', 'show', 'self-ed25519', '--db', db]);
    assert.equal(show.isDefault, true);
    assert.equal(show.certificate.publicKey.type, 'ed25519');
    assert.match(show.certificate.fingerprints.sha256, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    const human = kyman(['cert', 'show', 'self-ed25519', '--db', db]);
    assert.match(human.stdout, /Subject\s+CN=self-ed25519\.example\.com,O=Example,C=US/);
    assert.match(human.stdout, /SHA-256 fingerprint/);
  });

  it('refuses a label that exists (exit 6) and a bad subject or key type (exit 2)', () => {
    const before = readFileSync(db);
    expectCleanFailure(kyman(['cert', 'create', 'self-ed25519', '--db', db, '--subject', 'CN=x']), 6, /already exists/);
    expectCleanFailure(kyman(['cert', 'create', 'x', '--db', db, '--subject', 'XX=nope']), 2);
    expectCleanFailure(kyman(['cert', 'create', 'x', '--db', db, '--subject', 'CN=x', '--key', 'dsa:1024']), 2);
    expectCleanFailure(kyman(['cert', 'create', 'x', '--db', db, '--subject', 'CN=x', '--san', 'bogus:thing']), 2);
    assert.deepEqual(readFileSync(db), before);
  });

  it('renames, sets trust and deletes entries', () => {
    ok(kyman(['cert', 'rename', 'self-ec-p521', 'p521', '--db', db]), 'rename');
    assert.equal(kymanJson(['cert', 'trust', 'p521', '--off', '--db', db]).trusted, false);
    assert.equal(kymanJson(['cert', 'show', 'p521', '--db', db]).trusted, false);
    ok(kyman(['cert', 'delete', 'p521', '--db', db, '--force']), 'delete');
    expectCleanFailure(kyman(['cert', 'show', 'p521', '--db', db]), 4, /no entry labelled "p521"/);
    expectCleanFailure(kyman(['cert', 'rename', 'self-ec-p384', 'self-ed25519', '--db', db]), 6);
  });

  it('shows a certificate file in PEM and DER like openssl', () => {
    const pem = tmp.file('self-ec-p256.pem');
    const der = tmp.file('self.der');
    ok(tool('openssl', ['x509', '-in', pem, '-outform', 'DER', '-out', der]), 'x509 DER');
    const a = kymanJson(['cert', 'show-file', pem]).certificates[0];
    const b = kymanJson(['cert', 'show-file', der]).certificates[0];
    assert.deepEqual(a, b);
    const fp = tool('openssl', ['x509', '-in', pem, '-noout', '-fingerprint', '-sha256']).stdout.trim().split('=')[1];
    assert.equal(a.fingerprints.sha256, fp);
    const serial = tool('openssl', ['x509', '-in', pem, '-noout', '-serial']).stdout.trim().split('=')[1];
    assert.equal(a.serialNumber.toUpperCase(), serial.replace(/^0+/, '').padStart(a.serialNumber.length, '0'));
  });

  it('works on a PKCS #12 key database the same way', () => {
    const p12db = tmp.file('store.p12');
    ok(kyman(['db', 'create', p12db, '--type', 'pkcs12', '--pass', 'env:KDB_PASS', '--stash'], { env: P }), 'create');
    ok(kyman(['cert', 'create', 'web', '--db', p12db, '--subject', 'CN=web']), 'cert create');
    ok(kyman(['cert', 'import', tmp.file('self-rsa-2048.pem'), '--db', p12db, '--label', 'some-ca']), 'import');
    const ks = tool('keytool', ['-list', '-keystore', p12db, '-storetype', 'PKCS12', '-storepass', P.KDB_PASS]);
    ok(ks, 'keytool');
    assert.match(ks.stdout, /web, .*PrivateKeyEntry/);
    assert.match(ks.stdout, /some-ca, .*trustedCertEntry/);
    ok(tool('openssl', ['pkcs12', '-in', p12db, '-passin', 'env:KDB_PASS', '-nokeys', '-noout'], { env: P }), 'openssl pkcs12');
    const copy = tmp.file('store-copy.p12');
    copyFileSync(p12db, copy);
    assert.equal(kymanJson(['cert', 'list', '--db', copy, '--pass', 'env:KDB_PASS'], { env: P }).entries.length, 2);
  });
});
