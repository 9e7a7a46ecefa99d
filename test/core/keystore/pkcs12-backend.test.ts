import assert from 'node:assert/strict';
import { createSoftwareProvider } from '../../../src/core/crypto/index.js';
import { createCertificate } from '../../../src/core/pki/certificate/index.js';
import { decryptPrivateKeyInfo } from '../../../src/core/pki/pbe.js';
import { readPkcs12, writePkcs12, type Pkcs12Bag } from '../../../src/core/pki/pkcs12.js';
import { pkcs12Backend } from '../../../src/core/keystore/pkcs12-backend.js';

const provider = createSoftwareProvider();
const ANY_EXTENDED_KEY_USAGE = '2.5.29.37.0';

async function pair(subject: string) {
  const key = await provider.generateKeyPair({ type: 'ec', curve: 'P-256' });
  return { pkcs8: provider.exportPrivateKey(key), certificate: await createCertificate(provider, { subject, subjectKey: key, days: 5 }) };
}

describe('keystore/pkcs12-backend', function () {
  this.timeout(30_000);

  it('reads what other tools write: keys paired by localKeyId or friendlyName, trust from the trusted-usage attribute, the first key the default', async () => {
    const a = await pair('CN=a');
    const b = await pair('CN=b');
    const anchor = await pair('CN=Anchor');
    const plain = await pair('CN=plain');
    const lone = await pair('CN=lone');
    const bags: Pkcs12Bag[] = [
      { type: 'key', data: a.pkcs8, localKeyId: Uint8Array.of(1) },
      { type: 'certificate', data: a.certificate, localKeyId: Uint8Array.of(1), friendlyName: 'alpha' },
      { type: 'key', data: b.pkcs8, friendlyName: 'beta' },
      { type: 'certificate', data: b.certificate, friendlyName: 'beta' },
      { type: 'certificate', data: anchor.certificate, friendlyName: 'anchor', trustedUsage: [ANY_EXTENDED_KEY_USAGE] },
      { type: 'certificate', data: plain.certificate },
      { type: 'key', data: lone.pkcs8, friendlyName: 'lone' },
    ];
    const image = pkcs12Backend.decode(provider, writePkcs12(provider, bags, 'pw'), 'pw', 'x.p12');
    assert.deepEqual(
      image.entries.map((e) => [e.label, e.kind, e.trusted, e.isDefault]),
      [['alpha', 'key-pair', false, true], ['beta', 'key-pair', false, false], ['anchor', 'certificate', true, false], ['plain', 'certificate', false, false], ['lone', 'other', false, false]],
    );
    // A key stored in the clear is kept encrypted under the file's password, as every key entry is.
    assert.deepEqual(decryptPrivateKeyInfo(provider, image.entries[1].encryptedKey!, 'pw'), b.pkcs8);
    assert.equal(image.meta.legacy, false);
  });

  it('writes the default key first, pairs key and certificate by the certificate\'s SHA-1, marks trusted certificates, and keeps lone keys', async () => {
    const a = await pair('CN=a');
    const b = await pair('CN=b');
    const anchor = await pair('CN=Anchor');
    const lone = await pair('CN=lone');
    const meta = { legacy: false };
    const encrypt = (pkcs8: Uint8Array) => pkcs12Backend.decode(provider, writePkcs12(provider, [{ type: 'key', data: pkcs8, friendlyName: 'k' }, { type: 'certificate', data: a.certificate, friendlyName: 'k' }], 'pw'), 'pw', 'k.p12').entries[0].encryptedKey!;
    const loneBag: Pkcs12Bag = { type: 'key', data: lone.pkcs8, friendlyName: 'lone' };
    const bytes = pkcs12Backend.encode(provider, {
      meta,
      entries: [
        { label: 'a', kind: 'key-pair', certificate: a.certificate, encryptedKey: encrypt(a.pkcs8), trusted: false, isDefault: false },
        { label: 'b', kind: 'key-pair', certificate: b.certificate, encryptedKey: encrypt(b.pkcs8), trusted: false, isDefault: true },
        { label: 'anchor', kind: 'certificate', certificate: anchor.certificate, trusted: true, isDefault: false },
        { label: 'lone', kind: 'other', trusted: false, isDefault: false, carry: loneBag },
      ],
    }, 'pw', 'out.p12');
    const read = readPkcs12(provider, bytes, 'pw').bags;
    const named = (type: string) => read.filter((x) => x.type === type);
    assert.deepEqual(named('certificate').map((x) => x.friendlyName), ['b', 'a', 'anchor']);
    assert.deepEqual(named('key').map((x) => x.friendlyName), ['b', 'a', 'lone']);
    const [bKey] = named('key');
    const [bCert, , anchorCert] = named('certificate');
    assert.deepEqual(bCert.localKeyId, provider.hash('SHA-1', b.certificate));
    assert.deepEqual(bKey.localKeyId, bCert.localKeyId);
    assert.deepEqual(anchorCert.trustedUsage, [ANY_EXTENDED_KEY_USAGE]);
    assert.equal(anchorCert.localKeyId, undefined);
    const again = pkcs12Backend.decode(provider, bytes, 'pw', 'out.p12');
    assert.equal(again.entries.find((e) => e.isDefault)?.label, 'b');
  });

  it('protects keys with PBES2 AES-256, or 3DES for legacy readers', () => {
    assert.deepEqual(pkcs12Backend.keyProtection({ legacy: false }), { scheme: 'pbes2', prf: 'SHA-256', cipher: 'AES-256-CBC', iterations: 2048, saltLength: 16 });
    assert.equal(pkcs12Backend.keyProtection({ legacy: true }).scheme, 'pkcs12-3des');
    assert.deepEqual(pkcs12Backend.describe({ legacy: true }), { legacy: true });
  });
});
