// ML-DSA certificates and keys between kyman and Node.js 26 (OpenSSL 3.5): kyman's accepted by Node, Node's imported and used by kyman.

import assert from 'node:assert/strict';
import { createSoftwareProvider } from '../../../src/core/crypto/index.js';
import { createCertificate, readCertificate } from '../../../src/core/pki/certificate/index.js';
import { decodePem, encodePem } from '../../../src/core/pki/pem.js';
import { createKeyStore } from '../../../src/core/keystore/create.js';
import { openKeyDatabase } from '../../../src/core/keystore/open.js';
import { exportEntry, importKeyPair } from '../../../src/core/keystore/transfer.js';
import { tempDir } from '../../helpers/cli.js';
import { node26Output, node26Path } from '../../helpers/node26.js';

const provider = createSoftwareProvider();
const b64 = (der: Uint8Array) => Buffer.from(der).toString('base64');

describe('ML-DSA with Node 26', function () {
  this.timeout(60_000);
  const tmp = tempDir();
  before(function () {
    if (!node26Path()) this.skip();
  });
  after(() => tmp.cleanup());

  it("Node 26 verifies kyman's ML-DSA-44/65/87 certificates with the CA's public key (X509Certificate.verify), and not with another key", async () => {
    const caKey = await provider.generateKeyPair({ type: 'ml-dsa', parameterSet: 'ML-DSA-65' });
    const ca = await createCertificate(provider, { subject: 'CN=PQ CA', subjectKey: caKey, ca: true, days: 30 });
    const leaves: Uint8Array[] = [];
    for (const parameterSet of ['ML-DSA-44', 'ML-DSA-65', 'ML-DSA-87'] as const) {
      const key = await provider.generateKeyPair({ type: 'ml-dsa', parameterSet });
      leaves.push(await createCertificate(provider, { subject: `CN=${parameterSet}`, subjectKey: key, issuer: { certificate: ca, key: caKey }, subjectAltNames: ['dns:pq.example'], days: 10 }));
    }
    const out = await node26Output(`
      import { X509Certificate, createPublicKey, generateKeyPairSync } from 'node:crypto';
      const ca = new X509Certificate(Buffer.from(process.env.CA, 'base64'));
      const other = generateKeyPairSync('ml-dsa-65').publicKey;
      const rows = process.env.LEAVES.split(',').map((b) => {
        const leaf = new X509Certificate(Buffer.from(b, 'base64'));
        return { type: leaf.publicKey.asymmetricKeyType, byCa: leaf.verify(ca.publicKey), byOther: leaf.verify(other), issued: leaf.checkIssued(ca) };
      });
      console.log(JSON.stringify({ self: ca.verify(ca.publicKey), caType: ca.publicKey.asymmetricKeyType, rows }));
    `, { CA: b64(ca), LEAVES: leaves.map(b64).join(',') });
    assert.deepEqual(JSON.parse(out), {
      self: true,
      caType: 'ml-dsa-65',
      rows: ['ml-dsa-44', 'ml-dsa-65', 'ml-dsa-87'].map((type) => ({ type, byCa: true, byOther: false, issued: true })),
    });
  });

  it("Node 26 reads kyman's seed-form PKCS #8 key and its SubjectPublicKeyInfo: the same key pair, which signs and verifies", async () => {
    const key = await provider.generateKeyPair({ type: 'ml-dsa', parameterSet: 'ML-DSA-65' });
    const out = await node26Output(`
      import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
      const priv = createPrivateKey({ key: Buffer.from(process.env.KEY, 'base64'), format: 'der', type: 'pkcs8' });
      const pub = createPublicKey({ key: Buffer.from(process.env.SPKI, 'base64'), format: 'der', type: 'spki' });
      const sig = sign(null, Buffer.from('m'), priv);
      console.log(JSON.stringify({ type: priv.asymmetricKeyType, same: createPublicKey(priv).export({ type: 'spki', format: 'der' }).equals(pub.export({ type: 'spki', format: 'der' })), verifies: verify(null, Buffer.from('m'), pub, sig) }));
    `, { KEY: b64(provider.exportPrivateKey(key)), SPKI: b64(key.spki) });
    assert.deepEqual(JSON.parse(out), { type: 'ml-dsa-65', same: true, verifies: true });
  });

  it('imports a key Node 26 made (its PKCS #8 PEM export, the seed form) with its certificate into .kdb and .p12, and uses it', async () => {
    const made = JSON.parse(await node26Output(`
      import { generateKeyPairSync } from 'node:crypto';
      const { privateKey, publicKey } = generateKeyPairSync('ml-dsa-65');
      console.log(JSON.stringify({ key: privateKey.export({ type: 'pkcs8', format: 'pem' }), spki: publicKey.export({ type: 'spki', format: 'der' }).toString('base64') }));
    `)) as { key: string; spki: string };
    const pkcs8 = decodePem(made.key)[0].der;
    // What OpenSSL 3.5 writes by default: the seed form, 54 bytes (RFC 9881 §6, seed [0]).
    assert.equal(pkcs8.length, 54);
    assert.equal(pkcs8[20], 0x80);
    const caKey = await provider.generateKeyPair({ type: 'ec', curve: 'P-256' });
    const ca = await createCertificate(provider, { subject: 'CN=EC CA', subjectKey: caKey, ca: true, days: 30 });
    const cert = await createCertificate(provider, { subject: 'CN=node key', subjectKey: new Uint8Array(Buffer.from(made.spki, 'base64')), issuer: { certificate: ca, key: caKey }, days: 10 });
    for (const [file, type] of [[tmp.file('node.kdb'), 'cms'], [tmp.file('node.p12'), 'pkcs12']] as const) {
      const store = await createKeyStore(file, { type, password: 'pw', provider, ...(type === 'cms' ? { recordLength: 7000 } : {}) });
      await importKeyPair(store, new TextEncoder().encode(encodePem('CERTIFICATE', cert)), { keyFile: new TextEncoder().encode(made.key), label: 'node', provider });
      store.close();
      const reopened = await openKeyDatabase(file, { password: 'pw', provider });
      const key = await reopened.privateKey('node');
      assert.equal(readCertificate(provider, reopened.entry('node').certificate).publicKey.parameterSet, 'ML-DSA-65');
      // Written back as Node wrote it: the seed form, byte for byte.
      assert.deepEqual(provider.exportPrivateKey(key), pkcs8);
      const signed = await createCertificate(provider, { subject: 'CN=signed by the imported key', subjectKey: key, days: 1 });
      assert.equal(readCertificate(provider, signed).selfSigned, true);
      if (type === 'pkcs12') {
        // And OpenSSL 3.5 reads the PKCS #12 kyman exports: its key and certificate make a TLS context.
        const exported = await exportEntry(reopened, 'node', { format: 'pkcs12', exportPassword: 'pw2', provider });
        const out = await node26Output(`
          import { createSecureContext } from 'node:tls';
          createSecureContext({ pfx: Buffer.from(process.env.P12, 'base64'), passphrase: 'pw2' });
          console.log('loaded');
        `, { P12: b64(exported.bytes) });
        assert.equal(out.trim(), 'loaded');
      }
      reopened.close();
    }
  });
});
