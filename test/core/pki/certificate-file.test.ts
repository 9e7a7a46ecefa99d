import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createSoftwareProvider } from '../../../src/core/crypto/index.js';
import { KymanError } from '../../../src/core/errors.js';
import { readCertificateFile } from '../../../src/core/pki/certificate-file.js';
import { encodePem } from '../../../src/core/pki/pem.js';
import { writePkcs12 } from '../../../src/core/pki/pkcs12.js';
import { writePkcs7 } from '../../../src/core/pki/pkcs7.js';

const badInputMatching = (re: RegExp) => (e: unknown) => e instanceof KymanError && e.code === 'BAD_INPUT' && re.test(e.message);

describe('readCertificateFile', () => {
  let dir: string;
  let leaf: Uint8Array;
  let ca: Uint8Array;
  const file = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  const read = (name: string) => new Uint8Array(fs.readFileSync(file(name)));

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kyman-certfile-'));
    openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', file('ca.key'),
      '-out', file('ca.pem'), '-subj', '/CN=File CA', '-days', '2');
    openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', file('leaf.key'),
      '-out', file('leaf.csr'), '-subj', '/CN=file.example');
    openssl('x509', '-req', '-in', file('leaf.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial',
      '-out', file('leaf.pem'), '-days', '1');
    openssl('x509', '-in', file('leaf.pem'), '-outform', 'DER', '-out', file('leaf.der'));
    openssl('x509', '-in', file('ca.pem'), '-outform', 'DER', '-out', file('ca.der'));
    leaf = read('leaf.der');
    ca = read('ca.der');
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads a PEM certificate, and a chain in order', () => {
    assert.deepEqual(readCertificateFile(read('leaf.pem')), [leaf]);
    fs.writeFileSync(file('chain.pem'), fs.readFileSync(file('leaf.pem'), 'utf8') + fs.readFileSync(file('ca.pem'), 'utf8'));
    assert.deepEqual(readCertificateFile(read('chain.pem')), [leaf, ca]);
  });

  it('skips a key and text beside the certificates, and reads CRLF', () => {
    const text = `0 comes first\nsubject=CN = file.example\n${fs.readFileSync(file('leaf.key'), 'utf8')}${fs.readFileSync(file('leaf.pem'), 'utf8')}`;
    assert.deepEqual(readCertificateFile(new TextEncoder().encode(text.replace(/\n/g, '\r\n'))), [leaf]);
  });

  it('reads OpenSSL TRUSTED CERTIFICATE blocks (the certificate without its trust settings)', () => {
    openssl('x509', '-in', file('ca.pem'), '-addtrust', 'serverAuth', '-trustout', '-out', file('trusted.pem'));
    assert.match(fs.readFileSync(file('trusted.pem'), 'utf8'), /BEGIN TRUSTED CERTIFICATE/);
    assert.deepEqual(readCertificateFile(read('trusted.pem')), [ca]);
  });

  it('reads DER certificates, DER and PEM PKCS #7 bundles', () => {
    assert.deepEqual(readCertificateFile(leaf), [leaf]);
    fs.writeFileSync(file('chain.pem'), fs.readFileSync(file('leaf.pem'), 'utf8') + fs.readFileSync(file('ca.pem'), 'utf8'));
    openssl('crl2pkcs7', '-nocrl', '-certfile', file('chain.pem'), '-outform', 'DER', '-out', file('chain.p7b'));
    openssl('crl2pkcs7', '-nocrl', '-certfile', file('chain.pem'), '-out', file('chain.p7b.pem'));
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
