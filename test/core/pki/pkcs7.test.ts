import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KymanError } from '../../../src/core/errors.js';
import { decodePem, encodePem } from '../../../src/core/pki/pem.js';
import { isPkcs7, readPkcs7, writePkcs7 } from '../../../src/core/pki/pkcs7.js';

const isBadInput = (e: unknown) => e instanceof KymanError && e.code === 'BAD_INPUT';

describe('PKCS #7 certificate bundles', () => {
  let dir: string;
  let chain: Uint8Array[];
  const file = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kyman-p7-'));
    openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', file('ca.key'),
      '-out', file('ca.pem'), '-subj', '/CN=Bundle CA', '-days', '2');
    openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', file('leaf.key'),
      '-out', file('leaf.csr'), '-subj', '/CN=leaf.example');
    openssl('x509', '-req', '-in', file('leaf.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial',
      '-out', file('leaf.pem'), '-days', '1');
    fs.writeFileSync(file('chain.pem'), fs.readFileSync(file('leaf.pem'), 'utf8') + fs.readFileSync(file('ca.pem'), 'utf8'));
    chain = decodePem(fs.readFileSync(file('chain.pem'))).map((b) => b.der);
    openssl('crl2pkcs7', '-nocrl', '-certfile', file('chain.pem'), '-out', file('chain.p7b'));
    openssl('crl2pkcs7', '-nocrl', '-certfile', file('chain.pem'), '-outform', 'DER', '-out', file('chain.p7b.der'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads what openssl crl2pkcs7 writes, PEM and DER, certificates byte for byte in order', () => {
    assert.deepEqual(readPkcs7(fs.readFileSync(file('chain.p7b'))), chain);
    assert.deepEqual(readPkcs7(fs.readFileSync(file('chain.p7b.der'))), chain);
    assert.equal(isPkcs7(fs.readFileSync(file('chain.p7b.der'))), true);
    assert.equal(isPkcs7(chain[0]), false);
  });

  it('writes the same bytes as openssl crl2pkcs7 -nocrl, and openssl prints its certificates', () => {
    const der = writePkcs7(chain);
    assert.deepEqual(Buffer.from(der), fs.readFileSync(file('chain.p7b.der')));
    fs.writeFileSync(file('mine.p7b'), der);
    const printed = openssl('pkcs7', '-print_certs', '-inform', 'DER', '-in', file('mine.p7b')).toString();
    assert.deepEqual(decodePem(printed).map((b) => b.der), chain);
    assert.match(printed, /subject=CN = leaf.example/);
  });

  it('writes and reads an empty bundle', () => {
    assert.deepEqual(readPkcs7(writePkcs7([])), []);
  });

  it('reads CMS-labelled PEM and several blocks', () => {
    const der = writePkcs7([chain[1]]);
    const text = encodePem('CMS', der) + encodePem('PKCS7', writePkcs7([chain[0]]));
    assert.deepEqual(readPkcs7(new TextEncoder().encode(text)), [chain[1], chain[0]]);
  });

  it('rejects garbage, truncation and other content with BAD_INPUT', () => {
    const der = fs.readFileSync(file('chain.p7b.der'));
    assert.throws(() => readPkcs7(new Uint8Array([0x30, 0x03, 1, 2, 3])), isBadInput);
    assert.throws(() => readPkcs7(der.subarray(0, der.length - 40)), isBadInput);
    assert.throws(() => readPkcs7(chain[0]), isBadInput);
    assert.throws(() => readPkcs7(new TextEncoder().encode(encodePem('CERTIFICATE', chain[0]))), isBadInput);
    // A ContentInfo of type data holds no certificates.
    const data = Uint8Array.from([0x30, 0x0f, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01, 0xa0, 0x02, 0x04, 0x00]);
    assert.throws(() => readPkcs7(data), isBadInput);
    assert.throws(() => writePkcs7([new Uint8Array([1, 2, 3])]), isBadInput);
  });
});
