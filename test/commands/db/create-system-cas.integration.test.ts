// kyman db create --with-system-cas: the system's CA certificates as trusted entries, as gskkyman's "usual CA certificates".

import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { kymanJson, ok, kyman, tool, suiteTempDir } from '../../helpers/cli.js';

describe('kyman db create --with-system-cas', function () {
  this.timeout(180_000);
  const tmp = suiteTempDir();
  const env = { KDB_PASS: 'db-test-password' };
  let bundle = '';

  before(() => {
    // A bundle as a distribution ships one, with what must be left out beside what must not:
    // two current roots, an expired root, a leaf that is no CA, and a root given twice.
    const src = tmp.file('src.kdb');
    ok(kyman(['db', 'create', src, '--pass', 'env:KDB_PASS', '--stash'], { env }), 'db create');
    ok(kyman(['cert', 'create', 'Root One', '--db', src, '--subject', 'CN=Root One', '--ca']), 'root one');
    ok(kyman(['cert', 'create', 'Root Two', '--db', src, '--subject', 'CN=Root Two,O=Example', '--ca', '--key', 'rsa:2048']), 'root two');
    ok(kyman(['cert', 'create', 'Old Root', '--db', src, '--subject', 'CN=Old Root', '--ca', '--not-before', '2020-01-01T00:00:00Z', '--not-after', '2021-01-01T00:00:00Z']), 'old root');
    ok(kyman(['cert', 'issue', 'leaf', '--db', src, '--ca', 'Root One', '--subject', 'CN=leaf.example']), 'leaf');
    const pems = new Map<string, string>();
    const pem = (label: string) => {
      if (!pems.has(label)) {
        const out = tmp.file(`${label}.pem`);
        ok(kyman(['cert', 'export', label, '--db', src, '--out', out]), `export ${label}`);
        pems.set(label, readFileSync(out, 'utf8'));
      }
      return pems.get(label)!;
    };
    bundle = tmp.file('ca-certificates.crt');
    writeFileSync(bundle, [pem('Root One'), pem('Root Two'), pem('Old Root'), pem('leaf'), pem('Root One')].join(''));
  });

  it('adds the current CA certificates of SSL_CERT_FILE, trusted and labelled by subject, and leaves out the expired, the leaf and the repeat', () => {
    const kdb = tmp.file('clients.kdb');
    const r = kymanJson(['db', 'create', kdb, '--pass', 'env:KDB_PASS', '--stash', '--with-system-cas'], { env: { ...env, SSL_CERT_FILE: bundle, SSL_CERT_DIR: '' } });
    assert.equal(r.__status, 0, r.__stderr);
    // The store reads each certificate once, so the repeat is not offered at all.
    assert.deepEqual(r.systemCas, { sources: [bundle], offered: 4, added: 2 });
    const list = kymanJson(['cert', 'list', '--db', kdb]);
    const rows = (list.entries ?? list) as { label: string; kind: string; trusted: boolean }[];
    assert.deepEqual(rows.map((e) => [e.label, e.kind, e.trusted]).sort(), [['Root One', 'certificate', true], ['Root Two', 'certificate', true]]);
    const text = kyman(['db', 'create', tmp.file('text.kdb'), '--pass', 'env:KDB_PASS', '--with-system-cas'], { env: { ...env, SSL_CERT_FILE: bundle, SSL_CERT_DIR: '' } });
    ok(text, 'db create (text)');
    assert.match(text.stdout, /2 trusted CA certificates from .*ca-certificates\.crt \(2 left out: expired, not yet valid, not a CA or repeated\)/);
  });

  it('writes a PKCS #12 database that openssl reads with both certificates', () => {
    const p12 = tmp.file('clients.p12');
    const r = kymanJson(['db', 'create', p12, '--pass', 'env:KDB_PASS', '--with-system-cas'], { env: { ...env, SSL_CERT_FILE: bundle, SSL_CERT_DIR: '' } });
    assert.equal(r.__status, 0, r.__stderr);
    const o = tool('openssl', ['pkcs12', '-in', p12, '-nokeys', '-passin', 'env:KDB_PASS'], { env });
    ok(o, 'openssl pkcs12');
    assert.equal((o.stdout.match(/BEGIN CERTIFICATE/g) ?? []).length, 2);
    assert.match(o.stdout, /subject=CN = Root One/);
    assert.match(o.stdout, /subject=O = Example, CN = Root Two/);
  });

  it('says there is no system store when there is none (exit 4), and creates nothing', () => {
    const kdb = tmp.file('none.kdb');
    const r = kyman(['db', 'create', kdb, '--pass', 'env:KDB_PASS', '--with-system-cas'], { env: { ...env, SSL_CERT_FILE: tmp.file('no-such-bundle.crt'), SSL_CERT_DIR: '' } });
    assert.equal(r.status, 4, r.stderr);
    assert.match(r.stderr, /no-such-bundle\.crt/);
    assert.equal(kyman(['db', 'info', kdb]).status, 4);
  });
});
