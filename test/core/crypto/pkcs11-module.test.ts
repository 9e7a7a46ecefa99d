// The PKCS #11 plumbing that needs no token: which module, and what a Cryptoki failure means to the caller.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { KymanError } from '../../../src/core/errors.js';
import { acquireModule, ckrOf, defaultModulePath, P11, pkcs11Error, SOFTHSM2_MODULES } from '../../../src/core/crypto/pkcs11-module.js';

const ckr = (code: number) => new P11.Pkcs11Error('a Cryptoki call failed', code, 'C_Test');

describe('PKCS #11 module plumbing', () => {
  let saved: string | undefined;
  beforeEach(() => (saved = process.env.KYMAN_PKCS11_MODULE));
  afterEach(() => {
    if (saved === undefined) delete process.env.KYMAN_PKCS11_MODULE;
    else process.env.KYMAN_PKCS11_MODULE = saved;
  });

  it('uses the module given, else KYMAN_PKCS11_MODULE, else the first SoftHSM2 library that exists', () => {
    process.env.KYMAN_PKCS11_MODULE = '/from/the/environment.so';
    assert.equal(defaultModulePath('/given.so'), '/given.so');
    assert.equal(defaultModulePath(), '/from/the/environment.so');
    delete process.env.KYMAN_PKCS11_MODULE;
    const found = SOFTHSM2_MODULES.find((p) => existsSync(p));
    if (found) assert.equal(defaultModulePath(), found);
    else assert.throws(() => defaultModulePath(), (e: unknown) => e instanceof KymanError && e.code === 'NOT_FOUND');
  });

  it('maps PIN failures to BAD_PASSWORD, a missing token to NOT_FOUND, a refused mechanism to USAGE, the rest to FAILED', () => {
    const cases: [number, string, RegExp][] = [
      [P11.CKR_PIN_INCORRECT, 'BAD_PASSWORD', /^logging in: the PIN is wrong \(CKR_PIN_INCORRECT\)$/],
      [P11.CKR_PIN_LEN_RANGE, 'BAD_PASSWORD', /the PIN is wrong/],
      [P11.CKR_PIN_LOCKED, 'BAD_PASSWORD', /the PIN is locked \(CKR_PIN_LOCKED\); unlock it with the SO PIN/],
      [P11.CKR_TOKEN_NOT_PRESENT, 'NOT_FOUND', /^logging in: CKR_TOKEN_NOT_PRESENT$/],
      [P11.CKR_SLOT_ID_INVALID, 'NOT_FOUND', /CKR_SLOT_ID_INVALID/],
      [P11.CKR_MECHANISM_INVALID, 'USAGE', /the token refused the mechanism \(CKR_MECHANISM_INVALID\)/],
      [P11.CKR_DEVICE_ERROR, 'FAILED', /^logging in: CKR_DEVICE_ERROR$/],
      [0x7fff_0001, 'FAILED', /^logging in: 0x7fff0001$/],
    ];
    for (const [code, kind, message] of cases) {
      const cause = ckr(code);
      const e = pkcs11Error('logging in', cause);
      assert.equal(e.code, kind, message.source);
      assert.match(e.message, message);
      assert.equal(e.cause, cause);
    }
  });

  it('passes a KymanError through, and names a failure that is not Cryptoki\'s', () => {
    const mine = new KymanError('CONFLICT', 'already there');
    assert.equal(pkcs11Error('storing', mine), mine);
    const e = pkcs11Error('storing', new TypeError('bad argument'));
    assert.deepEqual([e.code, e.message], ['FAILED', 'storing: bad argument']);
    assert.equal(ckrOf(new Error('plain')), undefined);
    assert.equal(ckrOf(ckr(P11.CKR_PIN_INCORRECT)), P11.CKR_PIN_INCORRECT);
  });

  it('a module that is not there is NOT_FOUND, before anything is loaded', () => {
    assert.throws(() => acquireModule('/no/such/pkcs11-module.so'), (e: unknown) => e instanceof KymanError && e.code === 'NOT_FOUND' && /no such file/.test(e.message));
  });
});
