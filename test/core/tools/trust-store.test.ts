import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { KymanError } from '../../../src/core/errors.js';
import { encodePem } from '../../../src/core/pki/pem.js';
import { loadTrustStore, namesOf, systemTrustStore, trustStoreOf } from '../../../src/core/tools/trust-store.js';
import { tempDir } from '../../helpers/cli.js';
import { toolServers } from '../../helpers/tool-servers.js';

describe('trust stores', function () {
  this.timeout(30_000);
  const { pki, server, probeOf } = toolServers();
  const t = tempDir('kyman-trust-');
  after(() => t.cleanup());

  it('reads issuer and subject names without parsing the rest', () => {
    const n = namesOf(pki().ecdsa.der);
    assert.deepEqual(namesOf(pki().root.der).subject, n.issuer);
    assert.notDeepEqual(n.subject, n.issuer);
  });

  it('picks only the anchors that issued the chain', () => {
    const store = trustStoreOf([pki().otherRoot.der, pki().root.der, pki().root.der], ['test']);
    assert.equal(store.size, 2);
    assert.deepEqual(store.anchorsFor([pki().ecdsa.der]), [pki().root.der]);
    assert.deepEqual(store.anchorsFor([Uint8Array.of(1, 2, 3)]), []);
  });

  it('loads files and folders, skipping what is not a certificate; SSL_CERT_FILE and SSL_CERT_DIR as OpenSSL reads them', () => {
    const dir = t.file('certs');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'root.pem'), encodePem('CERTIFICATE', pki().root.der));
    writeFileSync(path.join(dir, 'readme.txt'), 'not a certificate');
    const bundle = t.file('bundle.pem');
    writeFileSync(bundle, encodePem('CERTIFICATE', pki().otherRoot.der) + encodePem('CERTIFICATE', pki().root.der));
    assert.equal(loadTrustStore([], [dir]).size, 1);
    assert.equal(loadTrustStore([bundle]).size, 2);
    assert.equal(systemTrustStore({ SSL_CERT_FILE: bundle }).size, 2);
    assert.equal(systemTrustStore({ SSL_CERT_FILE: bundle, SSL_CERT_DIR: `${dir}:${t.file('none')}` }).size, 2);
    assert.throws(() => loadTrustStore([t.file('missing.pem')]), (e: unknown) => e instanceof KymanError && e.code === 'NOT_FOUND');
  });

  it('anchors a handshake through trustAnchorSource, and --no-verify-name checks the chain alone', async () => {
    const { s } = await server();
    const store = trustStoreOf([pki().otherRoot.der, pki().root.der], ['test']);
    const r = await probeOf(s.address.port, { trustAnchors: [], trustAnchorSource: (c) => store.anchorsFor(c) });
    assert.equal(r.validation.valid, true);
    assert.equal(r.chain[r.chain.length - 1].anchor, true);
    const other = await probeOf(s.address.port, { serverName: 'www.example.org', verifyName: false });
    assert.equal(other.validation.valid, true);
    await assert.rejects(probeOf(s.address.port, { serverName: 'www.example.org' }), /does not match/);
  });
});
