// Java keystores from the command line: read as keytool wrote them, converted into files keytool and openssl read, never written.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { expectCleanFailure, kyman, kymanJson, ok, suiteTempDir, tool } from '../../helpers/cli.js';
import { fixture } from '../../helpers/fixtures.js';

const env = { P: 'jks-store-pass', KP: 'jks-key-pass' };

describe('kyman and Java keystores (JKS, JCEKS)', function () {
  this.timeout(120_000);
  const tmp = suiteTempDir();

  it('lists a JKS and a JCEKS, telling of the secret keys it leaves out', () => {
    const jks = kymanJson(['cert', 'list', '--db', fixture('jks/store.jks'), '--pass', 'env:P'], { env });
    assert.equal(jks.__status, 0, jks.__stderr);
    assert.deepEqual(jks.entries.map((e: any) => e.label), ['jks test root', 'rsa-server', 'JKS Test Intermediate', 'zweite ca münchen €', 'ec-server']);
    const jceks = kyman(['cert', 'list', '--db', fixture('jks/store.jceks'), '--pass', 'env:P'], { env });
    ok(jceks, 'cert list jceks');
    assert.match(jceks.stderr, /entry "aes-key" is skipped: it is a secret key/);
    assert.match(jceks.stdout, /jceks-server\s+key/);
  });

  it('db info names the format and verifies the store password', () => {
    const info = kymanJson(['db', 'info', fixture('jks/keypass.jks'), '--pass', 'env:P'], { env });
    assert.equal(info.__status, 0, info.__stderr);
    assert.equal(info.type, 'jks');
    assert.equal(info.integrity, 'verified');
    assert.equal(info.keys, 2);
    assert.match(kyman(['db', 'info', fixture('jks/store.jceks')]).stdout, /Java keystore \(JCEKS, version 2\), read only/);
  });

  it('a wrong store password is exit 3, a damaged file exit 5, not a password error', () => {
    expectCleanFailure(kyman(['cert', 'list', '--db', fixture('jks/store.jks'), '--pass', 'pass:wrong']), 3, /wrong password for store\.jks/);
    expectCleanFailure(kyman(['cert', 'list', '--db', fixture('jks/damaged-flipped.jks'), '--pass', 'env:P'], { env }), 5, /damaged/);
    expectCleanFailure(kyman(['cert', 'list', '--db', fixture('jks/damaged-truncated.jks'), '--pass', 'env:P'], { env }), 5, /cut short or damaged/);
  });

  it('converts a JKS to PKCS #12 that keytool lists, and to a CMS database, with the key that has its own password', () => {
    const p12 = tmp.file('store.p12');
    ok(kyman(['db', 'convert', fixture('jks/store.jks'), p12, '--pass', 'env:P'], { env }), 'db convert to .p12');
    const listed = tool('keytool', ['-list', '-storetype', 'pkcs12', '-keystore', p12, '-storepass', env.P]);
    ok(listed, 'keytool -list');
    assert.match(listed.stdout, /rsa-server, .*PrivateKeyEntry/);
    assert.match(listed.stdout, /ec-server, .*PrivateKeyEntry/);
    assert.match(listed.stdout, /jks test root, .*trustedCertEntry/);

    const kdb = tmp.file('keypass.kdb');
    expectCleanFailure(kyman(['db', 'convert', fixture('jks/keypass.jks'), kdb, '--pass', 'env:P'], { env }), 3, /"own-pass" .* has a password of its own: give it with --jks-key-pass/);
    ok(kyman(['db', 'convert', fixture('jks/keypass.jks'), kdb, '--pass', 'env:P', '--jks-key-pass', 'env:KP'], { env }), 'db convert with --jks-key-pass');
    const entries = kymanJson(['cert', 'list', '--db', kdb, '--pass', 'env:P'], { env }).entries;
    assert.deepEqual(entries.filter((e: any) => e.kind === 'key').map((e: any) => e.label).sort(), ['own-pass', 'store-pass']);
  });

  it('exports a key entry to PKCS #12 whose key is the one keytool exports', () => {
    const out = tmp.file('own-pass.p12');
    ok(kyman(['cert', 'export', 'own-pass', '--db', fixture('jks/keypass.jks'), '--pass', 'env:P', '--jks-key-pass', 'env:KP', '--out', out, '--format', 'pkcs12', '--with-key', '--export-pass', 'env:P', '--chain'], { env }), 'cert export');
    const publicOf = (file: string) => {
      const keyPem = tool('openssl', ['pkcs12', '-in', file, '-passin', 'env:P', '-noenc', '-nocerts'], { env });
      ok(keyPem, `openssl pkcs12 ${file}`);
      const pub = tool('openssl', ['pkey', '-pubout'], { input: keyPem.stdout });
      ok(pub, 'openssl pkey');
      return pub.stdout;
    };
    // keytool's own conversion of the same key (made with the fixtures) is the reference.
    assert.equal(publicOf(out), publicOf(fixture('jks/keypass-keytool.p12')));
    assert.equal(readFileSync(out).length > 0, true);
  });

  it('cert import takes a Java keystore\'s first key entry with its chain, or its trusted certificates', () => {
    const db = tmp.file('import.kdb');
    ok(kyman(['db', 'create', db, '--pass', 'env:P'], { env }), 'db create');
    const r = kymanJson(['cert', 'import', fixture('jks/store.jks'), '--db', db, '--pass', 'env:P', '--import-pass', 'env:P', '--with-chain'], { env });
    assert.equal(r.__status, 0, r.__stderr);
    // The chain as `req receive --add-chain` adds one: the root trusted, the intermediate not.
    assert.deepEqual(r.added.map((e: any) => [e.label, e.kind === 'key' ? 'key' : e.trusted]), [['rsa-server', 'key'], ['JKS Test Intermediate', false], ['JKS Test Root', true]]);
    expectCleanFailure(kyman(['cert', 'import', fixture('jks/keypass.jks'), '--db', db, '--pass', 'env:P', '--import-pass', 'env:P'], { env }), 3, /--jks-key-pass/);
    ok(kyman(['cert', 'import', fixture('jks/keypass.jks'), '--db', db, '--pass', 'env:P', '--import-pass', 'env:P', '--jks-key-pass', 'env:KP'], { env }), 'import with --jks-key-pass');
    const t = kymanJson(['cert', 'import', fixture('jks/truststore.jks'), '--db', db, '--pass', 'env:P', '--import-pass', 'env:P'], { env });
    assert.equal(t.__status, 0, t.__stderr);
    assert.deepEqual(t.added.map((e: any) => [e.label, e.trusted]), [['other ca', true]]);
    const keys = kymanJson(['cert', 'list', '--db', db, '--pass', 'env:P'], { env }).entries.filter((e: any) => e.kind === 'key');
    assert.deepEqual(keys.map((e: any) => e.label), ['rsa-server', 'own-pass']);
  });

  it('refuses every change to a Java keystore, naming the conversion, and leaves the file as it was', () => {
    const before = readFileSync(fixture('jks/store.jks'));
    const refusal = /store\.jks is a Java keystore \(JKS\), which kyman reads but does not write: convert it first with "kyman db convert store\.jks store\.p12"/;
    expectCleanFailure(kyman(['cert', 'create', 'x', '--subject', 'CN=x', '--db', fixture('jks/store.jks'), '--pass', 'env:P'], { env }), 2, refusal);
    expectCleanFailure(kyman(['cert', 'delete', 'rsa-server', '-f', '--db', fixture('jks/store.jks'), '--pass', 'env:P'], { env }), 2, refusal);
    expectCleanFailure(kyman(['db', 'passwd', '--db', fixture('jks/store.jks'), '--pass', 'env:P', '--new-pass', 'env:KP'], { env }), 2, refusal);
    assert.deepEqual(readFileSync(fixture('jks/store.jks')), before);
  });
});
