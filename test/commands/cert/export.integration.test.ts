// kyman cert export: keys, PKCS #12 and chains from the IBM samples, read back by openssl and keytool.

import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { kyman, kymanJson, ok, suiteTempDir, tool } from '../../helpers/cli.js';
import { gskit } from '../../helpers/fixtures.js';

/** The public key of a PEM certificate or private key, as openssl prints it. */
function publicKeyOfCert(pem: string): string {
  const r = tool('openssl', ['x509', '-pubkey', '-noout', '-in', pem]);
  ok(r, 'openssl x509 -pubkey');
  return r.stdout;
}

describe('kyman cert export', function () {
  this.timeout(180_000);
  const tmp = suiteTempDir();
  const P = { KDB_PASS: 'cert-test-password', EXPORT: 'export-password' };

  for (const [label, type] of [['rsa-keypair', 'rsa'], ['ec-keypair', 'ec']] as const) {
    it(`exports mixed.kdb's ${label} as PEM and PKCS #12 that openssl and keytool accept`, () => {
      const mixed = gskit('mixed.kdb');
      const pem = tmp.file(`${label}.pem`);
      ok(kyman(['cert', 'export', label, '--db', mixed, '--out', pem, '--with-key', '--export-pass', 'env:EXPORT'], { env: P }), 'export pem');
      assert.equal(statSync(pem).mode & 0o777, 0o600);
      assert.match(readFileSync(pem, 'utf8'), /BEGIN ENCRYPTED PRIVATE KEY/);
      assert.doesNotMatch(readFileSync(pem, 'utf8'), /BEGIN PRIVATE KEY/);
      const pkey = tool('openssl', ['pkey', '-in', pem, '-passin', 'env:EXPORT', '-pubout'], { env: P });
      ok(pkey, 'openssl pkey');
      assert.equal(pkey.stdout, publicKeyOfCert(pem));
      assert.match(tool('openssl', ['pkey', '-in', pem, '-passin', 'env:EXPORT', '-noout', '-text'], { env: P }).stdout, type === 'rsa' ? /Private-Key: \(2048 bit/ : /prime256v1|P-256/);

      const p12 = tmp.file(`${label}.p12`);
      ok(kyman(['cert', 'export', label, '--db', mixed, '--out', p12, '--format', 'pkcs12', '--export-pass', 'env:EXPORT'], { env: P }), 'export p12');
      const info = tool('openssl', ['pkcs12', '-in', p12, '-passin', 'env:EXPORT', '-nodes', '-info'], { env: P });
      ok(info, 'openssl pkcs12');
      assert.match(info.stderr + info.stdout, /PBES2, PBKDF2, AES-256-CBC/);
      assert.match(info.stdout, new RegExp(`friendlyName: ${label}`));
      const keyFromP12 = tmp.file(`${label}-from-p12.key`);
      writeFileSync(keyFromP12, info.stdout);
      assert.equal(tool('openssl', ['pkey', '-in', keyFromP12, '-pubout']).stdout, publicKeyOfCert(pem));
      const ks = tool('keytool', ['-list', '-v', '-keystore', p12, '-storetype', 'PKCS12', '-storepass', P.EXPORT]);
      ok(ks, 'keytool -list');
      assert.match(ks.stdout, new RegExp(`Alias name: ${label}`));
      assert.match(ks.stdout, /Entry type: PrivateKeyEntry/);
    });
  }

  it('exports every key of the IBM samples (v3 MD5-DES, v4 3DES, v6 PBES2) to keys openssl reads', () => {
    for (const [name, label] of [['zos-v3', 'server'], ['zos-v3', 'client'], ['ihs-v4', 'localhost'], ['chained', 'server-cert']]) {
      const pem = tmp.file(`${name}-${label}.pem`);
      ok(kyman(['cert', 'export', label, '--db', gskit(`${name}.kdb`), '--out', pem, '--with-key', '--export-pass', 'env:EXPORT'], { env: P }), `${name} ${label}`);
      const pkey = tool('openssl', ['pkey', '-in', pem, '-passin', 'env:EXPORT', '-pubout'], { env: P });
      ok(pkey, 'openssl pkey');
      assert.equal(pkey.stdout, publicKeyOfCert(pem));
    }
  });

  it('exports a chain as PKCS #7 and PEM, leaf first', () => {
    const chained = gskit('chained.kdb');
    const p7 = tmp.file('chain.p7b');
    const r = kymanJson(['cert', 'export', 'server-cert', '--db', chained, '--out', p7, '--format', 'pkcs7', '--chain']);
    assert.equal(r.certificates, 3, r.__stderr);
    const printed = tool('openssl', ['pkcs7', '-inform', 'DER', '-in', p7, '-print_certs', '-noout']);
    ok(printed, 'openssl pkcs7');
    assert.equal((printed.stdout.match(/subject=/g) ?? []).length, 3);
    const shown = kymanJson(['cert', 'show-file', p7]);
    assert.equal(shown.certificates.length, 3);
    assert.equal(shown.certificates[2].selfSigned, true);
    const pem = tmp.file('chain.pem');
    ok(kyman(['cert', 'export', 'server-cert', '--db', chained, '--out', pem, '--chain']), 'pem chain');
    const untrusted = tmp.file('leaf-and-intermediate.pem');
    const blocks = readFileSync(pem, 'utf8').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n/g)!;
    writeFileSync(untrusted, blocks[1]);
    writeFileSync(tmp.file('root.pem'), blocks[2]);
    writeFileSync(tmp.file('leaf.pem'), blocks[0]);
    ok(tool('openssl', ['verify', '-no_check_time', '-CAfile', tmp.file('root.pem'), '-untrusted', untrusted, tmp.file('leaf.pem')]), 'openssl verify chain');
  });
});
