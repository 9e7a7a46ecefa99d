import assert from 'node:assert/strict';
import { createSoftwareProvider } from '../../../../src/core/crypto/index.js';
import type { KeySpec } from '../../../../src/core/crypto/provider.js';
import { createCertificationRequest, readCertificationRequest } from '../../../../src/core/pki/csr.js';
import { describeRequestKey, pendingRequestView } from '../../../../src/core/keystore/requests/view.js';

const provider = createSoftwareProvider();

describe('keystore/requests/view', function () {
  this.timeout(30_000);

  it('shows a request as req list does: subject, names, key type, key, renewal flag', async () => {
    const key = await provider.generateKeyPair({ type: 'ec', curve: 'P-256' });
    const der = await createCertificationRequest(provider, { subject: 'CN=web,O=Example', key, subjectAltNames: ['dns:web.example', 'dns:www.web.example'] });
    const view = pendingRequestView(provider, 'web', der, true);
    assert.deepEqual({ ...view, request: undefined, spki: undefined }, {
      label: 'web',
      request: undefined,
      subject: 'CN=web,O=Example',
      subjectAltNames: ['dns:web.example', 'dns:www.web.example'],
      keyType: 'EC P-256',
      spki: undefined,
      renewal: true,
    });
    assert.equal(view.request, der);
    assert.deepEqual(view.spki, key.spki);
  });

  it('names RSA, EC and Ed25519 keys', async () => {
    const cases: Array<[KeySpec, string]> = [
      [{ type: 'rsa', bits: 2048 }, 'RSA 2048'],
      [{ type: 'ec', curve: 'P-384' }, 'EC P-384'],
      [{ type: 'ed25519' }, 'Ed25519'],
    ];
    for (const [spec, name] of cases) {
      const key = await provider.generateKeyPair(spec);
      const info = readCertificationRequest(provider, await createCertificationRequest(provider, { subject: 'CN=k', key }));
      assert.equal(describeRequestKey(info), name);
    }
  });

  it('falls back to the algorithm OID, and says when an EC curve has no name', () => {
    type Info = Parameters<typeof describeRequestKey>[0];
    const other = { publicKey: { type: 'other', algorithmOid: '1.3.101.113', spki: new Uint8Array() } } as unknown as Info;
    const unnamed = { publicKey: { type: 'ec', spki: new Uint8Array() } } as unknown as Info;
    assert.equal(describeRequestKey(other), '1.3.101.113');
    assert.equal(describeRequestKey(unnamed), 'EC (unnamed curve)');
  });
});
