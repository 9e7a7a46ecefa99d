// kyman cert import of PKCS #12 files openssl and keytool wrote; the imported key checked with openssl.

import assert from 'node:assert/strict';
import { expectCleanFailure, kyman, kymanJson, ok, suiteTempDir, tool } from '../../helpers/cli.js';
import { fixture } from '../../helpers/fixtures.js';

/** The public key of a PEM certificate or private key, as openssl prints it. */
function publicKeyOfCert(pem: string): string {
  const r = tool('openssl', ['x509', '-pubkey', '-noout', '-in', pem]);
  ok(r, 'openssl x509 -pubkey');
  return r.stdout;
}

describe('kyman cert import', function () {
  this.timeout(180_000);
  const tmp = suiteTempDir();
  const P = { KDB_PASS: 'cert-test-password', EXPORT: 'export-password' };

  it('imports PKCS #12 from openssl (default and -legacy) and keytool', () => {
    const dbi = tmp.file('imports.kdb');
    ok(kyman(['db', 'create', dbi, '--pass', 'env:KDB_PASS', '--stash'], { env: P }), 'db create');
    for (const legacy of [false, true]) {
      // openssl pkcs12 -export of one certificate and key, named openssl and openssl-legacy.
      const p12 = fixture(`openssl/import-openssl${legacy ? '-legacy' : ''}.p12`);
      const r = kymanJson(['cert', 'import', p12, '--db', dbi, '--import-pass', 'env:IP', ...(legacy ? ['--label', 'legacy-copy'] : [])], { env: { IP: 'p12-pass' } });
      if (legacy) {
        // The same certificate again is refused by name.
        assert.equal(r.__status, 6, r.__stderr);
        assert.match(r.error.message, /already in imports\.kdb as "openssl"/);
      } else {
        assert.equal(r.__status, 0, r.__stderr);
        assert.equal(r.added[0].label, 'openssl');
        assert.equal(r.added[0].kind, 'key');
      }
    }
    // keytool -genkeypair of from-keytool in a PKCS12 store.
    const jks = fixture('keytool/import-keytool.p12');
    const r = kymanJson(['cert', 'import', jks, '--db', dbi, '--import-pass', 'env:IP'], { env: { IP: 'keytool-pass' } });
    assert.equal(r.__status, 0, r.__stderr);
    assert.equal(r.added[0].label, 'from-keytool');
    const exported = tmp.file('roundtrip.pem');
    ok(kyman(['cert', 'export', 'from-keytool', '--db', dbi, '--out', exported, '--with-key', '--export-pass', 'env:EXPORT'], { env: P }), 'export');
    assert.equal(tool('openssl', ['pkey', '-in', exported, '-passin', 'env:EXPORT', '-pubout'], { env: P }).stdout, publicKeyOfCert(exported));
    expectCleanFailure(kyman(['cert', 'import', jks, '--db', dbi, '--import-pass', 'env:IP', '--label', 'x'], { env: { IP: 'wrong-pass' } }), 3);
  });
});
