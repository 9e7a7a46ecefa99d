import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { KymanError } from '../../../src/core/errors.js';
import { decodePem, encodePem } from '../../../src/core/pki/pem.js';
import { isPkcs7, readPkcs7, writePkcs7 } from '../../../src/core/pki/pkcs7.js';
import { fixture } from '../../helpers/fixtures.js';

const isBadInput = (e: unknown) => e instanceof KymanError && e.code === 'BAD_INPUT';

describe('PKCS #7 certificate bundles', () => {
  // Leaf then CA, and what openssl crl2pkcs7 -nocrl made of them, PEM and DER.
  const file = (name: string) => fixture(`openssl/bundle-${name}`);
  const chain = decodePem(fs.readFileSync(file('chain.pem'))).map((b) => b.der);

  it('reads what openssl crl2pkcs7 writes, PEM and DER, certificates byte for byte in order', () => {
    assert.deepEqual(readPkcs7(fs.readFileSync(file('chain.p7b'))), chain);
    assert.deepEqual(readPkcs7(fs.readFileSync(file('chain.p7b.der'))), chain);
    assert.equal(isPkcs7(fs.readFileSync(file('chain.p7b.der'))), true);
    assert.equal(isPkcs7(chain[0]), false);
  });

  it('writes the same bytes as openssl crl2pkcs7 -nocrl', () => {
    assert.deepEqual(Buffer.from(writePkcs7(chain)), fs.readFileSync(file('chain.p7b.der')));
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
