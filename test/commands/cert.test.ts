import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { expectCleanFailure, kyman, kymanJson, tempDir, tool } from '../helpers/cli.js';
import { gskit } from '../helpers/fixtures.js';

const ok = (r: { status: number; stdout: string; stderr: string }, what: string) => assert.equal(r.status, 0, `${what}:\n${r.stdout}\n${r.stderr}`);

/** The public key of a PEM certificate or private key, as openssl prints it. */
function publicKeyOfCert(pem: string): string {
  const r = tool('openssl', ['x509', '-pubkey', '-noout', '-in', pem]);
  ok(r, 'openssl x509 -pubkey');
  return r.stdout;
}

describe('kyman cert', function () {
  this.timeout(180_000);
  const tmp = tempDir();
  after(() => tmp.cleanup());
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
    ok(kyman(['cert', 'delete', 'p521', '--db', db]), 'delete');
    expectCleanFailure(kyman(['cert', 'show', 'p521', '--db', db]), 4, /no entry labelled "p521"/);
    expectCleanFailure(kyman(['cert', 'rename', 'self-ec-p384', 'self-ed25519', '--db', db]), 6);
  });

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

  it('imports PKCS #12 from openssl (default and -legacy) and keytool', () => {
    const keyPem = tmp.file('o.key');
    const certPem = tmp.file('o.pem');
    ok(tool('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', keyPem, '-out', certPem, '-subj', '/CN=from-openssl', '-days', '30']), 'openssl req');
    const dbi = tmp.file('imports.kdb');
    ok(kyman(['db', 'create', dbi, '--pass', 'env:KDB_PASS', '--stash'], { env: P }), 'db create');
    for (const legacy of [false, true]) {
      const p12 = tmp.file(`openssl${legacy ? '-legacy' : ''}.p12`);
      ok(tool('openssl', ['pkcs12', '-export', ...(legacy ? ['-legacy'] : []), '-inkey', keyPem, '-in', certPem, '-name', `openssl${legacy ? '-legacy' : ''}`, '-out', p12, '-passout', 'pass:p12-pass']), 'openssl pkcs12 -export');
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
    const jks = tmp.file('keytool.p12');
    ok(tool('keytool', ['-genkeypair', '-alias', 'from-keytool', '-keyalg', 'EC', '-groupname', 'secp256r1', '-dname', 'CN=from-keytool', '-validity', '30', '-storetype', 'PKCS12', '-keystore', jks, '-storepass', 'keytool-pass']), 'keytool -genkeypair');
    const r = kymanJson(['cert', 'import', jks, '--db', dbi, '--import-pass', 'env:IP'], { env: { IP: 'keytool-pass' } });
    assert.equal(r.__status, 0, r.__stderr);
    assert.equal(r.added[0].label, 'from-keytool');
    const exported = tmp.file('roundtrip.pem');
    ok(kyman(['cert', 'export', 'from-keytool', '--db', dbi, '--out', exported, '--with-key', '--export-pass', 'env:EXPORT'], { env: P }), 'export');
    assert.equal(tool('openssl', ['pkey', '-in', exported, '-passin', 'env:EXPORT', '-pubout'], { env: P }).stdout, publicKeyOfCert(exported));
    expectCleanFailure(kyman(['cert', 'import', jks, '--db', dbi, '--import-pass', 'env:IP', '--label', 'x'], { env: { IP: 'wrong-pass' } }), 3);
  });

  it('imports a certificate with a PEM key file (PKCS #8, traditional EC, encrypted) and CA certificates', () => {
    const dbi = tmp.file('pem-imports.kdb');
    ok(kyman(['db', 'create', dbi, '--pass', 'env:KDB_PASS', '--stash'], { env: P }), 'db create');
    const sec1 = tmp.file('sec1.key');
    const cert = tmp.file('sec1.pem');
    ok(tool('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', sec1]), 'ecparam');
    ok(tool('openssl', ['req', '-x509', '-key', sec1, '-out', cert, '-subj', '/CN=sec1', '-days', '30']), 'req');
    const r = kymanJson(['cert', 'import', cert, '--key-file', sec1, '--db', dbi, '--label', 'traditional-ec']);
    assert.equal(r.__status, 0, r.__stderr);
    const enc = tmp.file('enc.key');
    const encCert = tmp.file('enc.pem');
    ok(tool('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-keyout', enc, '-out', encCert, '-subj', '/CN=encrypted', '-days', '30', '-passout', 'pass:key-pass']), 'req enc');
    assert.match(readFileSync(enc, 'utf8'), /ENCRYPTED PRIVATE KEY/);
    expectCleanFailure(kyman(['cert', 'import', encCert, '--key-file', enc, '--db', dbi]), 2, /--import-pass/);
    expectCleanFailure(kyman(['cert', 'import', encCert, '--key-file', enc, '--db', dbi, '--import-pass', 'env:KP'], { env: { KP: 'nope' } }), 3);
    assert.equal(kymanJson(['cert', 'import', encCert, '--key-file', enc, '--db', dbi, '--import-pass', 'env:KP'], { env: { KP: 'key-pass' } }).__status, 0);
    expectCleanFailure(kyman(['cert', 'import', cert, '--key-file', enc, '--db', dbi, '--import-pass', 'env:KP', '--label', 'mismatch'], { env: { KP: 'key-pass' } }), 5, /does not belong/);
    // CA certificates from a PKCS #7 bundle, labelled from their subjects, trusted.
    const bundle = tmp.file('bundle.p7b');
    ok(tool('openssl', ['crl2pkcs7', '-nocrl', '-certfile', cert, '-certfile', encCert, '-out', bundle, '-outform', 'DER']), 'crl2pkcs7');
    const dbc = tmp.file('cas.kdb');
    ok(kyman(['db', 'create', dbc, '--pass', 'env:KDB_PASS', '--stash'], { env: P }), 'db create');
    const imported = kymanJson(['cert', 'import', bundle, '--db', dbc]);
    assert.deepEqual(imported.added.map((e: any) => [e.label, e.kind, e.trusted]).sort(), [['encrypted', 'certificate', true], ['sec1', 'certificate', true]]);
    expectCleanFailure(kyman(['cert', 'import', tmp.file('missing.pem'), '--db', dbc]), 4);
    writeFileSync(tmp.file('garbage.pem'), '-----BEGIN CERTIFICATE-----\nnot base64 at all!\n-----END CERTIFICATE-----\n');
    expectCleanFailure(kyman(['cert', 'import', tmp.file('garbage.pem'), '--db', dbc]), 5);
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
