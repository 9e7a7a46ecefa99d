import assert from 'node:assert/strict';
import { createPkcs11Provider, keyOperationsFor, keyOperationsOf, type Pkcs11Provider } from '../../../src/core/crypto/pkcs11.js';
import { createSoftwareProvider } from '../../../src/core/crypto/software.js';
import { answerKeyShare } from '../../../src/core/crypto/key-agreement.js';
import { SOFTHSM2, softHsm, type SoftHsm } from '../../helpers/pkcs11-tokens.js';

const PIN = '5678';
const software = createSoftwareProvider();

describe('hybrid key exchange with a PKCS #11 token (SoftHSM2, tokenOps all)', function () {
  this.timeout(60_000);
  let hsm: SoftHsm;
  let token: Pkcs11Provider;

  before(() => {
    hsm = softHsm();
    hsm.initToken('kyman-pq', '1234', PIN);
    token = createPkcs11Provider({ module: SOFTHSM2, tokenLabel: 'kyman-pq', pin: PIN, tokenOps: 'all' });
  });
  after(() => {
    token?.close();
    hsm?.cleanup();
  });

  it("SecP256r1MLKEM768 and SecP384r1MLKEM1024: the ECDH half on the token, agreeing with software either way round; ML-KEM's notice says software", () => {
    for (const group of ['SecP256r1MLKEM768', 'SecP384r1MLKEM1024'] as const) {
      // The token as client: its share, answered by software.
      const mine = token.generateKeyShare(group);
      const answer = answerKeyShare(software, group, mine.publicKey);
      assert.deepEqual(mine.deriveSecret(answer.publicKey), answer.sharedSecret, group);
      // The token as server: a software share, answered with the token's ECDH.
      const theirs = software.generateKeyShare(group);
      const tokenAnswer = answerKeyShare(token, group, theirs.publicKey);
      assert.deepEqual(theirs.deriveSecret(tokenAnswer.publicKey), tokenAnswer.sharedSecret, group);
    }
    assert.match(token.notices().join('\n'), /ML-KEM \(of SecP256r1MLKEM768\) is not done on the token: it runs in software/);
    assert.doesNotMatch(token.notices().join('\n'), /secp256r1 key agreement is not done on the token/);
  });

  it('reports where each operation of a hybrid handshake ran: ECDH on the token where it can, ML-KEM in software', () => {
    const ops = keyOperationsOf(token);
    const suite = 'TLS_AES_128_GCM_SHA256';
    assert.deepEqual(keyOperationsFor(ops, { group: 'SecP256r1MLKEM768', cipherSuite: suite }), { sign: 'token', keyAgreement: 'token', aead: 'token', kem: 'software' });
    assert.deepEqual(keyOperationsFor(ops, { group: 'X25519MLKEM768', cipherSuite: suite }), { sign: 'token', keyAgreement: 'software', aead: 'token', kem: 'software' });
    // A classical group reports as before, with no ML-KEM entry.
    assert.deepEqual(keyOperationsFor(ops, { group: 'secp384r1', cipherSuite: suite }), { sign: 'token', keyAgreement: 'token', aead: 'token' });
    // Software throughout, without a token.
    assert.deepEqual(keyOperationsFor(keyOperationsOf(software), { group: 'X25519MLKEM768', cipherSuite: suite }), { sign: 'software', keyAgreement: 'software', aead: 'software', kem: 'software' });
  });
});
