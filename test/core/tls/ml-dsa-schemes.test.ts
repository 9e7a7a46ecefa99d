// The ML-DSA signature schemes (0x0904–0x0906): TLS 1.3 only, each for its own parameter set, named in the trace.

import assert from 'node:assert/strict';
import { createSoftwareProvider } from '../../../src/core/crypto/index.js';
import { createCertificate } from '../../../src/core/pki/certificate/index.js';
import { createTlsClient, createTlsServer, formatTraceEvent, TlsAlertError, type TraceEvent } from '../../../src/core/tls/index.js';
import { keyKindOf, pickSignatureScheme, pickSignatureScheme12, resolveSchemes, resolveSchemes12, schemeById, schemeFitsKey, SIGNATURE_SCHEMES } from '../../../src/core/tls/suites.js';
import { pipePair } from '../../helpers/pipe-pair.js';
import { within } from '../../helpers/peers.js';

const provider = createSoftwareProvider();

describe('ML-DSA signature schemes', function () {
  this.timeout(30_000);

  it('are mldsa44, mldsa65 and mldsa87 at 0x0904–0x0906, offered in TLS 1.3 by default and never in TLS 1.2', () => {
    assert.deepEqual([0x0904, 0x0905, 0x0906].map((id) => schemeById(id)?.name), ['mldsa44', 'mldsa65', 'mldsa87']);
    const defaults = resolveSchemes(undefined).map((s) => s.name);
    for (const n of ['mldsa44', 'mldsa65', 'mldsa87']) assert.ok(defaults.includes(n as never));
    assert.ok(!resolveSchemes12(undefined).some((s) => s.key === 'ml-dsa'));
    assert.deepEqual(resolveSchemes12(['mldsa65', 'ecdsa_secp256r1_sha256']).map((s) => s.name), ['ecdsa_secp256r1_sha256']);
  });

  it('fit only a key of their own parameter set', async () => {
    const key = await provider.generateKeyPair({ type: 'ml-dsa', parameterSet: 'ML-DSA-65' });
    const kind = keyKindOf(key.spki);
    assert.deepEqual(kind, { key: 'ml-dsa', parameterSet: 'ML-DSA-65' });
    const fitting = SIGNATURE_SCHEMES.filter((s) => schemeFitsKey(s, kind)).map((s) => s.name);
    assert.deepEqual(fitting, ['mldsa65']);
    const all = SIGNATURE_SCHEMES.map((s) => s.id);
    assert.equal(pickSignatureScheme(key, all, SIGNATURE_SCHEMES)?.name, 'mldsa65');
    assert.equal(pickSignatureScheme(key, [0x0904, 0x0906, 0x0403], SIGNATURE_SCHEMES), undefined);
    assert.equal(pickSignatureScheme12(key, all, SIGNATURE_SCHEMES), undefined, 'TLS 1.2 never signs with ML-DSA');
  });

  it('kyman to kyman: an ML-DSA-87 server signs CertificateVerify with mldsa87, and the trace names it; TLS 1.2 alone finds no suite', async () => {
    const key = await provider.generateKeyPair({ type: 'ml-dsa', parameterSet: 'ML-DSA-87' });
    const der = await createCertificate(provider, { subject: 'CN=localhost', subjectKey: key, subjectAltNames: ['dns:localhost'], days: 5 });
    const run = async (versions: Array<'TLSv1.2' | 'TLSv1.3'>) => {
      const pair = pipePair();
      const server = createTlsServer({ certificateChain: [der], privateKey: key, provider, versions }).accept(pair.b);
      const events: TraceEvent[] = [];
      const client = createTlsClient({ provider, serverName: 'localhost', trustAnchors: [der] }).connect(pair.a, { trace: (e) => events.push(e) });
      server.on('error', () => undefined);
      client.on('error', () => undefined);
      try {
        const [summary] = await within(10_000, Promise.all([client.secured, server.secured]), 'handshake');
        return { summary, events };
      } finally {
        client.destroy();
        server.destroy();
      }
    };
    const { summary, events } = await run(['TLSv1.3']);
    assert.equal(summary.signatureScheme, 'mldsa87');
    assert.equal(summary.validation?.valid, true);
    const text = events.map((e) => formatTraceEvent(e)).join('\n');
    assert.match(text, /mldsa87/);
    await assert.rejects(run(['TLSv1.2']), (e: unknown) => e instanceof TlsAlertError && e.alert.name === 'handshake_failure');
  });
});
