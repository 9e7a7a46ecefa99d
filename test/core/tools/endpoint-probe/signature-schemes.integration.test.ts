// The signature schemes a server signs with: openssl told which to use, its defaults for an EC key, and kyman's own server.

import assert from 'node:assert/strict';
import { createTlsServer } from '../../../../src/core/tls/index.js';
import { probeSuite } from '../../../helpers/endpoint-probe.js';
import { listenKyman } from '../../../helpers/peers.js';
import { provider } from '../../../helpers/tls-credentials.js';

describe('endpoint probe signature schemes (integration)', function () {
  this.timeout(60_000);
  const suite = probeSuite();
  const run = suite.openssl;
  const names = (l: { name: string }[] | undefined) => (l ?? []).map((s) => s.name);

  it('openssl told to sign with rsa_pss_rsae_sha384 and rsa_pkcs1_sha512: TLS 1.2 signs with both, TLS 1.3 accepts only the PSS one', async () => {
    const r = await run(['-cert', suite.pki().rsa.certFile, '-key', suite.pki().rsa.keyFile, '-sigalgs', 'rsa_pss_rsae_sha384:rsa_pkcs1_sha512']);
    assert.deepEqual(names(r.scan.signatureSchemes.tls13), ['rsa_pss_rsae_sha384']);
    assert.deepEqual(names(r.scan.signatureSchemes.tls12).sort(), ['rsa_pkcs1_sha512', 'rsa_pss_rsae_sha384']);
    assert.ok(!r.findings.some((f) => /RFC 9155/.test(f.text)));
  });

  it('openssl with a P-256 key: TLS 1.3 takes only ecdsa_secp256r1_sha256; a TLS 1.2 SHA-1 signature is a finding', async () => {
    const r = await run(['-cert', suite.pki().ecdsa.certFile, '-key', suite.pki().ecdsa.keyFile, '-cipher', 'ECDHE-ECDSA-AES128-GCM-SHA256:@SECLEVEL=0', '-sigalgs', 'ECDSA+SHA256:ECDSA+SHA1']);
    assert.deepEqual(names(r.scan.signatureSchemes.tls13), ['ecdsa_secp256r1_sha256']);
    assert.deepEqual(names(r.scan.signatureSchemes.tls12).sort(), ['ecdsa_secp256r1_sha256', 'ecdsa_sha1']);
    assert.equal(r.scan.signatureSchemes.tls12!.find((s) => s.name === 'ecdsa_sha1')!.weak, true);
    const f = r.findings.find((x) => /RFC 9155/.test(x.text));
    assert.equal(f?.severity, 'medium');
    assert.match(f!.text, /ecdsa_sha1/);
  });

  it('a server with only RSA key exchange in TLS 1.2 shows no TLS 1.2 schemes: nothing is signed', async () => {
    const r = await run(['-cert', suite.pki().rsa.certFile, '-key', suite.pki().rsa.keyFile, '-tls1_2', '-cipher', 'AES128-GCM-SHA256']);
    assert.equal(r.scan.signatureSchemes.tls12, undefined);
    assert.equal(r.scan.signatureSchemes.tls13, undefined);
  });

  it("kyman's own server with a P-256 key: ecdsa_secp256r1_sha256 in both versions", async () => {
    const server = await listenKyman(createTlsServer({ certificateChain: [suite.pki().ecdsa.der], privateKey: suite.pki().ecdsa.key, provider }));
    try {
      const r = await suite.probeAt(server.port);
      assert.deepEqual(names(r.scan.signatureSchemes.tls13), ['ecdsa_secp256r1_sha256']);
      assert.equal(r.scan.signatureSchemes.tls12?.[0].name, 'ecdsa_secp256r1_sha256');
    } finally {
      await server.close();
    }
  });
});
