// --not-before, --not-after, --serial, --key-usage and --ext-key-usage on cert create, issue and sign, as openssl reads them.

import assert from 'node:assert/strict';
import { expectCleanFailure, kyman, ok, suiteTempDir, tool } from '../../helpers/cli.js';

describe('kyman certificate flags', function () {
  this.timeout(180_000);
  const tmp = suiteTempDir();
  const env = { KDB_PASS: 'flags-test-password' };
  const db = tmp.file('f.kdb');
  const x509 = (pem: string, ...args: string[]) => tool('openssl', ['x509', '-noout', ...args], { input: pem }).stdout;
  const exported = (label: string) => kyman(['cert', 'export', label, '--db', db, '--out', '-']).stdout;

  before(() => {
    ok(kyman(['db', 'create', db, '--pass', 'env:KDB_PASS', '--stash'], { env }), 'db create');
    ok(kyman(['cert', 'create', 'ca', '--db', db, '--subject', 'CN=flags ca', '--ca', '--days', '3650']), 'ca');
  });

  it('cert create: dates, serial and usages openssl reads back', () => {
    ok(kyman(['cert', 'create', 'signer', '--db', db, '--subject', 'CN=signer', '--not-before', '2026-01-01', '--not-after', '2027-06-30T12:00:00Z', '--serial', '0x1001', '--key-usage', 'digitalSignature', '--ext-key-usage', 'codeSigning,1.3.6.1.5.5.7.3.9']), 'create');
    const pem = exported('signer');
    assert.match(x509(pem, '-serial'), /serial=1001/);
    assert.match(x509(pem, '-dates'), /notBefore=Jan {2}1 00:00:00 2026 GMT\nnotAfter=Jun 30 12:00:00 2027 GMT/);
    const ext = x509(pem, '-ext', 'keyUsage,extendedKeyUsage');
    assert.match(ext, /Digital Signature/);
    assert.doesNotMatch(ext, /Key Encipherment/);
    assert.match(ext, /Code Signing, OCSP Signing/);
  });

  it('cert issue and cert sign take the same flags', () => {
    ok(kyman(['cert', 'issue', 'mail', '--db', db, '--ca', 'ca', '--subject', 'CN=mail', '--serial', '12345', '--ext-key-usage', 'emailProtection']), 'issue');
    const pem = exported('mail');
    assert.match(x509(pem, '-serial'), /serial=3039/);
    assert.match(x509(pem, '-ext', 'extendedKeyUsage'), /E-mail Protection/);
    ok(kyman(['req', 'create', 'r', '--db', db, '--subject', 'CN=r', '--out', tmp.file('r.csr')]), 'req');
    const signed = kyman(['cert', 'sign', tmp.file('r.csr'), '--db', db, '--ca', 'ca', '--out', '-', '--serial', 'AB:CD', '--not-after', '2027-01-01']);
    ok(signed, 'sign');
    assert.match(x509(signed.stdout, '-serial'), /serial=ABCD/);
    assert.match(x509(signed.stdout, '-enddate'), /notAfter=Jan {2}1 00:00:00 2027 GMT/);
  });

  it('refuses what cannot be: a bad date, serial or usage (exit 2)', () => {
    expectCleanFailure(kyman(['cert', 'create', 'x', '--db', db, '--subject', 'CN=x', '--not-after', 'tomorrow']), 2, /--not-after: "tomorrow" is not an ISO 8601 date/);
    expectCleanFailure(kyman(['cert', 'create', 'x', '--db', db, '--subject', 'CN=x', '--serial', '0']), 2, /--serial: a serial number must be positive/);
    expectCleanFailure(kyman(['cert', 'create', 'x', '--db', db, '--subject', 'CN=x', '--serial', `0x${'ff'.repeat(21)}`]), 2, /longer than 20 octets/);
    expectCleanFailure(kyman(['cert', 'create', 'x', '--db', db, '--subject', 'CN=x', '--ext-key-usage', 'serverAuthh']), 2, /unknown extended key usage "serverAuthh"/);
    expectCleanFailure(kyman(['cert', 'create', 'x', '--db', db, '--subject', 'CN=x', '--not-before', '2027-01-01', '--not-after', '2026-01-01']), 2, /must be later than notBefore/);
  });
});
