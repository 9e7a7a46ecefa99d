// A PKI spec that names ML-DSA keys: made, validated, and left alone on a second run.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { softwareProvider } from '../../../src/core/crypto/index.js';
import { readCertificate } from '../../../src/core/pki/certificate/index.js';
import { validateChain } from '../../../src/core/pki/validate.js';
import { openKeyStore } from '../../../src/core/keystore/index.js';
import { applyPkiSpec } from '../../../src/core/pki-spec/apply.js';
import { loadPkiSpec } from '../../../src/core/pki-spec/index.js';
import { tempDir } from '../../helpers/cli.js';

const PASSWORD = 'pki-spec-test';
const options = { password: async () => PASSWORD };

describe('pki spec with ML-DSA keys', function () {
  this.timeout(60_000);
  const tmp = tempDir('kyman-pki-spec-pq-');
  after(() => tmp.cleanup());

  it('makes an ML-DSA-87 root in a CMS database with room for it and an ML-DSA-44 leaf in PKCS #12; a second run is up to date', async () => {
    writeFileSync(
      tmp.file('spec.yaml'),
      [
        'databases:',
        '  ca: { file: ca.kdb, type: cms, recordLength: 9000 }',
        '  web: { file: web.p12 }',
        'certificates:',
        '  - { label: pq-root, database: ca, subject: CN=PQ Root, key: ml-dsa-87, days: 3650 }',
        '  - { label: pq-web, database: web, issuer: pq-root, subject: CN=pq.example, san: [dns:pq.example], key: ml-dsa-44, profile: server, days: 90 }',
        '',
      ].join('\n'),
    );
    const first = await applyPkiSpec(await loadPkiSpec(tmp.file('spec.yaml')), options);
    assert.equal(first.certificates.filter((c) => c.action === 'create').length, 2);
    const web = await openKeyStore(tmp.file('web.p12'), { password: PASSWORD });
    const leaf = readCertificate(softwareProvider(), web.entry('pq-web').certificate);
    assert.equal(leaf.publicKey.parameterSet, 'ML-DSA-44');
    assert.equal(leaf.signatureAlgorithm, 'ML-DSA-87');
    const anchors = web.entries().filter((e) => e.trusted).map((e) => e.certificate);
    const r = validateChain(softwareProvider(), web.entry('pq-web').certificate, { trustAnchors: anchors, purpose: 'server', host: 'pq.example' });
    assert.equal(r.valid, true, r.reason?.message);
    const second = await applyPkiSpec(await loadPkiSpec(tmp.file('spec.yaml')), options);
    assert.equal(second.upToDate, true, JSON.stringify(second.certificates.map((c) => [c.label, c.action, (c as { reason?: string }).reason])));
  });
});
