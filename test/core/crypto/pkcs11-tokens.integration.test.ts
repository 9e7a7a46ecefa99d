import assert from 'node:assert/strict';
import { createPkcs11Provider } from '../../../src/core/crypto/pkcs11.js';
import { deleteToken, initToken, listTokens, showToken } from '../../../src/core/crypto/pkcs11-tokens.js';
import { KymanError } from '../../../src/core/errors.js';
import { SOFTHSM2, softHsm, type SoftHsm } from '../../helpers/pkcs11-tokens.js';

const is = (code: string, pattern?: RegExp) => (e: unknown) => e instanceof KymanError && e.code === code && (!pattern || pattern.test(e.message));

describe('PKCS #11 token management on SoftHSM2', function () {
  this.timeout(60_000);
  let hsm: SoftHsm;
  before(() => {
    hsm = softHsm();
  });
  after(() => hsm?.cleanup());

  it('lists the free slot, initializes a token there, and lists it by label', () => {
    const before = listTokens(SOFTHSM2);
    assert.ok(before.some((t) => !t.initialized));
    const made = initToken(SOFTHSM2, { label: 'made-by-kyman', soPin: '12345678', userPin: '87654321' });
    assert.equal(made.label, 'made-by-kyman');
    assert.equal(made.initialized, true);
    assert.equal(made.userPinInitialized, true);
    assert.equal(made.manufacturer, 'SoftHSM project');
    for (const m of ['ECDSA', 'RSA-PKCS', 'RSA-PKCS-PSS', 'ECDH1-DERIVE', 'AES-GCM'] as const) assert.ok(made.mechanisms.includes(m), m);
    const after = listTokens(SOFTHSM2);
    assert.ok(after.some((t) => t.label === 'made-by-kyman' && t.initialized));
    // pkcs11-tool agrees the token and its user PIN work.
    const r = hsm.run('pkcs11-tool', ['--module', SOFTHSM2, '--token-label', 'made-by-kyman', '--login', '--pin', '87654321', '--list-objects']);
    assert.equal(r.status, 0, r.stderr);
    assert.throws(() => initToken(SOFTHSM2, { label: 'made-by-kyman', soPin: '1', userPin: '2' }), is('CONFLICT'));
  });

  it('shows public objects without a PIN and all of them with one', async () => {
    const p = createPkcs11Provider({ module: SOFTHSM2, tokenLabel: 'made-by-kyman', pin: '87654321' });
    await p.generateTokenKeyPair({ type: 'ec', curve: 'P-256' }, 'web');
    p.close();
    const open = showToken(SOFTHSM2, 'made-by-kyman');
    assert.deepEqual(open.objects.map((o) => o.class), ['public-key']);
    const all = showToken(SOFTHSM2, 'made-by-kyman', '87654321');
    assert.deepEqual(all.objects.map((o) => o.class).sort(), ['private-key', 'public-key']);
    assert.ok(all.objects.every((o) => o.label === 'web' && o.id.length === 40));
    assert.throws(() => showToken(SOFTHSM2, 'absent'), is('NOT_FOUND', /"made-by-kyman"/));
  });

  it('delete wipes the token with the SO PIN; a wrong SO PIN is BAD_PASSWORD', () => {
    assert.throws(() => deleteToken(SOFTHSM2, 'made-by-kyman', '00000000'), is('BAD_PASSWORD'));
    const r = deleteToken(SOFTHSM2, 'made-by-kyman', '12345678');
    assert.equal(r.label, 'made-by-kyman');
    assert.equal(showToken(SOFTHSM2, 'made-by-kyman').objects.length, 0);
  });
});
