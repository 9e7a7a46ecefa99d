// Certificates kyman makes and reads: validity, serial numbers, key usages, signature schemes and malformed input.

import assert from 'node:assert/strict';
import { createSoftwareProvider, parseKeySpec, type PrivateKeyHandle } from '../../../src/core/crypto/index.js';
import {
  createCertificate,
  publicKeyMatches,
  readCertificate,
  signatureAlgorithmIdentifier,
  signatureSchemeFor,
  signatureSchemeOf,
  summarizeCertificate,
  verifyCertificateSignature,
  type CertificateOptions,
} from '../../../src/core/pki/certificate/index.js';
import { hex, pem, rejectsWith, throwsWith, KEY_SPECS } from '../../helpers/certificate-checks.js';

const provider = createSoftwareProvider();

describe('certificates', function () {
  this.timeout(120_000);
  const keys = new Map<string, PrivateKeyHandle>();

  before(async () => {
    for (const spec of KEY_SPECS) keys.set(spec, await provider.generateKeyPair(parseKeySpec(spec)!));
  });

  describe('a CA and the leaves it signs', () => {
    it('never lets a leaf outlive its issuer', async () => {
      const caKey = keys.get('ec:p256')!;
      const now = new Date('2031-01-01T00:00:00Z');
      const caDer = await createCertificate(provider, { subject: 'CN=Short CA', subjectKey: caKey, ca: true, now, days: 30 });
      const leafDer = await createCertificate(provider, { subject: 'CN=leaf', subjectKey: keys.get('ed25519')!, issuer: { certificate: caDer, key: caKey }, now, days: 365 });
      assert.equal(readCertificate(provider, leafDer).notAfter.getTime(), readCertificate(provider, caDer).notAfter.getTime());
      await rejectsWith(
        createCertificate(provider, { subject: 'CN=late', subjectKey: keys.get('ed25519')!, issuer: { certificate: caDer, key: caKey }, now: new Date('2032-01-01T00:00:00Z') }),
        'USAGE',
        'expires',
      );
    });

    it('is not fooled by a certificate whose subject names its issuer but another key signed it', async () => {
      const caKey = keys.get('ec:p256')!;
      const caDer = await createCertificate(provider, { subject: 'CN=Same Name', subjectKey: caKey, ca: true });
      const twinDer = await createCertificate(provider, { subject: 'CN=Same Name', subjectKey: keys.get('ec:p384')!, issuer: { certificate: caDer, key: caKey } });
      const twin = readCertificate(provider, twinDer);
      assert.equal(twin.subject, twin.issuer);
      assert.equal(twin.selfSigned, false);
    });

    it('refuses an issuer that is not a CA, or a key that is not the issuer’s', async () => {
      const leafKey = keys.get('ec:p256')!;
      const leafDer = await createCertificate(provider, { subject: 'CN=not a ca', subjectKey: leafKey });
      await rejectsWith(createCertificate(provider, { subject: 'CN=x', subjectKey: keys.get('ed25519')!, issuer: { certificate: leafDer, key: leafKey } }), 'USAGE', 'not a CA');
      const caDer = await createCertificate(provider, { subject: 'CN=CA', subjectKey: leafKey, ca: true });
      await rejectsWith(
        createCertificate(provider, { subject: 'CN=x', subjectKey: keys.get('ed25519')!, issuer: { certificate: caDer, key: keys.get('ec:p384')! } }),
        'USAGE',
        'does not belong',
      );
      const noSign = await createCertificate(provider, { subject: 'CN=CA', subjectKey: leafKey, ca: true, keyUsage: ['cRLSign'] });
      await rejectsWith(createCertificate(provider, { subject: 'CN=x', subjectKey: keys.get('ed25519')!, issuer: { certificate: noSign, key: leafKey } }), 'USAGE', 'keyCertSign');
    });
  });

  describe('options', () => {
    it('encodes a given serial number as a minimal positive INTEGER', async () => {
      const key = keys.get('ec:p256')!;
      const serialOf = async (serialNumber: Uint8Array) => readCertificate(provider, await createCertificate(provider, { subject: 'CN=s', subjectKey: key, serialNumber })).serialNumber;
      assert.equal(await serialOf(Uint8Array.of(0x80, 0x01)), '8001');
      assert.equal(await serialOf(Uint8Array.of(0, 0, 0x12)), '12');
      const der = await createCertificate(provider, { subject: 'CN=s', subjectKey: key, serialNumber: Uint8Array.of(0x80, 0x01) });
      assert.ok(hex(der).includes('0203008001'));
      await rejectsWith(createCertificate(provider, { subject: 'CN=s', subjectKey: key, serialNumber: Uint8Array.of(0, 0) }), 'USAGE', 'positive');
      await rejectsWith(createCertificate(provider, { subject: 'CN=s', subjectKey: key, serialNumber: new Uint8Array(21).fill(1) }), 'USAGE', '20 octets');
    });

    it('takes key usages and extended key usages by name or OID', async () => {
      const der = await createCertificate(provider, {
        subject: 'CN=custom',
        subjectKey: keys.get('ec:p256')!,
        keyUsage: ['digitalSignature', 'contentCommitment', 'keyAgreement'],
        extendedKeyUsage: ['codeSigning', '1.3.6.1.4.1.99999.1'],
      });
      const info = readCertificate(provider, der);
      assert.deepEqual(info.keyUsage, ['digitalSignature', 'nonRepudiation', 'keyAgreement']);
      assert.deepEqual(info.extendedKeyUsage, ['codeSigning', '1.3.6.1.4.1.99999.1']);
      assert.equal(info.extensions.find((e) => e.name === 'keyUsage')?.value, 'Digital Signature, Non Repudiation, Key Agreement');
    });

    const bad: Array<[string, Partial<CertificateOptions>, string]> = [
      ['an unknown attribute type', { subject: 'XX=1' }, '"XX"'],
      ['an unknown SAN type', { subjectAltNames: ['foo:bar'] }, '"foo"'],
      ['a bad IP address', { subjectAltNames: ['ip:1.2.3.256'] }, 'not an IPv4 or IPv6 address'],
      ['a path length on a leaf', { pathLength: 0 }, 'path length'],
      ['keyCertSign on a leaf', { keyUsage: ['keyCertSign'] }, 'keyCertSign'],
      ['an unknown key usage', { keyUsage: ['signEverything'] }, 'signEverything'],
      ['an unknown extended key usage', { extendedKeyUsage: ['webAuth'] }, 'webAuth'],
      ['an empty subject without SANs', { subject: '' }, 'subject alternative name'],
      ['zero days', { days: 0 }, 'positive'],
      ['both notAfter and days', { days: 3, notAfter: new Date('2040-01-01T00:00:00Z') }, 'not both'],
      ['notAfter before notBefore', { notBefore: new Date('2040-01-01T00:00:00Z'), notAfter: new Date('2039-01-01T00:00:00Z') }, 'later'],
    ];

    for (const [what, options, mention] of bad) {
      it(`refuses ${what} with USAGE`, async () => {
        await rejectsWith(createCertificate(provider, { subject: 'CN=x', subjectKey: keys.get('ec:p256')!, ...options }), 'USAGE', mention);
      });
    }

    it('refuses to self-sign with only a public key', async () => {
      await rejectsWith(createCertificate(provider, { subject: 'CN=x', subjectKey: keys.get('ec:p256')!.spki }), 'USAGE', 'private key');
    });

    it('refuses a subject public key that is not a SubjectPublicKeyInfo', async () => {
      const caKey = keys.get('ec:p256')!;
      const caDer = await createCertificate(provider, { subject: 'CN=CA', subjectKey: caKey, ca: true });
      await rejectsWith(createCertificate(provider, { subject: 'CN=x', subjectKey: Uint8Array.of(1, 2, 3), issuer: { certificate: caDer, key: caKey } }), 'BAD_INPUT');
    });
  });

  describe('signature schemes', () => {
    it('picks the hash from the curve and the salt from the hash', () => {
      assert.deepEqual(signatureSchemeFor({ type: 'ec', curve: 'P-256' }), { type: 'ecdsa', hash: 'SHA-256' });
      assert.deepEqual(signatureSchemeFor({ type: 'ec', curve: 'P-384' }), { type: 'ecdsa', hash: 'SHA-384' });
      assert.deepEqual(signatureSchemeFor({ type: 'ec', curve: 'P-521' }), { type: 'ecdsa', hash: 'SHA-512' });
      assert.deepEqual(signatureSchemeFor({ type: 'rsa' }), { type: 'rsa-pkcs1', hash: 'SHA-256' });
      assert.deepEqual(signatureSchemeFor({ type: 'rsa' }, 'SHA-512', true), { type: 'rsa-pss', hash: 'SHA-512', saltLength: 64 });
      assert.deepEqual(signatureSchemeFor({ type: 'ed25519' }, 'SHA-512', true), { type: 'ed25519' });
    });

    it('maps schemes to AlgorithmIdentifiers and back', () => {
      for (const scheme of [
        { type: 'ecdsa', hash: 'SHA-256' },
        { type: 'ecdsa', hash: 'SHA-512' },
        { type: 'rsa-pkcs1', hash: 'SHA-384' },
        { type: 'rsa-pss', hash: 'SHA-256', saltLength: 32 },
        { type: 'ed25519' },
      ] as const) {
        assert.deepEqual(signatureSchemeOf(signatureAlgorithmIdentifier(scheme)), scheme);
      }
    });
  });

  describe('malformed input', () => {
    let good: Uint8Array;

    before(async () => {
      good = await createCertificate(provider, { subject: 'CN=good', subjectKey: keys.get('ec:p256')! });
    });

    const cases: Array<[string, () => Uint8Array]> = [
      ['empty input', () => new Uint8Array(0)],
      ['random bytes', () => Uint8Array.from({ length: 64 }, (_, i) => (i * 37 + 11) & 0xff)],
      ['a truncated certificate', () => good.subarray(0, good.length - 10)],
      ['a trailing byte', () => Uint8Array.of(...good, 0)],
      ['a certificate with its TBS length broken', () => Uint8Array.from(good, (b, i) => (i === 5 ? b + 1 : b))],
      ['an indefinite length', () => Uint8Array.of(0x30, 0x80, 0x00, 0x00)],
      ['a Name alone', () => Uint8Array.of(0x30, 0x00)],
    ];

    for (const [what, bytes] of cases) {
      it(`throws BAD_INPUT on ${what}`, () => {
        throwsWith(() => readCertificate(provider, bytes()), 'BAD_INPUT');
        throwsWith(() => summarizeCertificate(bytes()), 'BAD_INPUT');
        throwsWith(() => verifyCertificateSignature(provider, bytes(), keys.get('ec:p256')!.spki), 'BAD_INPUT');
        throwsWith(() => publicKeyMatches(bytes(), keys.get('ec:p256')!.spki), 'BAD_INPUT');
      });
    }

    it('says so when it is handed PEM', () => {
      throwsWith(() => readCertificate(provider, new TextEncoder().encode(pem(good))), 'BAD_INPUT', 'PEM');
    });

    it('reports a tampered signature as not verifying, and the certificate as not self-signed', () => {
      const tampered = good.slice();
      tampered[tampered.length - 5] ^= 0x01;
      assert.equal(verifyCertificateSignature(provider, tampered, keys.get('ec:p256')!.spki), false);
      assert.equal(readCertificate(provider, tampered).selfSigned, false);
    });
  });
});
