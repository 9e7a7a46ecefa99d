// The TLS 1.3 steps both sides share: the alert a chain that does not validate gets (RFC 8446 §6.2), and the message-type check.

import assert from 'node:assert/strict';
import { TlsAlertError } from '../../../src/core/tls/alerts.js';
import { checkPeerChain, expectMessage } from '../../../src/core/tls/handshake-tls13.js';
import { makePki, provider, type TestPki } from '../../helpers/tls-credentials.js';

const alert = (name: string) => (e: unknown) => e instanceof TlsAlertError && e.alert.name === name && e.direction === 'sent';

describe('tls 1.3 shared steps', function () {
  this.timeout(30_000);
  let pki: TestPki;
  before(async () => (pki = await makePki()));
  after(() => pki.cleanup());
  const at = () => new Date();

  it('a chain that validates gives the validation result', () => {
    const result = checkPeerChain(provider, [pki.ecdsa.der], { trustAnchors: [pki.root.der], purpose: 'server', host: 'localhost', at: at() });
    assert.equal(result.valid, true);
  });

  it('each way a chain fails gets the alert §6.2 names for it', () => {
    assert.throws(() => checkPeerChain(provider, [pki.ecdsa.der], { trustAnchors: [pki.otherRoot.der], purpose: 'server', host: 'localhost', at: at() }), alert('unknown_ca'));
    assert.throws(() => checkPeerChain(provider, [pki.expired.der], { trustAnchors: [pki.root.der], purpose: 'server', host: 'localhost', at: at() }), alert('certificate_expired'));
    assert.throws(() => checkPeerChain(provider, [pki.ecdsa.der], { trustAnchors: [pki.root.der], purpose: 'server', host: 'elsewhere.example', at: at() }), alert('bad_certificate'));
    assert.throws(() => checkPeerChain(provider, [Uint8Array.of(0x30, 0x03, 1, 2, 3)], { trustAnchors: [pki.root.der], purpose: 'server', at: at() }), alert('bad_certificate'));
  });

  it('§4: a message of another type than the one due is an unexpected_message naming both', () => {
    const m = { type: 11, body: new Uint8Array(0), raw: new Uint8Array(4) };
    expectMessage(m, 11);
    assert.throws(() => expectMessage(m, 8), (e: unknown) => alert('unexpected_message')(e) && /expected EncryptedExtensions, received Certificate/.test((e as Error).message));
  });
});
