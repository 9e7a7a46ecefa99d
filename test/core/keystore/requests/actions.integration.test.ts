import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSoftwareProvider } from '../../../../src/core/crypto/index.js';
import { KymanError } from '../../../../src/core/errors.js';
import { publicKeyMatches } from '../../../../src/core/pki/certificate/index.js';
import { encodePem } from '../../../../src/core/pki/pem.js';
import { changeKeyStorePassword, createKeyStore, openKeyDatabase } from '../../../../src/core/keystore/index.js';
import { changeRequestStorePassword, createRequest, openRequestStore, receiveCertificate, renewRequest } from '../../../../src/core/keystore/requests/index.js';

const provider = createSoftwareProvider();

function ok(command: string, args: string[]): string {
  const r = spawnSync(command, args, { encoding: 'utf8' });
  assert.equal(r.status, 0, `${command} ${args.join(' ')}\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

describe('keystore/requests/actions with an openssl CA', function () {
  this.timeout(60_000);
  let dir: string;
  let ca: { cert: string; key: string };
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'kyman-req-'));
    ca = { cert: join(dir, 'ca.pem'), key: join(dir, 'ca.key') };
    ok('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', ca.key, '-out', ca.cert, '-subj', '/CN=Test CA', '-days', '30']);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  function sign(request: Uint8Array, name: string): Uint8Array {
    const csr = join(dir, `${name}.csr`);
    const out = join(dir, `${name}.pem`);
    writeFileSync(csr, encodePem('CERTIFICATE REQUEST', request));
    ok('openssl', ['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-days', '30', '-copy_extensions', 'copy', '-out', out]);
    return readFileSync(out);
  }

  for (const type of ['cms', 'pkcs12'] as const) {
    describe(type, () => {
      let file: string;
      beforeEach(async () => {
        file = join(dir, `${type}-${Math.random().toString(36).slice(2)}.${type === 'cms' ? 'kdb' : 'p12'}`);
        await createKeyStore(file, { type, password: 'pw', stash: true, provider });
      });

      it('creates, lists, receives a request into a key entry, and renews it', async () => {
        const store = await openKeyDatabase(file, { password: 'pw', provider });
        const requests = await openRequestStore(file, { password: 'pw', provider });
        const created = await createRequest(store, requests, 'web', { subject: 'CN=web.example,O=Example', subjectAltNames: ['dns:web.example'] }, provider);
        assert.deepEqual(requests.list().map((r) => [r.label, r.subject, r.renewal]), [['web', 'CN=web.example,O=Example', false]]);
        assert.equal(store.has('web'), false);
        const again = await openRequestStore(file, { password: 'pw', provider });
        assert.equal(again.get('web').keyType, 'EC P-256');
        await assert.rejects(createRequest(store, again, 'web', { subject: 'CN=x' }, provider), (e: unknown) => e instanceof KymanError && e.code === 'CONFLICT');

        const cert = sign(created.request, `${type}-web`);
        const result = await receiveCertificate(store, again, cert);
        assert.equal(result.label, 'web');
        const reopened = await openKeyDatabase(file, { password: 'pw', provider });
        const entry = reopened.entry('web');
        assert.equal(entry.hasPrivateKey, true);
        const key = await reopened.privateKey('web');
        assert.ok(publicKeyMatches(entry.certificate, key.spki));
        assert.equal((await openRequestStore(file, { password: 'pw', provider })).list().length, 0);

        // Renewal: same label, same key, new certificate.
        const rq = await openRequestStore(file, { password: 'pw', provider });
        const renewal = await renewRequest(reopened, rq, 'web', {}, provider);
        assert.deepEqual(renewal.info.publicKey.spki, key.spki);
        assert.equal(rq.get('web').renewal, true);
        const renewed = sign(renewal.request, `${type}-web2`);
        const r2 = await receiveCertificate(reopened, rq, renewed);
        assert.equal(r2.renewed, true);
        const final = await openKeyDatabase(file, { password: 'pw', provider });
        assert.notDeepEqual(Buffer.from(final.entry('web').certificate), Buffer.from(entry.certificate));
        assert.deepEqual((await final.privateKey('web')).spki, key.spki);
        assert.equal(final.entries().length, 1);
      });

      it('refuses a certificate no request is pending for, naming its subject, and changes nothing', async () => {
        const store = await openKeyDatabase(file, { password: 'pw', provider });
        const requests = await openRequestStore(file, { password: 'pw', provider });
        await createRequest(store, requests, 'a', { subject: 'CN=a' }, provider);
        const before = readFileSync(file);
        await assert.rejects(receiveCertificate(store, requests, readFileSync(ca.cert)), (e: unknown) => e instanceof KymanError && e.code === 'FAILED' && e.message.includes('CN=Test CA'));
        assert.deepEqual(readFileSync(file), before);
      });

      it('keeps pending keys across a password change', async () => {
        const store = await openKeyDatabase(file, { password: 'pw', provider });
        const requests = await openRequestStore(file, { password: 'pw', provider });
        const created = await createRequest(store, requests, 'p', { subject: 'CN=p', key: { type: 'rsa', bits: 2048 } }, provider);
        // Changing the database password carries the pending keys along.
        assert.equal((await changeKeyStorePassword(store, 'new-pw')).pendingRequests, 1);
        // Running the request half again, as after an interruption, is harmless.
        await changeRequestStorePassword(file, 'pw', 'new-pw', provider);
        const rq = await openRequestStore(file, { password: 'new-pw', provider });
        assert.deepEqual((await rq.privateKey('p')).spki, created.info.publicKey.spki);
      });
    });
  }
});
