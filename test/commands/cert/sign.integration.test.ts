import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { expectCleanFailure, kyman, kymanJson, ok, suiteTempDir, tool } from '../../helpers/cli.js';
import { fixture } from '../../helpers/fixtures.js';

const derOfPem = (text: string) => Buffer.from(text.replace(/-----[^-]+-----|\s/g, ''), 'base64');
const pemOf = (label: string, der: Uint8Array) =>
  `-----BEGIN ${label}-----\n${Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END ${label}-----\n`;

describe('kyman cert sign and cert issue', function () {
  this.timeout(300_000);
  const tmp = suiteTempDir();
  const db = tmp.file('ca.kdb');
  const caPem = tmp.file('ca.pem');
  const env = { KDB_PASS: 'sign-test-password', KS_PASS: 'keytool-pass' };

  /** openssl verify and certtool --verify-chain on leaf + CA; both must accept. */
  function peersAccept(leafPem: string, purpose?: 'sslserver' | 'sslclient', ca = caPem) {
    ok(tool('openssl', ['verify', '-CAfile', ca, ...(purpose ? ['-purpose', purpose] : []), leafPem]), 'openssl verify');
    const both = `${leafPem}.chain`;
    writeFileSync(both, readFileSync(leafPem, 'utf8') + readFileSync(ca, 'utf8'));
    const certtool = tool('certtool', ['--verify-chain', '--infile', both]);
    ok(certtool, 'certtool --verify-chain');
    assert.match(certtool.stdout, /Chain verification output: Verified/);
  }

  before(() => {
    ok(kyman(['db', 'create', db, '--pass', 'env:KDB_PASS', '--stash'], { env }), 'db create');
    ok(kyman(['cert', 'create', 'root', '--db', db, '--subject', 'CN=Sign Test Root,O=Example', '--ca', '--days', '3650']), 'cert create --ca');
    ok(kyman(['cert', 'export', 'root', '--db', db, '--out', caPem]), 'export CA');
  });

  for (const name of ['rsa', 'ec', 'ed25519'] as const) {
    it(`signs an openssl req -new request (${name}) that openssl verify and certtool accept`, () => {
      const csr = fixture(`openssl/sign-${name}.csr`);
      const out = tmp.file(`openssl-${name}.pem`);
      const r = kymanJson(['cert', 'sign', csr, '--db', db, '--ca', 'root', '--out', out, '--profile', 'server', '--days', '90']);
      assert.equal(r.__status, 0, r.__stderr);
      peersAccept(out, 'sslserver');
      const text = tool('openssl', ['x509', '-in', out, '-noout', '-text', '-serial']).stdout;
      assert.match(text, new RegExp(`DNS:${name}\\.example\\.com, IP Address:127\\.0\\.0\\.1`));
      assert.match(text, /TLS Web Server Authentication/);
      assert.doesNotMatch(text, /TLS Web Client Authentication/);
      assert.match(text, name === 'rsa' ? /Digital Signature, Key Encipherment/ : /Digital Signature\n/);
      assert.match(text, /X509v3 Subject Key Identifier/);
      assert.match(text, /X509v3 Authority Key Identifier/);
      assert.match(text, /CA:FALSE/);
      // 128 random bits: 16 or 17 octets once the sign octet is counted, never fewer than 15 by chance alone.
      const serial = /serial=([0-9A-F]+)/.exec(text)![1];
      assert.ok(serial.length >= 30 && serial.length <= 34, serial);
      assert.equal(r.certificate.issuer, 'CN=Sign Test Root,O=Example');
      // Valid for 90 days from now (give or take the five-minute backdating).
      const days = (Date.parse(r.certificate.notAfter) - Date.now()) / 86_400_000;
      assert.ok(days > 89.9 && days <= 90.01, String(days));
    });
  }

  it('signs a keytool -certreq request, and keytool installs the reply', () => {
    const ks = tmp.file('keytool.p12');
    const ktArgs = ['-keystore', ks, '-storetype', 'PKCS12', '-storepass', env.KS_PASS];
    copyFileSync(fixture('keytool/sign-srv.p12'), ks);
    const csr = fixture('keytool/sign-srv.csr');
    const out = tmp.file('keytool.pem');
    ok(kyman(['cert', 'sign', csr, '--db', db, '--ca', 'root', '--out', out, '--profile', 'any']), 'cert sign');
    peersAccept(out, 'sslserver');
    peersAccept(out, 'sslclient');
    assert.match(tool('openssl', ['x509', '-in', out, '-noout', '-ext', 'subjectAltName']).stdout, /DNS:kt\.example\.com/);
    ok(tool('keytool', ['-importcert', '-alias', 'root', '-file', caPem, '-trustcacerts', '-noprompt', ...ktArgs]), 'keytool import CA');
    const reply = tool('keytool', ['-importcert', '-alias', 'srv', '-file', out, '-noprompt', ...ktArgs]);
    ok(reply, 'keytool import reply');
    assert.match(reply.stdout + reply.stderr, /Certificate reply was installed in keystore/);
    const list = tool('keytool', ['-list', '-v', '-alias', 'srv', ...ktArgs]);
    assert.match(list.stdout, /Certificate chain length: 2/);
  });

  it('writes DER with --der, and refuses an existing file without --force (exit 6)', () => {
    const csr = fixture('openssl/sign-ec.csr');
    const out = tmp.file('der.cer');
    ok(kyman(['cert', 'sign', csr, '--db', db, '--ca', 'root', '--out', out, '--der']), 'sign --der');
    const before = readFileSync(out);
    assert.equal(before[0], 0x30);
    ok(tool('openssl', ['verify', '-CAfile', caPem, '-purpose', 'sslclient', pemFile(out)]), 'openssl verify DER');
    expectCleanFailure(kyman(['cert', 'sign', csr, '--db', db, '--ca', 'root', '--out', out]), 6, /already exists/);
    assert.deepEqual(readFileSync(out), before);
    ok(kyman(['cert', 'sign', csr, '--db', db, '--ca', 'root', '--out', out, '--der', '--force', '--san', 'dns:override.example.com']), 'sign --force --san');
    assert.match(tool('openssl', ['x509', '-inform', 'DER', '-in', out, '-noout', '-ext', 'subjectAltName']).stdout, /DNS:override\.example\.com\s*$/);
  });

  function pemFile(derFile: string): string {
    const p = `${derFile}.pem`;
    writeFileSync(p, pemOf('CERTIFICATE', readFileSync(derFile)));
    return p;
  }

  it('refuses a CA request unless --profile ca, and then makes a CA that can sign', () => {
    const csr = fixture('openssl/sign-sub-ca.csr');
    const out = tmp.file('sub-ca.pem');
    const before = readFileSync(db);
    expectCleanFailure(kyman(['cert', 'sign', csr, '--db', db, '--ca', 'root', '--out', out]), 2, /asks for a CA certificate.*ca profile/);
    assert.equal(existsSync(out), false);
    ok(kyman(['cert', 'sign', csr, '--db', db, '--ca', 'root', '--out', out, '--profile', 'ca', '--path-length', '0']), 'sign --profile ca');
    assert.deepEqual(readFileSync(db), before);
    const text = tool('openssl', ['x509', '-in', out, '-noout', '-text']).stdout;
    assert.match(text, /CA:TRUE, pathlen:0/);
    assert.match(text, /Certificate Sign, CRL Sign/);
    assert.doesNotMatch(text, /Extended Key Usage/);
    ok(tool('openssl', ['verify', '-CAfile', caPem, out]), 'openssl verify sub CA');
    // The sub CA signs a leaf with openssl; the three-link chain validates in kyman and openssl.
    const leafCsr = tmp.file('under-sub.csr');
    ok(tool('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', tmp.file('under-sub.key'), '-subj', '/CN=under.example.com', '-out', leafCsr]), 'leaf req');
    const leaf = tmp.file('under-sub.pem');
    ok(tool('openssl', ['x509', '-req', '-in', leafCsr, '-CA', out, '-CAkey', fixture('openssl/sign-sub-ca.key'), '-CAcreateserial', '-days', '30', '-out', leaf]), 'openssl x509 -req');
    writeFileSync(tmp.file('under-chain.pem'), readFileSync(leaf, 'utf8') + readFileSync(out, 'utf8'));
    ok(kyman(['cert', 'validate', tmp.file('under-chain.pem'), '--ca-file', caPem, '--host', 'under.example.com']), 'validate 3-chain');
    ok(tool('openssl', ['verify', '-CAfile', caPem, '-untrusted', out, leaf]), 'openssl 3-chain');
  });

  it('signs with RSA PKCS #1, RSA-PSS (--rsa-pss), ECDSA P-384 and Ed25519 CAs', () => {
    const csr = fixture('openssl/sign-ec.csr');
    for (const [label, key, extra, alg] of [
      ['rsa-ca', 'rsa:2048', [], /sha256WithRSAEncryption/],
      ['rsa-ca', 'rsa:2048', ['--rsa-pss'], /rsassaPss[\s\S]*Hash Algorithm: sha256[\s\S]*Salt Length: 0x20/],
      ['p384-ca', 'ec:p384', [], /ecdsa-with-SHA384/],
      ['p521-ca', 'ec:p521', [], /ecdsa-with-SHA512/],
      ['ed-ca', 'ed25519', [], /ED25519/],
    ] as const) {
      if (!kymanJson(['cert', 'list', '--db', db]).entries.some((e: any) => e.label === label)) {
        ok(kyman(['cert', 'create', label, '--db', db, '--subject', `CN=${label}`, '--ca', '--key', key]), `create ${label}`);
      }
      const ca = tmp.file(`${label}.pem`);
      if (!existsSync(ca)) ok(kyman(['cert', 'export', label, '--db', db, '--out', ca]), 'export');
      const out = tmp.file(`by-${label}${extra.length ? '-pss' : ''}.pem`);
      ok(kyman(['cert', 'sign', csr, '--db', db, '--ca', label, '--out', out, '--profile', 'server', ...extra]), `sign by ${label}`);
      assert.match(tool('openssl', ['x509', '-in', out, '-noout', '-text']).stdout, alg);
      peersAccept(out, 'sslserver', ca);
    }
  });

  it('refuses bad requests and a CA without its key, one line each, nothing changed', () => {
    const before = readFileSync(db);
    const out = tmp.file('never.pem');
    // A request whose signature was damaged: the last octet of the signature changed.
    const der = derOfPem(readFileSync(fixture('openssl/sign-rsa.csr'), 'utf8'));
    der[der.length - 1] ^= 0x55;
    const broken = tmp.file('broken.csr');
    writeFileSync(broken, pemOf('CERTIFICATE REQUEST', der));
    expectCleanFailure(kyman(['cert', 'sign', broken, '--db', db, '--ca', 'root', '--out', out]), 5, /signature does not verify/);
    const malformed = tmp.file('malformed.csr');
    writeFileSync(malformed, '-----BEGIN CERTIFICATE REQUEST-----\nMIIBnotbase64atall!!\n-----END CERTIFICATE REQUEST-----\n');
    expectCleanFailure(kyman(['cert', 'sign', malformed, '--db', db, '--ca', 'root', '--out', out]), 5);
    writeFileSync(malformed, 'this is not a request\n');
    expectCleanFailure(kyman(['cert', 'sign', malformed, '--db', db, '--ca', 'root', '--out', out]), 5);
    const csr = fixture('openssl/sign-ec.csr');
    expectCleanFailure(kyman(['cert', 'sign', csr, '--db', db, '--ca', 'root', '--out', out, '--profile', 'email']), 2);
    expectCleanFailure(kyman(['cert', 'sign', csr, '--db', db, '--ca', 'no-such-ca', '--out', out]), 4, /no entry labelled "no-such-ca"/);
    expectCleanFailure(kyman(['cert', 'sign', tmp.file('no.csr'), '--db', db, '--ca', 'root', '--out', out]), 4);
    // A database that holds the CA certificate only.
    const other = tmp.file('other.kdb');
    ok(kyman(['db', 'create', other, '--pass', 'env:KDB_PASS', '--stash'], { env }), 'db create other');
    ok(kyman(['cert', 'import', caPem, '--db', other, '--label', 'root']), 'import CA certificate');
    const otherBefore = readFileSync(other);
    expectCleanFailure(kyman(['cert', 'sign', csr, '--db', other, '--ca', 'root', '--out', out]), 4, /CA entry "root" has no private key/);
    expectCleanFailure(kyman(['cert', 'issue', 'x', '--db', other, '--ca', 'root', '--subject', 'CN=x']), 4, /no private key/);
    // A leaf as the "CA": refused as a usage error.
    ok(kyman(['cert', 'create', 'leafy', '--db', other, '--subject', 'CN=leafy']), 'create leaf');
    const otherWithLeaf = readFileSync(other);
    expectCleanFailure(kyman(['cert', 'sign', csr, '--db', other, '--ca', 'leafy', '--out', out]), 2, /not a CA certificate/);
    assert.deepEqual(readFileSync(db), before);
    assert.notDeepEqual(otherBefore, otherWithLeaf);
    assert.deepEqual(readFileSync(other), otherWithLeaf);
    assert.equal(existsSync(out), false);
  });

  it('issues a key pair signed by the CA into the database; cert validate accepts it from the label', () => {
    const r = kymanJson(['cert', 'issue', 'web', '--db', db, '--ca', 'root', '--subject', 'CN=web.example.com,O=Example', '--san', 'dns:web.example.com', '--profile', 'server', '--days', '30']);
    assert.equal(r.__status, 0, r.__stderr);
    assert.equal(r.certificate.issuer, 'CN=Sign Test Root,O=Example');
    assert.deepEqual(r.certificate.extendedKeyUsage, ['serverAuth']);
    const pem = tmp.file('web.pem');
    ok(kyman(['cert', 'export', 'web', '--db', db, '--out', pem]), 'export web');
    peersAccept(pem, 'sslserver');
    const v = kymanJson(['cert', 'validate', 'web', '--db', db, '--purpose', 'server', '--host', 'web.example.com']);
    assert.equal(v.__status, 0, JSON.stringify(v.reason));
    assert.deepEqual(v.chain.map((c: any) => c.subject), ['CN=web.example.com,O=Example', 'CN=Sign Test Root,O=Example']);
    const bad = kymanJson(['cert', 'validate', 'web', '--db', db, '--purpose', 'client', '--host', 'web.example.com']);
    assert.equal(bad.__status, 1);
    assert.equal(bad.reason.code, 'purpose');
    const human = kyman(['cert', 'validate', 'web', '--db', db, '--host', 'www.other.com']);
    assert.equal(human.status, 1);
    assert.match(human.stdout, /not valid: host name www\.other\.com does not match dns:web\.example\.com/);

    // An RSA client certificate signed with RSA-PSS, made the default key.
    const c = kymanJson(['cert', 'issue', 'alice', '--db', db, '--ca', 'rsa-ca', '--subject', 'CN=Alice', '--profile', 'client', '--key', 'rsa:2048', '--rsa-pss', '--default']);
    assert.equal(c.__status, 0, c.__stderr);
    assert.equal(c.isDefault, true);
    assert.equal(c.certificate.signatureAlgorithm, 'RSASSA-PSS (SHA-256)');
    assert.deepEqual(c.certificate.keyUsage, ['digitalSignature']);
    const alice = tmp.file('alice.pem');
    ok(kyman(['cert', 'export', 'alice', '--db', db, '--out', alice]), 'export alice');
    peersAccept(alice, 'sslclient', tmp.file('rsa-ca.pem'));

    const before = readFileSync(db);
    expectCleanFailure(kyman(['cert', 'issue', 'web', '--db', db, '--ca', 'root', '--subject', 'CN=again']), 6, /already exists/);
    expectCleanFailure(kyman(['cert', 'issue', 'x', '--db', db, '--ca', 'root', '--subject', 'CN=x', '--profile', 'email']), 2);
    expectCleanFailure(kyman(['cert', 'issue', 'x', '--db', db, '--ca', 'root', '--subject', 'CN=x', '--san', 'bogus:y']), 2);
    assert.deepEqual(readFileSync(db), before);
  });
});
