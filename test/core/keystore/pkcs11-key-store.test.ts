import assert from 'node:assert/strict';
import { KymanError } from '../../../src/core/errors.js';
import { isPkcs11Uri, parsePkcs11Uri } from '../../../src/core/keystore/pkcs11-key-store.js';

const is = (code: string) => (e: unknown) => e instanceof KymanError && e.code === code;

describe('keystore/pkcs11-key-store: token URIs', () => {
  it('reads RFC 7512 URIs', () => {
    assert.deepEqual(parsePkcs11Uri('pkcs11:token=web'), { tokenLabel: 'web' });
    assert.deepEqual(parsePkcs11Uri('pkcs11:manufacturer=SoftHSM%20project;token=My%20HSM?module-path=/usr/lib/x.so'), { tokenLabel: 'My HSM', module: '/usr/lib/x.so' });
    assert.throws(() => parsePkcs11Uri('pkcs11:object=key'), is('USAGE'));
    assert.throws(() => parsePkcs11Uri('pkcs11:token=%zz'), is('USAGE'));
  });

  it('tells a token URI from a file name', () => {
    assert.equal(isPkcs11Uri('pkcs11:token=web'), true);
    assert.equal(isPkcs11Uri('PKCS11:token=web'), true);
    assert.equal(isPkcs11Uri('./pkcs11:token=web'), false);
    assert.equal(isPkcs11Uri('web.kdb'), false);
  });

  it('ignores attributes that name objects within a token, and keeps percent-encoded labels whole', () => {
    assert.deepEqual(parsePkcs11Uri('pkcs11:token=a%3Bb;object=key;type=private'), { tokenLabel: 'a;b' });
    assert.throws(() => parsePkcs11Uri('web.kdb'), is('USAGE'));
  });
});
