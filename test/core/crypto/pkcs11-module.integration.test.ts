// The PKCS #11 plumbing on SoftHSM2: one initialization per module, tokens by label, logins, the session pool.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { KymanError } from '../../../src/core/errors.js';
import { acquireModule, findToken, MAX_IDLE_SESSIONS, P11, releaseModule, TokenSession, tokensOf, withModule } from '../../../src/core/crypto/pkcs11-module.js';
import { SOFTHSM2, softHsm, type SoftHsm } from '../../helpers/pkcs11-tokens.js';

const PIN = '1234';
const code = (c: string) => (e: unknown) => e instanceof KymanError && e.code === c;

describe('PKCS #11 module plumbing on SoftHSM2', function () {
  this.timeout(60_000);
  let hsm: SoftHsm;
  const open: TokenSession[] = [];

  before(function () {
    if (!existsSync(SOFTHSM2)) this.skip();
  });
  // Each test its own token directory: SoftHSM2 reads SOFTHSM2_CONF when the module is initialized,
  // and every test releases the module, so the next one initializes it afresh.
  beforeEach(() => {
    hsm = softHsm();
    hsm.initToken('first', '5678', PIN);
    hsm.initToken('second', '5678', PIN);
  });
  afterEach(() => {
    for (const t of open.splice(0)) t.close();
    hsm.cleanup();
  });

  const session = (label = 'first', pin = PIN) => {
    const t = TokenSession.open(SOFTHSM2, label, pin);
    open.push(t);
    return t;
  };

  it('initializes a module once, shares it, and finalizes it with its last user', () => {
    const a = acquireModule(SOFTHSM2);
    const b = acquireModule(SOFTHSM2);
    assert.equal(a, b);
    releaseModule(SOFTHSM2);
    assert.ok(tokensOf(a).length >= 2, 'still usable while one user holds it');
    releaseModule(SOFTHSM2);
    assert.notEqual(acquireModule(SOFTHSM2), a, 'loaded afresh after the last release');
    releaseModule(SOFTHSM2);
  });

  it('lists tokens by trimmed label; an unknown label is NOT_FOUND naming the tokens there are', () => {
    withModule(SOFTHSM2, (lib) => {
      const labels = tokensOf(lib).map((t) => t.label);
      assert.ok(labels.includes('first') && labels.includes('second'), labels.join(','));
      assert.equal(findToken(lib, SOFTHSM2, 'second').label, 'second');
      assert.throws(
        () => findToken(lib, SOFTHSM2, 'third'),
        (e: unknown) => code('NOT_FOUND')(e) && /no token labelled "third" in .*; tokens there: ("first", "second"|"second", "first")$/.test((e as Error).message),
      );
    });
  });

  it('logs in with the PIN; a wrong PIN is BAD_PASSWORD, also while another session holds the login', () => {
    assert.throws(() => TokenSession.open(SOFTHSM2, 'first', '0000'), code('BAD_PASSWORD'));
    const t = session();
    assert.ok(t.has(P11.CKM_ECDSA));
    assert.throws(() => TokenSession.open(SOFTHSM2, 'first', '9999'), code('BAD_PASSWORD'), 'the token accepts any PIN once logged in; kyman does not');
    session('first', PIN);
    assert.throws(() => TokenSession.open(SOFTHSM2, 'nowhere', PIN), code('NOT_FOUND'));
  });

  it('keeps at most a few idle sessions, reuses them, and refuses work once closed', () => {
    const t = session();
    const held = Array.from({ length: MAX_IDLE_SESSIONS + 2 }, () => t.acquire());
    assert.equal(new Set(held.map((h) => h.toString('hex'))).size, held.length, 'each acquire while others are held is a new session');
    for (const h of held) t.release(h);
    const again = t.acquire();
    assert.ok(held.slice(0, MAX_IDLE_SESSIONS).some((h) => h.equals(again)), 'an idle session is reused');
    t.release(again);
    t.close();
    assert.throws(() => t.acquire(), code('USAGE'));
  });

  it('finds objects by template and reads their attributes, leaving out those that are missing', () => {
    const t = session();
    t.run('creating an object', (s, lib) =>
      lib.C_CreateObject(s, [
        { type: P11.CKA_CLASS, value: P11.CKO_DATA },
        { type: P11.CKA_TOKEN, value: false },
        { type: P11.CKA_LABEL, value: 'note' },
        { type: P11.CKA_VALUE, value: Buffer.from('kept on the token') },
      ]),
    );
    const [note] = t.find([{ type: P11.CKA_LABEL, value: 'note' }]);
    assert.ok(note);
    assert.deepEqual(t.find([{ type: P11.CKA_LABEL, value: 'other' }]), []);
    const a = t.attributes(note, [P11.CKA_VALUE, P11.CKA_MODULUS]);
    assert.equal(a.get(P11.CKA_VALUE)?.toString(), 'kept on the token');
    assert.equal(a.has(P11.CKA_MODULUS), false);
  });

  it('run() names the operation in the KymanError a Cryptoki failure becomes', () => {
    const t = session();
    assert.throws(
      () => t.run('signing with nothing', (s, lib) => lib.C_SignInit(s, { mechanism: P11.CKM_ECDSA }, Buffer.from([0, 0, 0, 0, 0, 0, 0, 0]))),
      (e: unknown) => e instanceof KymanError && /^signing with nothing: CKR_/.test(e.message),
    );
  });
});
