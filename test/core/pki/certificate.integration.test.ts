// Certificates kyman makes, checked by openssl, certtool and keytool; and certificates openssl made, read as openssl reads them.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AsnConvert, AsnParser } from '@peculiar/asn1-schema';
import { Certificate } from '@peculiar/asn1-x509';
import { createSoftwareProvider, parseKeySpec, type PrivateKeyHandle } from '../../../src/core/crypto/index.js';
import {
  createCertificate,
  describePublicKey,
  publicKeyMatches,
  readCertificate,
  summarizeCertificate,
  verifyCertificateSignature,
} from '../../../src/core/pki/certificate/index.js';
import { hex, pem, derOfPem, assertSummaryAgrees, SANS, KEY_SPECS, EXPECTED_SIGNATURE } from '../../helpers/certificate-checks.js';
import { fixture } from '../../helpers/fixtures.js';

const provider = createSoftwareProvider();

function run(command: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(command, args, { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function ok(command: string, args: string[]): string {
  const r = run(command, args);
  assert.equal(r.status, 0, `${command} ${args.join(' ')}\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** `notAfter=Jan  1 00:00:00 2050 GMT` → Date */
const opensslDate = (line: string) => new Date(line.slice(line.indexOf('=') + 1).trim().replace(' GMT', 'Z').replace(/ +/g, ' '));

describe('certificates with openssl, certtool and keytool', function () {
  this.timeout(120_000);
  const dir = mkdtempSync(join(tmpdir(), 'kyman-cert-'));
  const keys = new Map<string, PrivateKeyHandle>();
  const write = (name: string, der: Uint8Array) => {
    const file = join(dir, name);
    writeFileSync(file, pem(der));
    return file;
  };

  before(async () => {
    for (const spec of KEY_SPECS) keys.set(spec, await provider.generateKeyPair(parseKeySpec(spec)!));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  describe('self-signed, for each key type, checked by openssl, certtool and keytool', () => {
    for (const spec of KEY_SPECS) {
      for (const ca of [true, false]) {
        const kind = ca ? 'CA' : 'leaf';
        it(`${spec} ${kind}`, async () => {
          const key = keys.get(spec)!;
          const der = await createCertificate(provider, {
            subject: `CN=${spec} ${kind},O=Example\\, Inc.,C=US`,
            subjectKey: key,
            subjectAltNames: SANS,
            ca,
            pathLength: ca ? 1 : undefined,
          });
          const file = write(`self-${spec.replace(':', '')}-${kind}.pem`, der);
          assert.match(ok('openssl', ['verify', '-CAfile', file, file]), /: OK/);
          ok('certtool', ['--certificate-info', '--infile', file]);
          ok('keytool', ['-printcert', '-file', file]);

          const text = ok('openssl', ['x509', '-in', file, '-text', '-noout']);
          assert.match(text, /Version: 3 \(0x2\)/);
          assert.match(text, /X509v3 Basic Constraints: critical\n\s+CA:(TRUE, pathlen:1|FALSE)/);
          assert.ok(text.includes(ca ? 'CA:TRUE, pathlen:1' : 'CA:FALSE'));
          assert.match(text, /X509v3 Key Usage: critical\n/);
          const usages = ca ? 'Digital Signature, Certificate Sign, CRL Sign' : spec === 'rsa:2048' ? 'Digital Signature, Key Encipherment' : 'Digital Signature';
          assert.ok(text.includes(`X509v3 Key Usage: critical\n                ${usages}\n`), text);
          if (ca) assert.ok(!text.includes('Extended Key Usage'));
          else assert.ok(text.includes('TLS Web Server Authentication, TLS Web Client Authentication'));
          assert.ok(
            text.includes(
              'DNS:www.example.com, DNS:*.example.com, IP Address:192.0.2.1, IP Address:2001:DB8:0:0:0:0:0:1, email:admin@example.com, URI:https://example.com/about',
            ),
            text,
          );
          assert.match(text, /X509v3 Subject Alternative Name: \n/); // not critical: the subject is not empty
          assert.match(text, /X509v3 Subject Key Identifier: \n/);
          assert.match(text, /X509v3 Authority Key Identifier: \n/);
          assert.ok(text.includes(`Signature Algorithm: ${EXPECTED_SIGNATURE[spec].openssl}`), text);

          const info = readCertificate(provider, der);
          assert.equal(info.selfSigned, true);
          assert.equal(info.isCA, ca);
          assert.equal(info.pathLength, ca ? 1 : undefined);
          assert.equal(info.subject, `CN=${spec} ${kind},O=Example\\, Inc.,C=US`);
          assert.equal(info.issuer, info.subject);
          assert.deepEqual(info.subjectAltNames, SANS);
          assert.equal(info.signatureAlgorithm, EXPECTED_SIGNATURE[spec].name);
          assert.equal(info.subjectKeyIdentifier, info.authorityKeyIdentifier);
          // RFC 5280 §4.2.1.2 method 1, as openssl computes it
          assert.equal(info.subjectKeyIdentifier, ok('openssl', ['x509', '-in', file, '-noout', '-ext', 'subjectKeyIdentifier']).split('\n')[1].trim().replace(/:/g, '').toLowerCase());
          assert.deepEqual(info.publicKey.spki, key.spki);
          assert.equal(describePublicKey(info.publicKey), summarizeCertificate(der).keyType);
          // The signature AlgorithmIdentifier is encoded exactly as RFC 4055/5758/8410 say.
          const cert = AsnParser.parse(der, Certificate);
          assert.equal(hex(AsnConvert.serialize(cert.signatureAlgorithm)), EXPECTED_SIGNATURE[spec].algid);
          assert.equal(hex(AsnConvert.serialize(cert.tbsCertificate.signature)), EXPECTED_SIGNATURE[spec].algid);
          assertSummaryAgrees(der, info);
        });
      }
    }
  });

  describe('a CA and the leaves it signs', () => {
    it('issues a leaf for a public key alone that openssl verifies against the CA', async () => {
      const caKey = keys.get('ec:p384')!;
      const now = new Date('2030-06-01T12:00:00Z');
      const caDer = await createCertificate(provider, { subject: 'CN=Example Root CA,O=Example,C=US', subjectKey: caKey, ca: true, now, days: 3650 });
      const leafDer = await createCertificate(provider, {
        subject: 'CN=www.example.com,O=Example,C=US',
        subjectKey: keys.get('rsa:2048')!.spki,
        issuer: { certificate: caDer, key: caKey },
        subjectAltNames: ['dns:www.example.com'],
        now,
        days: 90,
      });
      const caFile = write('ca.pem', caDer);
      const leafFile = write('leaf.pem', leafDer);
      assert.match(ok('openssl', ['verify', '-attime', String(now.getTime() / 1000 + 3600), '-CAfile', caFile, leafFile]), /: OK/);
      ok('certtool', ['--certificate-info', '--infile', leafFile]);

      const ca = readCertificate(provider, caDer);
      const leaf = readCertificate(provider, leafDer);
      assert.equal(leaf.issuer, ca.subject);
      assert.equal(leaf.authorityKeyIdentifier, ca.subjectKeyIdentifier);
      assert.notEqual(leaf.subjectKeyIdentifier, ca.subjectKeyIdentifier);
      assert.equal(leaf.selfSigned, false);
      assert.equal(leaf.isCA, false);
      assert.equal(leaf.signatureAlgorithm, 'ecdsa-with-SHA384'); // the issuer's key decides
      assert.deepEqual(leaf.keyUsage, ['digitalSignature', 'keyEncipherment']); // the subject's (RSA) key decides
      assert.deepEqual(leaf.extendedKeyUsage, ['serverAuth', 'clientAuth']);
      assert.deepEqual(ca.keyUsage, ['digitalSignature', 'keyCertSign', 'cRLSign']);
      assert.deepEqual(ca.extendedKeyUsage, []);
      assert.equal(leaf.notBefore.toISOString(), '2030-06-01T11:55:00.000Z');
      assert.equal(leaf.notAfter.toISOString(), '2030-08-30T12:00:00.000Z');
      assert.equal(verifyCertificateSignature(provider, leafDer, ca.publicKey.spki), true);
      assert.equal(verifyCertificateSignature(provider, leafDer, leaf.publicKey.spki), false);
      assert.equal(verifyCertificateSignature(provider, caDer, ca.publicKey.spki), true);
      assertSummaryAgrees(caDer, ca);
      assertSummaryAgrees(leafDer, leaf);
    });

    it('signs with RSASSA-PSS when asked, with every parameter spelled out, and openssl verifies it', async () => {
      const caKey = keys.get('rsa:2048')!;
      const caDer = await createCertificate(provider, { subject: 'CN=PSS Root', subjectKey: caKey, ca: true, rsaPss: true });
      const leafDer = await createCertificate(provider, {
        subject: 'CN=pss.example.com',
        subjectKey: keys.get('ec:p256')!.spki,
        issuer: { certificate: caDer, key: caKey },
        rsaPss: true,
        signatureHash: 'SHA-384',
      });
      const caFile = write('pss-ca.pem', caDer);
      const leafFile = write('pss-leaf.pem', leafDer);
      assert.match(ok('openssl', ['verify', '-CAfile', caFile, caFile]), /: OK/);
      assert.match(ok('openssl', ['verify', '-CAfile', caFile, leafFile]), /: OK/);
      ok('certtool', ['--certificate-info', '--infile', leafFile]);
      const text = ok('openssl', ['x509', '-in', leafFile, '-noout', '-text']);
      assert.match(text, /Hash Algorithm: sha384\s+Mask Algorithm: mgf1 with sha384\s+Salt Length: 0x30/);
      assert.equal(readCertificate(provider, caDer).signatureAlgorithm, 'RSASSA-PSS (SHA-256)');
      assert.equal(readCertificate(provider, leafDer).signatureAlgorithm, 'RSASSA-PSS (SHA-384)');
      assert.equal(readCertificate(provider, caDer).selfSigned, true);
      // RFC 4055 §3.1: id-RSASSA-PSS { hashAlgorithm sha256 NULL, maskGenAlgorithm mgf1(sha256 NULL), saltLength 32 }
      const cert = AsnParser.parse(caDer, Certificate);
      assert.equal(
        hex(AsnConvert.serialize(cert.signatureAlgorithm)),
        '304106092a864886f70d01010a3034a00f300d06096086480165030402010500a11c301a06092a864886f70d010108300d06096086480165030402010500a203020120',
      );
    });
  });

  describe('options', () => {
    it('draws a 128-bit positive serial number from the provider and backdates notBefore by five minutes', async () => {
      const seeded = createSoftwareProvider({ random: (n) => new Uint8Array(n).fill(0xff) });
      const now = new Date('2035-03-04T05:06:07.890Z');
      const der = await createCertificate(seeded, { subject: 'CN=serial', subjectKey: keys.get('ec:p256')!, now });
      const info = readCertificate(provider, der);
      assert.equal(info.serialNumber, '7f' + 'ff'.repeat(15));
      assert.equal(info.notBefore.toISOString(), '2035-03-04T05:01:07.000Z');
      assert.equal(info.notAfter.toISOString(), '2036-03-03T05:06:07.000Z'); // 365 days from now
      const file = write('serial.pem', der);
      assert.equal(ok('openssl', ['x509', '-in', file, '-noout', '-serial']).trim(), `serial=7F${'FF'.repeat(15)}`);
    });

    it('writes UTCTime through 2049 and GeneralizedTime from 2050 (RFC 5280 §4.1.2.5)', async () => {
      const der = await createCertificate(provider, {
        subject: 'CN=dates',
        subjectKey: keys.get('ec:p256')!,
        notBefore: new Date('2049-12-31T23:59:59Z'),
        notAfter: new Date('2050-01-01T00:00:00Z'),
      });
      assert.ok(hex(der).includes('170d3439313233313233353935395a180f32303530303130313030303030305a'));
      const file = write('dates.pem', der);
      const info = readCertificate(provider, der);
      assert.equal(opensslDate(ok('openssl', ['x509', '-in', file, '-noout', '-startdate'])).getTime(), info.notBefore.getTime());
      assert.equal(opensslDate(ok('openssl', ['x509', '-in', file, '-noout', '-enddate'])).getTime(), info.notAfter.getTime());
      assert.equal(info.notAfter.toISOString(), '2050-01-01T00:00:00.000Z');
      assertSummaryAgrees(der, info);
    });

    it('makes subjectAltName critical when the subject is empty (RFC 5280 §4.1.2.6)', async () => {
      const der = await createCertificate(provider, { subject: '', subjectKey: keys.get('ec:p256')!, subjectAltNames: ['dns:nameless.example.com'] });
      const info = readCertificate(provider, der);
      assert.equal(info.subject, '');
      assert.equal(info.extensions.find((e) => e.name === 'subjectAltName')?.critical, true);
      const file = write('empty-subject.pem', der);
      assert.match(ok('openssl', ['x509', '-in', file, '-noout', '-text']), /X509v3 Subject Alternative Name: critical/);
      ok('certtool', ['--certificate-info', '--infile', file]);
    });
  });

  describe('reading certificates openssl made', () => {
    const made: Array<{ what: string; args: string[]; keyType: string; signature: string }> = [
      { what: 'RSA', args: ['-newkey', 'rsa:2048'], keyType: 'RSA 2048', signature: 'sha256WithRSAEncryption' },
      { what: 'EC', args: ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384'], keyType: 'EC P-384', signature: 'ecdsa-with-SHA256' },
      { what: 'Ed25519', args: ['-newkey', 'ed25519'], keyType: 'Ed25519', signature: 'Ed25519' },
    ];

    for (const m of made) {
      it(`reads an openssl req -x509 ${m.what} certificate as openssl does`, () => {
        // openssl req -x509 m.args with a rich subject and one SAN of each type (fixtures/README.md).
        const base = fixture(`openssl/x509-${m.what}.pem`).replace(/\.pem$/, '');
        const der = derOfPem(readFileSync(`${base}.pem`, 'utf8'));
        const info = readCertificate(provider, der);
        const field = (...args: string[]) => ok('openssl', ['x509', '-in', `${base}.pem`, '-noout', ...args]).trim();
        assert.equal(`subject=${info.subject}`, field('-subject', '-nameopt', 'RFC2253'));
        assert.equal(`issuer=${info.issuer}`, field('-issuer', '-nameopt', 'RFC2253'));
        assert.equal(`serial=${info.serialNumber.toUpperCase()}`, field('-serial'));
        assert.equal(info.notBefore.getTime(), opensslDate(field('-startdate')).getTime());
        assert.equal(info.notAfter.getTime(), opensslDate(field('-enddate')).getTime());
        assert.equal(`sha1 Fingerprint=${info.fingerprints.sha1}`, field('-fingerprint', '-sha1'));
        assert.equal(`sha256 Fingerprint=${info.fingerprints.sha256}`, field('-fingerprint', '-sha256'));
        assert.deepEqual(info.subjectAltNames, ['dns:host.example.com', 'ip:10.1.2.3', 'ip:2001:db8::42', 'email:ops@example.com', 'uri:https://example.com/']);
        assert.equal(info.selfSigned, true);
        assert.equal(info.version, 3);
        assert.equal(info.isCA, true); // openssl req -x509 marks its certificates CA:TRUE
        assert.equal(info.signatureAlgorithm, m.signature);
        assert.equal(describePublicKey(info.publicKey), m.keyType);
        assert.equal(info.subjectKeyIdentifier, field('-ext', 'subjectKeyIdentifier').split('\n')[1].trim().replace(/:/g, '').toLowerCase());
        const spki = new Uint8Array(spawnSync('openssl', ['pkey', '-in', `${base}.key`, '-pubout', '-outform', 'DER']).stdout);
        assert.deepEqual(info.publicKey.spki, spki);
        assert.equal(publicKeyMatches(der, spki), true);
        assert.equal(publicKeyMatches(der, keys.get('ec:p256')!.spki), false);
        const ext = info.extensions.find((e) => e.name === 'subjectAltName');
        assert.equal(ext?.value, 'DNS:host.example.com, IP Address:10.1.2.3, IP Address:2001:db8::42, email:ops@example.com, URI:https://example.com/');
        assertSummaryAgrees(der, info);
      });
    }
  });
});
