// ML-DSA key pairs in CMS key databases and PKCS #12 files: stored, reopened, used; a CMS record too small says so.

import assert from 'node:assert/strict';
import { createSoftwareProvider } from '../../../src/core/crypto/index.js';
import { KymanError } from '../../../src/core/errors.js';
import { summarizeCertificate } from '../../../src/core/pki/certificate/index.js';
import { decodePem } from '../../../src/core/pki/pem.js';
import { createKeyStore } from '../../../src/core/keystore/create.js';
import { createSelfSignedEntry } from '../../../src/core/keystore/create-entry.js';
import { changeRecordLength } from '../../../src/core/keystore/maintenance.js';
import { openKeyDatabase } from '../../../src/core/keystore/open.js';
import { importKeyPair } from '../../../src/core/keystore/transfer.js';
import { createRequest, openRequestStore } from '../../../src/core/keystore/requests/index.js';
import { tempDir } from '../../helpers/cli.js';
import { fixtureBytes } from '../../helpers/fixtures.js';

const provider = createSoftwareProvider();
const message = new TextEncoder().encode('signed after reopening');

async function signsAfterReopening(file: string, label: string, parameterSet: string): Promise<void> {
  const store = await openKeyDatabase(file, { password: 'pw', provider });
  try {
    const entry = store.entry(label);
    assert.equal(summarizeCertificate(entry.certificate).keyType, parameterSet);
    const key = await store.privateKey(label);
    assert.equal(key.parameterSet, parameterSet);
    const scheme = { type: 'ml-dsa', parameterSet: key.parameterSet! } as const;
    assert.ok(provider.verify(key.spki, scheme, message, await provider.sign(key, scheme, message)));
  } finally {
    store.close();
  }
}

describe('ML-DSA in key databases', function () {
  this.timeout(60_000);
  const tmp = tempDir();
  after(() => tmp.cleanup());

  it('an ML-DSA-65 entry does not fit the 5,000-byte default CMS record: CONFLICT naming the size, and it fits once the record length is raised', async () => {
    const file = tmp.file('pq.kdb');
    const store = await createKeyStore(file, { password: 'pw', provider });
    let needed = 0;
    await assert.rejects(createSelfSignedEntry(store, 'pq', { subject: 'CN=pq', key: { type: 'ml-dsa', parameterSet: 'ML-DSA-65' } }), (e: unknown) => {
      assert.ok(e instanceof KymanError && e.code === 'CONFLICT', String(e));
      const m = /^entry "pq" needs (\d+) bytes but the record length is 5000: raise the record length of pq\.kdb to (\d+) with "kyman db record-length \2", or make the database with --record-length \2$/.exec(e.message);
      assert.ok(m, e.message);
      needed = Number(m[1]);
      assert.equal(Number(m[2]), Math.ceil(needed / 1000) * 1000);
      return true;
    });
    assert.ok(needed > 5000 && needed < 8000, `an ML-DSA-65 entry takes ${needed} bytes`);
    assert.equal(store.has('pq'), false, 'nothing was written');
    await changeRecordLength(store, Math.ceil(needed / 1000) * 1000);
    await createSelfSignedEntry(store, 'pq', { subject: 'CN=pq', key: { type: 'ml-dsa', parameterSet: 'ML-DSA-65' } });
    store.close();
    await signsAfterReopening(file, 'pq', 'ML-DSA-65');
  });

  it('an ML-DSA-87 request does not fit a new request database of 5,000-byte records: the advice names the key database', async () => {
    const file = tmp.file('req.kdb');
    const store = await createKeyStore(file, { password: 'pw', provider });
    const requests = await openRequestStore(file, { password: 'pw', provider });
    await assert.rejects(
      createRequest(store, requests, 'pq', { subject: 'CN=pq', key: { type: 'ml-dsa', parameterSet: 'ML-DSA-87' } }, provider),
      (e: unknown) =>
        e instanceof KymanError &&
        e.code === 'CONFLICT' &&
        /^entry "pq" needs \d+ bytes but the record length is 5000: req\.rdb takes the record length of req\.kdb when it is made: raise that to (\d+) with "kyman db record-length \1" before the first request$/.test(e.message),
    );
    await changeRecordLength(store, 9000);
    const fresh = await openRequestStore(file, { password: 'pw', provider });
    const created = await createRequest(store, fresh, 'pq', { subject: 'CN=pq', key: { type: 'ml-dsa', parameterSet: 'ML-DSA-87' } }, provider);
    assert.ok(created);
    store.close();
  });

  it('an ML-DSA-87 key pair in PKCS #12, reopened and used', async () => {
    const file = tmp.file('pq.p12');
    const store = await createKeyStore(file, { type: 'pkcs12', password: 'pw', provider });
    await createSelfSignedEntry(store, 'pq87', { subject: 'CN=pq87', key: { type: 'ml-dsa', parameterSet: 'ML-DSA-87' } });
    store.close();
    await signsAfterReopening(file, 'pq87', 'ML-DSA-87');
  });

  it("imports the LAMPS example certificate with its key in each form (seed, both, expandedKey) into CMS and PKCS #12", async () => {
    const cert = fixtureBytes('lamps-ml-dsa/ML-DSA-44.crt');
    for (const type of ['cms', 'pkcs12'] as const) {
      for (const form of ['seed', 'both', 'expanded']) {
        const file = tmp.file(`lamps-${form}.${type === 'cms' ? 'kdb' : 'p12'}`);
        const store = await createKeyStore(file, { type, password: 'pw', provider, ...(type === 'cms' ? { recordLength: 8000 } : {}) });
        await importKeyPair(store, cert, { keyFile: fixtureBytes(`lamps-ml-dsa/ML-DSA-44-${form}.priv`), label: 'lamps', provider });
        store.close();
        await signsAfterReopening(file, 'lamps', 'ML-DSA-44');
        const reopened = await openKeyDatabase(file, { password: 'pw', provider });
        // Stored in the seed form when the key came with its seed, else as the expanded key it came as.
        const written = provider.exportPrivateKey(await reopened.privateKey('lamps'));
        assert.deepEqual(written, decodePem(fixtureBytes(`lamps-ml-dsa/ML-DSA-44-${form === 'both' ? 'seed' : form}.priv`))[0].der);
        reopened.close();
      }
    }
  });

  it('refuses a key that does not belong to the certificate, and an inconsistent one', async () => {
    const store = await createKeyStore(tmp.file('wrong.p12'), { type: 'pkcs12', password: 'pw', provider });
    await assert.rejects(
      importKeyPair(store, fixtureBytes('lamps-ml-dsa/ML-DSA-65.crt'), { keyFile: fixtureBytes('lamps-ml-dsa/ML-DSA-44-seed.priv'), provider }),
      (e: unknown) => e instanceof KymanError && e.code === 'BAD_INPUT' && /does not belong/.test(e.message),
    );
    await assert.rejects(
      importKeyPair(store, fixtureBytes('lamps-ml-dsa/ML-DSA-44.crt'), { keyFile: fixtureBytes('lamps-ml-dsa/bad-ML-DSA-44-1.priv'), provider }),
      (e: unknown) => e instanceof KymanError && e.code === 'BAD_INPUT' && /not the same key/.test(e.message),
    );
    store.close();
  });
});
