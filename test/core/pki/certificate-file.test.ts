import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { createSoftwareProvider } from '../../../src/core/crypto/index.js';
import { KymanError } from '../../../src/core/errors.js';
import { readCertificateFile } from '../../../src/core/pki/certificate-file.js';
import { encodePem } from '../../../src/core/pki/pem.js';
import { writePkcs12 } from '../../../src/core/pki/pkcs12.js';
import { writePkcs7 } from '../../../src/core/pki/pkcs7.js';
import { fixture, fixtureBytes } from '../../helpers/fixtures.js';

const badInputMatching = (re: RegExp) => (e: unknown) => e instanceof KymanError && e.code === 'BAD_INPUT' && re.test(e.message);

describe('readCertificateFile', () => {
  const file = (name: string) => fixture(`openssl/file-${name}`);
  const read = (name: string) => fixtureBytes(`openssl/file-${name}`);
  const leaf = read('leaf.der');
  const ca = read('ca.der');

  it('reads a PEM certificate, and a chain in order', () => {
    assert.deepEqual(readCertificateFile(read('leaf.pem')), [leaf]);
    const chain = fs.readFileSync(file('leaf.pem'), 'utf8') + fs.readFileSync(file('ca.pem'), 'utf8');
    assert.deepEqual(readCertificateFile(new TextEncoder().encode(chain)), [leaf, ca]);
  });

  it('skips a key and text beside the certificates, and reads CRLF', () => {
    const text = `0 comes first\nsubject=CN = file.example\n${fs.readFileSync(file('leaf.key'), 'utf8')}${fs.readFileSync(file('leaf.pem'), 'utf8')}`;
    assert.deepEqual(readCertificateFile(new TextEncoder().encode(text.replace(/\n/g, '\r\n'))), [leaf]);
  });

  it('reads OpenSSL TRUSTED CERTIFICATE blocks (the certificate without its trust settings)', () => {
    // openssl x509 -addtrust serverAuth -trustout wrote it.
    assert.match(fs.readFileSync(file('ca-trusted.pem'), 'utf8'), /BEGIN TRUSTED CERTIFICATE/);
    assert.deepEqual(readCertificateFile(read('ca-trusted.pem')), [ca]);
  });

  it('reads DER certificates, DER and PEM PKCS #7 bundles', () => {
    assert.deepEqual(readCertificateFile(leaf), [leaf]);
    // openssl crl2pkcs7 -nocrl of leaf and CA wrote these, DER and PEM.
    assert.deepEqual(readCertificateFile(read('chain.p7b')), [leaf, ca]);
    assert.deepEqual(readCertificateFile(read('chain.p7b.pem')), [leaf, ca]);
    // PEM mixing a bundle and a certificate.
    const mixed = encodePem('PKCS7', writePkcs7([ca])) + encodePem('CERTIFICATE', leaf);
    assert.deepEqual(readCertificateFile(new TextEncoder().encode(mixed)), [ca, leaf]);
  });

  it('says clearly what is wrong with anything else', () => {
    assert.throws(() => readCertificateFile(new Uint8Array(0)), badInputMatching(/empty/));
    assert.throws(() => readCertificateFile(new TextEncoder().encode('just some text\n')), badInputMatching(/not a certificate file/));
    assert.throws(() => readCertificateFile(read('leaf.key')), badInputMatching(/no certificate in the PEM text \(found only PRIVATE KEY\)/));
    assert.throws(() => readCertificateFile(leaf.subarray(0, leaf.length - 10)), badInputMatching(/not DER|not an X.509/));
    assert.throws(() => readCertificateFile(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x05])), badInputMatching(/not an X.509 certificate/));
    const p12 = writePkcs12(createSoftwareProvider(), [{ type: 'certificate', data: leaf }], 'pw');
    assert.throws(() => readCertificateFile(p12), badInputMatching(/PKCS #12/));
    const withGarbage = new Uint8Array([...leaf, 1, 2, 3]);
    assert.throws(() => readCertificateFile(withGarbage), badInputMatching(/followed by other data/));
    assert.deepEqual(readCertificateFile(new Uint8Array([...leaf, 0x0a])), [leaf]);
  });
});
