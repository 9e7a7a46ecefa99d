import assert from 'node:assert/strict';
import { KymanError } from '../../../src/core/errors.js';
import * as nodeCrypto from 'node:crypto';
import { AsnConvert, AsnParser } from '@peculiar/asn1-schema';
import { Certificate } from '@peculiar/asn1-x509';
import { P11 } from '../../../src/core/crypto/pkcs11-module.js';
import { layoutCertificate } from '../../../src/core/pki/certificate/layout.js';
import { decodePem } from '../../../src/core/pki/pem.js';
import { certificateObjectTemplate, certificateSpki, isPkcs11Uri, parsePkcs11Uri } from '../../../src/core/keystore/pkcs11-key-store.js';
import { fixtureBytes } from '../../helpers/fixtures.js';

const is = (code: string) => (e: unknown) => e instanceof KymanError && e.code === code;

describe('keystore/pkcs11-key-store: token URIs', () => {
  it('reads RFC 7512 URIs', () => {
    assert.deepEqual(parsePkcs11Uri('pkcs11:token=web'), { tokenLabel: 'web' });
    assert.deepEqual(parsePkcs11Uri('pkcs11:manufacturer=SoftHSM%20project;token=My%20HSM?module-path=/usr/lib/x.so'), { tokenLabel: 'My HSM', module: '/usr/lib/x.so' });
    assert.throws(() => parsePkcs11Uri('pkcs11:object=key'), is('USAGE'));
    assert.throws(() => parsePkcs11Uri('pkcs11:token=%zz'), is('USAGE'));
  });

  it('tells a token URI from a file name', () => {
    assert.equal(isPkcs11Uri('pkcs11:token=web'), true);
    assert.equal(isPkcs11Uri('PKCS11:token=web'), true);
    assert.equal(isPkcs11Uri('./pkcs11:token=web'), false);
    assert.equal(isPkcs11Uri('web.kdb'), false);
  });

  it('ignores attributes that name objects within a token, and keeps percent-encoded labels whole', () => {
    assert.deepEqual(parsePkcs11Uri('pkcs11:token=a%3Bb;object=key;type=private'), { tokenLabel: 'a;b' });
    assert.throws(() => parsePkcs11Uri('web.kdb'), is('USAGE'));
  });
});

describe('keystore/pkcs11-key-store: certificate objects', () => {
  // Certificates other tools made: RSA, EC and Ed25519 keys, names with multi-valued RDNs and
  // escapes, serials with and without a leading zero octet.
  const names = ['openssl/x509-RSA.pem', 'openssl/x509-EC.pem', 'openssl/x509-Ed25519.pem', 'openssl/p12-leaf.pem', 'openssl/file-ca.pem', 'gnutls/leaf.pem', 'keytool/java.cer'];
  const der = (name: string) => (name.endsWith('.cer') ? new Uint8Array(fixtureBytes(name)) : decodePem(fixtureBytes(name))[0].der);
  const value = (template: ReturnType<typeof certificateObjectTemplate>, type: number) => template.find((a) => a.type === type)?.value;

  for (const name of names) {
    it(`${name}: CKA_SUBJECT, CKA_ISSUER and CKA_SERIAL_NUMBER are the certificate's own DER`, () => {
      const cert = der(name);
      const tbs = AsnParser.parse(cert, Certificate).tbsCertificate;
      const template = certificateObjectTemplate('a label', cert, Uint8Array.of(9, 8));
      // What the schema classes write of the parsed fields: what kyman stored before.
      assert.deepEqual(value(template, P11.CKA_SUBJECT), Buffer.from(AsnConvert.serialize(tbs.subject)));
      assert.deepEqual(value(template, P11.CKA_ISSUER), Buffer.from(AsnConvert.serialize(tbs.issuer)));
      const layout = layoutCertificate(cert);
      const slice = (t: { start: number; end: number }) => Buffer.from(cert.subarray(t.start, t.end));
      assert.deepEqual(value(template, P11.CKA_SUBJECT), slice(layout.subject));
      assert.deepEqual(value(template, P11.CKA_ISSUER), slice(layout.issuer));
      assert.deepEqual(value(template, P11.CKA_SERIAL_NUMBER), slice(layout.serialNumber));
      const serial = Buffer.from(tbs.serialNumber);
      assert.deepEqual(value(template, P11.CKA_SERIAL_NUMBER), Buffer.concat([Buffer.of(0x02, serial.length), serial]));
      const x509 = new nodeCrypto.X509Certificate(cert);
      assert.equal(BigInt('0x' + serial.toString('hex')), BigInt('0x' + x509.serialNumber));
      assert.deepEqual(value(template, P11.CKA_VALUE), Buffer.from(cert));
      assert.deepEqual(value(template, P11.CKA_ID), Buffer.of(9, 8));
      assert.equal(value(template, P11.CKA_LABEL), 'a label');
      assert.deepEqual(certificateSpki(cert), new Uint8Array(x509.publicKey.export({ format: 'der', type: 'spki' })));
    });
  }

  it('refuses what is not a certificate', () => {
    assert.throws(() => certificateObjectTemplate('x', Uint8Array.of(0x30, 0), Uint8Array.of(1)), is('BAD_INPUT'));
  });
});
