// The chain check's missing issuer: an incomplete chain told apart from one that ends at an untrusted root, and from a valid or expired one.

import assert from 'node:assert/strict';
import { createCertificate } from '../../../../src/core/pki/certificate/index.js';
import { checkChain } from '../../../../src/core/tools/endpoint-probe/index.js';
import { trustStoreOf } from '../../../../src/core/tools/trust-store.js';
import { makePki, provider, type Issued, type TestPki } from '../../../helpers/tls-credentials.js';

describe('endpoint probe chain check: the missing issuer', () => {
  let pki: TestPki;
  let intermediate: Issued;
  let leaf: Issued;
  before(async () => {
    pki = await makePki();
    const key = await provider.generateKeyPair({ type: 'ec', curve: 'P-256' });
    const der = await createCertificate(provider, { subject: 'CN=Chain Test Intermediate', subjectKey: key, issuer: { certificate: pki.root.der, key: pki.root.key }, ca: true, days: 20 });
    intermediate = { der, key, certFile: '', keyFile: '' };
    leaf = await pki.issue('via-intermediate', { type: 'ec', curve: 'P-256' }, { issuer: intermediate });
  });
  after(() => pki.cleanup());
  const store = () => trustStoreOf([pki.root.der], ['test root']);

  it('names the intermediate a server leaves out', () => {
    const c = checkChain(provider, [leaf.der], '127.0.0.1', store());
    assert.equal(c.path.valid, false);
    assert.equal(c.missingIntermediate, 'CN=Chain Test Intermediate');
  });

  it('nothing is missing from a complete chain, nor from one that fails for another reason', () => {
    const whole = checkChain(provider, [leaf.der, intermediate.der], '127.0.0.1', store());
    assert.equal(whole.path.valid, true);
    assert.equal(whole.missingIntermediate, undefined);
    const expired = checkChain(provider, [pki.expired.der], '127.0.0.1', store());
    assert.equal(expired.path.valid, false);
    assert.equal(expired.missingIntermediate, undefined);
  });

  it('a chain that ends at a root nobody trusts is untrusted, not incomplete', () => {
    const c = checkChain(provider, [pki.ecdsa.der, pki.root.der], '127.0.0.1', trustStoreOf([pki.otherRoot.der], ['other root']));
    assert.equal(c.path.valid, false);
    assert.equal(c.missingIntermediate, undefined);
  });
});
