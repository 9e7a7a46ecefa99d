import assert from 'node:assert/strict';
import { chmodSync, copyFileSync } from 'node:fs';
import { KymanError } from '../../../src/core/errors.js';
import { convertKeyStore, createKeyStore, openKeyDatabase } from '../../../src/core/index.js';
import { tempDir } from '../../helpers/cli.js';
import { gskit } from '../../helpers/fixtures.js';

const codeOf = (e: unknown) => (e instanceof KymanError ? e.code : undefined);

describe('keystore/convert', function () {
  this.timeout(120_000);
  const tmp = tempDir();
  after(() => tmp.cleanup());

  it('converts CMS ↔ PKCS #12 keeping labels, trust and the default key', async () => {
    const src = tmp.file('mixed-copy.kdb');
    copyFileSync(gskit('mixed.kdb'), src);
    chmodSync(src, 0o600); // the samples are kept read-only, and kyman will not change a read-only database
    const store = await openKeyDatabase(src, { password: 'password' });
    await store.setDefault('ec-keypair');
    const p12 = await convertKeyStore(store, tmp.file('mixed.p12'), { type: 'pkcs12', password: 'p12-password' });
    assert.deepEqual(p12.entries().map((e) => e.label).sort(), store.entries().map((e) => e.label).sort());
    assert.equal(p12.defaultEntry()?.label, 'ec-keypair');
    const back = await convertKeyStore(p12, tmp.file('back.kdb'), { type: 'cms', password: 'kdb-password' });
    assert.equal(back.defaultEntry()?.label, 'ec-keypair');
    for (const e of store.entries()) {
      const b = back.entry(e.label);
      assert.deepEqual(b.certificate, e.certificate);
      assert.equal(b.hasPrivateKey, e.hasPrivateKey);
      if (!e.hasPrivateKey) assert.equal(b.trusted, e.trusted);
      else assert.deepEqual((await back.privateKey(e.label)).spki, (await store.privateKey(e.label)).spki);
    }
  });

  it('refuses the source itself and an existing target as the target', async () => {
    const source = await createKeyStore(tmp.file('src.kdb'), { password: 'pw' });
    await assert.rejects(convertKeyStore(source, source.path, { type: 'pkcs12', password: 'pw' }), (e) => codeOf(e) === 'USAGE');
    await createKeyStore(tmp.file('taken.p12'), { type: 'pkcs12', password: 'pw' });
    await assert.rejects(convertKeyStore(source, tmp.file('taken.p12'), { type: 'pkcs12', password: 'pw' }), (e) => codeOf(e) === 'CONFLICT');
  });
});
