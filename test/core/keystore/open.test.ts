import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createSoftwareProvider } from '../../../src/core/crypto/index.js';
import { KymanError } from '../../../src/core/errors.js';
import { createKeyStore } from '../../../src/core/keystore/create.js';
import { FileKeyStore } from '../../../src/core/keystore/file-key-store.js';
import { openKeyDatabase, openKeyStore } from '../../../src/core/keystore/open.js';
import { tempDir } from '../../helpers/cli.js';

const provider = createSoftwareProvider();
const is = (code: string) => (e: unknown) => e instanceof KymanError && e.code === code;

describe('keystore/open', function () {
  this.timeout(30_000);
  const tmp = tempDir();
  after(() => tmp.cleanup());

  it('reads the backend from the first bytes, not the name', async () => {
    const p12 = tmp.file('really-pkcs12.kdb');
    await createKeyStore(p12, { type: 'pkcs12', password: 'pw', provider });
    const cms = tmp.file('really-cms.p12');
    await createKeyStore(cms, { password: 'pw', provider });
    assert.equal((await openKeyDatabase(p12, { password: 'pw', provider })).type, 'pkcs12');
    assert.equal((await openKeyDatabase(cms, { password: 'pw', provider })).type, 'cms');
  });

  it('openKeyStore opens a file as a FileKeyStore with the provider given; openKeyDatabase refuses a token URI', async () => {
    const file = tmp.file('any.kdb');
    await createKeyStore(file, { password: 'pw', provider });
    const store = await openKeyStore(file, { password: 'pw', provider });
    assert.ok(store instanceof FileKeyStore);
    assert.equal(store.provider, provider);
    await assert.rejects(openKeyDatabase('pkcs11:token=web', { password: 'pw' }), is('USAGE'));
    await assert.rejects(openKeyStore('pkcs11:object=x', { password: 'pw' }), is('USAGE'));
  });

  it('refuses a missing file, an empty file and a wrong password', async () => {
    await assert.rejects(openKeyDatabase(tmp.file('absent.kdb'), { password: 'pw' }), is('NOT_FOUND'));
    const empty = tmp.file('empty.kdb');
    writeFileSync(empty, '');
    await assert.rejects(openKeyDatabase(empty, { password: 'pw' }), (e: unknown) => is('BAD_INPUT')(e) && /is empty/.test((e as Error).message));
    const file = tmp.file('pw.p12');
    await createKeyStore(file, { type: 'pkcs12', password: 'pw', provider });
    await assert.rejects(openKeyStore(file, { password: 'nope', provider }), is('BAD_PASSWORD'));
  });
});
