import assert from 'node:assert/strict';
import { keyOperationsLine } from '../../src/cli/tls.js';

describe('where key operations ran, for people', () => {
  it('names ML-KEM, in software, after a hybrid key exchange, and leaves it out otherwise', () => {
    assert.equal(
      keyOperationsLine('web', { sign: 'token', keyAgreement: 'token', aead: 'token', kem: 'software' }),
      'signing on token "web", key agreement on token "web", ML-KEM in software, record protection on token "web"',
    );
    assert.equal(keyOperationsLine('web', { sign: 'none', keyAgreement: 'software', aead: 'token' }), 'key agreement in software, record protection on token "web"');
  });
});
