import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { KymanError } from '../../../src/core/errors.js';
import { decodePem, encodePem, encodePemBlocks, isPem } from '../../../src/core/pki/pem.js';
import { fixture, fixtureBytes } from '../../helpers/fixtures.js';

const isBadInput = (e: unknown) => e instanceof KymanError && e.code === 'BAD_INPUT';

describe('PEM', () => {
  // A certificate and key openssl req -x509 wrote, and the certificate as openssl x509 -outform DER wrote it.
  const certPem = fs.readFileSync(fixture('openssl/pem-test.pem'), 'utf8');
  const certDer = fixtureBytes('openssl/pem-test.der');

  it('encodes exactly as OpenSSL does (64 columns, LF, final newline)', () => {
    assert.equal(encodePem('CERTIFICATE', certDer), certPem);
  });

  it('decodes every block with its label, skipping text around them', () => {
    const keyPem = fs.readFileSync(fixture('openssl/pem-test.key'), 'utf8');
    const text = `Bag Attributes\n    friendlyName: x\nsubject=/CN=pem test\n${certPem}\nsome notes\n${keyPem}trailing`;
    const blocks = decodePem(text);
    assert.deepEqual(blocks.map((b) => b.label), ['CERTIFICATE', 'PRIVATE KEY']);
    assert.deepEqual(blocks[0].der, certDer);
  });

  it('reads CRLF line ends and bytes as well as strings', () => {
    const crlf = Buffer.from(certPem.replace(/\n/g, '\r\n'));
    const [block] = decodePem(new Uint8Array(crlf));
    assert.deepEqual(block.der, certDer);
    assert.equal(isPem(new Uint8Array(crlf)), true);
    assert.equal(isPem(certDer), false);
  });

  it('keeps RFC 1421 headers of traditional encrypted keys', () => {
    const text = encodePem('RSA PRIVATE KEY', new Uint8Array([1, 2, 3, 4]), { 'Proc-Type': '4,ENCRYPTED', 'DEK-Info': 'AES-128-CBC,00FF' });
    const [block] = decodePem(text);
    assert.deepEqual(block.headers, { 'Proc-Type': '4,ENCRYPTED', 'DEK-Info': 'AES-128-CBC,00FF' });
    assert.deepEqual(block.der, new Uint8Array([1, 2, 3, 4]));
  });

  it('round-trips several blocks and labels with spaces', () => {
    const blocks = [
      { label: 'X509 CRL', der: new Uint8Array(100).fill(7) },
      { label: 'CERTIFICATE', der: certDer },
    ];
    assert.deepEqual(decodePem(encodePemBlocks(blocks)), blocks);
  });

  it('returns no blocks for text without PEM', () => {
    assert.deepEqual(decodePem('hello\n'), []);
  });

  it('rejects a missing END line, a mismatched END and bad base64 with BAD_INPUT', () => {
    assert.throws(() => decodePem(certPem.slice(0, 200)), isBadInput);
    assert.throws(() => decodePem(certPem.replace('END CERTIFICATE', 'END PKCS7')), isBadInput);
    assert.throws(() => decodePem('-----BEGIN X-----\nAB*D\n-----END X-----\n'), isBadInput);
    assert.throws(() => decodePem(`-----BEGIN CERTIFICATE-----\nAAAA\n${certPem}`), isBadInput);
  });
});
