// A PKCS #11 token (SoftHSM2) and ML-DSA: refused clearly, making a key and storing one alike, while software keeps signing.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createPkcs11Provider, type Pkcs11Provider } from '../../../src/core/crypto/pkcs11.js';
import { KymanError } from '../../../src/core/errors.js';
import { decodePem } from '../../../src/core/pki/pem.js';
import { verifyCertificateSignature } from '../../../src/core/pki/certificate/index.js';
import { fixture } from '../../helpers/fixtures.js';
import { SOFTHSM2, softHsm, type SoftHsm } from '../../helpers/pkcs11-tokens.js';

const PIN = '5678';
const noMlDsa = (e: unknown) => e instanceof KymanError && e.code === 'USAGE' && /no ML-DSA mechanisms: make ML-DSA keys in software \(without --token\)/.test(e.message);

describe('PKCS #11 provider and ML-DSA', function () {
  this.timeout(60_000);
  let hsm: SoftHsm;
  let provider: Pkcs11Provider;
  before(() => {
    hsm = softHsm();
    hsm.initToken('kyman-pq', '1234', PIN);
    provider = createPkcs11Provider({ module: SOFTHSM2, tokenLabel: 'kyman-pq', pin: PIN });
  });
  after(() => {
    provider?.close();
    hsm?.cleanup();
  });

  it('refuses to make an ML-DSA key on the token', async () => {
    await assert.rejects(provider.generateKeyPair({ type: 'ml-dsa', parameterSet: 'ML-DSA-65' }), noMlDsa);
  });

  it('refuses to store an ML-DSA key on the token', () => {
    const pkcs8 = decodePem(readFileSync(fixture('lamps-ml-dsa/ML-DSA-65-seed.priv')))[0].der;
    assert.throws(() => provider.importPrivateKey(pkcs8), noMlDsa);
  });

  it('verifies ML-DSA certificate signatures in software all the same', () => {
    const cert = decodePem(readFileSync(fixture('lamps-ml-dsa/ML-DSA-44.crt')))[0].der;
    const pub = decodePem(readFileSync(fixture('lamps-ml-dsa/ML-DSA-44.pub')))[0].der;
    assert.equal(verifyCertificateSignature(provider, cert, pub), true);
    const tampered = cert.slice();
    tampered[tampered.length - 1] ^= 1;
    assert.equal(verifyCertificateSignature(provider, tampered, pub), false);
  });
});
