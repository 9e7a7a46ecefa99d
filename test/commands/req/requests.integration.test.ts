import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { expectCleanFailure, kyman, kymanJson, ok, suiteTempDir, tool } from '../../helpers/cli.js';

describe('kyman req', function () {
  this.timeout(180_000);
  const tmp = suiteTempDir();
  const db = tmp.file('req.kdb');
  const p12 = tmp.file('req.p12');
  const P = { KDB_PASS: 'req-test-password', EXPORT: 'export-password' };
  const ca = { cert: tmp.file('ca.pem'), key: tmp.file('ca.key') };

  before(() => {
    ok(kyman(['db', 'create', db, '--pass', 'env:KDB_PASS', '--stash'], { env: P }), 'db create');
    ok(kyman(['db', 'create', p12, '--type', 'pkcs12', '--pass', 'env:KDB_PASS', '--stash'], { env: P }), 'db create p12');
    ok(tool('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', ca.key, '-out', ca.cert, '-subj', '/CN=Req Test CA/O=Example', '-days', '30']), 'CA');
  });

  /** openssl as the CA: signs a request, copying its extensions. */
  function sign(csr: string, out: string) {
    ok(tool('openssl', ['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-days', '30', '-copy_extensions', 'copy', '-out', out]), 'openssl x509 -req');
  }

  /** The exported key's public half equals the certificate's. */
  function keyMatchesCertificate(database: string, label: string) {
    const out = tmp.file(`${label}-${Math.random().toString(36).slice(2)}.pem`);
    ok(kyman(['cert', 'export', label, '--db', database, '--out', out, '--with-key', '--export-pass', 'env:EXPORT'], { env: P }), 'cert export --with-key');
    const fromKey = tool('openssl', ['pkey', '-in', out, '-passin', 'env:EXPORT', '-pubout'], { env: P });
    ok(fromKey, 'openssl pkey');
    const fromCert = tool('openssl', ['x509', '-in', out, '-noout', '-pubkey']);
    assert.equal(fromKey.stdout, fromCert.stdout);
  }

  for (const key of ['rsa:2048', 'ec:p256', 'ec:p384', 'ed25519']) {
    it(`makes a ${key} request that openssl and certtool verify, and receives the certificate openssl signs`, () => {
      const label = `web-${key.replace(':', '-')}`;
      const csr = tmp.file(`${label}.csr`);
      const r = kymanJson(['req', 'create', label, '--db', db, '--key', key, '--subject', `CN=${label}.example.com,O=Example`, '--san', `dns:${label}.example.com`, '--out', csr]);
      assert.equal(r.__status, 0, r.__stderr);
      ok(tool('openssl', ['req', '-verify', '-noout', '-in', csr]), 'openssl req -verify');
      ok(tool('certtool', ['--crq-info', '--infile', csr]), 'certtool --crq-info');
      assert.match(tool('openssl', ['req', '-text', '-noout', '-in', csr]).stdout, new RegExp(`DNS:${label}\\.example\\.com`));
      assert.ok(kymanJson(['req', 'list', '--db', db]).requests.some((q: { label: string }) => q.label === label));
      assert.ok(!kymanJson(['cert', 'list', '--db', db]).entries.some((e: { label: string }) => e.label === label));

      const leaf = tmp.file(`${label}.crt`);
      sign(csr, leaf);
      const got = kymanJson(['req', 'receive', leaf, '--db', db]);
      assert.equal(got.__status, 0, got.__stderr);
      assert.equal(got.label, label);
      const entry = kymanJson(['cert', 'list', '--db', db]).entries.find((e: { label: string }) => e.label === label);
      assert.equal(entry?.kind, 'key');
      assert.ok(!kymanJson(['req', 'list', '--db', db]).requests.some((q: { label: string }) => q.label === label));
      keyMatchesCertificate(db, label);
    });
  }

  it('receives a PKCS #7 chain with --add-chain, adding the CA as trusted', () => {
    const csr = tmp.file('chain.csr');
    ok(kyman(['req', 'create', 'chained', '--db', db, '--subject', 'CN=chained.example.com', '--out', csr, '--der']), 'req create --der');
    const leaf = tmp.file('chained.crt');
    ok(tool('openssl', ['x509', '-req', '-inform', 'DER', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-days', '30', '-out', leaf]), 'sign DER');
    const p7 = tmp.file('chained.p7b');
    ok(tool('openssl', ['crl2pkcs7', '-nocrl', '-certfile', leaf, '-certfile', ca.cert, '-out', p7]), 'crl2pkcs7');
    const got = kymanJson(['req', 'receive', p7, '--db', db, '--add-chain']);
    assert.equal(got.__status, 0, got.__stderr);
    assert.deepEqual(got.chain.map((c: { subject: string; added: boolean }) => [c.subject, c.added]), [['O=Example,CN=Req Test CA', true]]);
    const entries = kymanJson(['cert', 'list', '--db', db]).entries;
    assert.equal(entries.find((e: { label: string }) => e.label === 'chained')?.kind, 'key');
    assert.equal(entries.find((e: { subject: string }) => e.subject === 'O=Example,CN=Req Test CA')?.trusted, true);
    keyMatchesCertificate(db, 'chained');
  });

  it('renews a key entry: same label, same key, new certificate', () => {
    const before = tool('openssl', ['x509', '-noout', '-serial', '-in', tmp.file('web-ec-p256.crt')]).stdout;
    const csr = tmp.file('renew.csr');
    ok(kyman(['req', 'renew', 'web-ec-p256', '--db', db, '--out', csr]), 'req renew');
    ok(tool('openssl', ['req', '-verify', '-noout', '-in', csr]), 'verify renewal');
    const show = kymanJson(['req', 'show', 'web-ec-p256', '--db', db]);
    assert.equal(show.renewal, true);
    const leaf = tmp.file('renewed.crt');
    sign(csr, leaf);
    const got = kymanJson(['req', 'receive', leaf, '--db', db]);
    assert.equal(got.renewed, true);
    const exported = tmp.file('renewed-export.pem');
    ok(kyman(['cert', 'export', 'web-ec-p256', '--db', db, '--out', exported]), 'export');
    const after = tool('openssl', ['x509', '-noout', '-serial', '-in', exported]).stdout;
    assert.notEqual(after, before);
    assert.equal(after, tool('openssl', ['x509', '-noout', '-serial', '-in', leaf]).stdout);
    keyMatchesCertificate(db, 'web-ec-p256');
  });

  it('shows, exports and deletes a pending request', () => {
    ok(kyman(['req', 'create', 'tmp', '--db', db, '--subject', 'CN=tmp', '--san', 'ip:192.0.2.7', '--out', tmp.file('tmp.csr')]), 'create');
    const show = kyman(['req', 'show', 'tmp', '--db', db, '--pem']);
    ok(show, 'show');
    assert.match(show.stdout, /ip:192\.0\.2\.7/);
    assert.match(show.stdout, /verifies/);
    assert.match(show.stdout, /BEGIN CERTIFICATE REQUEST/);
    const der = tmp.file('tmp.der');
    ok(kyman(['req', 'export', 'tmp', '--db', db, '--out', der, '--der']), 'export');
    ok(tool('openssl', ['req', '-verify', '-noout', '-inform', 'DER', '-in', der]), 'verify exported');
    ok(kyman(['req', 'delete', 'tmp', '--db', db, '--force']), 'delete');
    expectCleanFailure(kyman(['req', 'show', 'tmp', '--db', db]), 4, /no pending request labelled "tmp"/);
  });

  it('fails cleanly, changing nothing: bad PEM (5), no matching request (1), label taken (6)', () => {
    const rdb = tmp.file('req.rdb');
    const snapshot = () => [readFileSync(db), readFileSync(rdb)].map((b) => b.toString('hex')).join();
    const before = snapshot();
    const bad = tmp.file('bad.pem');
    writeFileSync(bad, '-----BEGIN CERTIFICATE-----\n!!!not base64!!!\n-----END CERTIFICATE-----\n');
    expectCleanFailure(kyman(['req', 'receive', bad, '--db', db]), 5);
    expectCleanFailure(kyman(['req', 'receive', ca.cert, '--db', db]), 1, /O=Example,CN=Req Test CA/);
    expectCleanFailure(kyman(['req', 'create', 'chained', '--db', db, '--subject', 'CN=x', '--out', tmp.file('x.csr')]), 6, /already exists/);
    assert.equal(snapshot(), before);
  });

  it('writes name.rdb as a CMS request database (X509KYP, v6) that opens with the stash', () => {
    const bytes = readFileSync(tmp.file('req.rdb'));
    assert.equal(bytes.subarray(0, 2).toString('hex'), '3748');
    assert.equal(bytes[2], 6);
    assert.equal(bytes[3], 1);
    assert.equal(bytes.subarray(8, 16).toString('latin1'), 'X509KYP\0');
    const recordLength = bytes.readUInt32BE(0x10);
    const count = bytes.readUInt32BE(0x14);
    assert.equal(bytes.length, 0x90 + count * recordLength);
    assert.equal(statSync(tmp.file('req.rdb')).mode & 0o777, 0o600);
    // No --pass: the stash opens both files.
    assert.equal(kymanJson(['req', 'list', '--db', db]).__status, 0);
  });

  it('keeps a pending request inside a PKCS #12 key database that openssl still reads', () => {
    const csr = tmp.file('p12.csr');
    ok(kyman(['req', 'create', 'p12web', '--db', p12, '--subject', 'CN=p12.example.com', '--out', csr]), 'create in p12');
    ok(tool('openssl', ['pkcs12', '-in', p12, '-passin', 'env:KDB_PASS', '-nodes', '-info'], { env: P }), 'openssl reads the p12');
    const leaf = tmp.file('p12.crt');
    sign(csr, leaf);
    ok(kyman(['req', 'receive', leaf, '--db', p12]), 'receive into p12');
    assert.equal(kymanJson(['req', 'list', '--db', p12]).requests.length, 0);
    keyMatchesCertificate(p12, 'p12web');
  });
});
