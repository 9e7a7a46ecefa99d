// Applying a PKI spec: create what is missing, reissue what changed or is due, change nothing else.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { softwareProvider } from '../../../src/core/crypto/index.js';
import { readCertificate } from '../../../src/core/pki/certificate/index.js';
import { validateChain } from '../../../src/core/pki/validate.js';
import { openKeyStore } from '../../../src/core/keystore/index.js';
import { applyPkiSpec } from '../../../src/core/pki-spec/apply.js';
import { loadPkiSpec } from '../../../src/core/pki-spec/index.js';
import type { PkiSpec } from '../../../src/core/pki-spec/spec.js';
import { tempDir } from '../../helpers/cli.js';

const PASSWORD = 'pki-spec-test';
const provider = softwareProvider();
const options = { password: async () => PASSWORD };

function specText(leaves: number, sanOf: (i: number) => string = (i) => `dns:host-${i}.example.com`): string {
  const lines = [
    'databases:',
    '  ca: { file: ca.kdb, type: cms }',
    '  web: { file: web.p12 }',
    'certificates:',
    '  - label: root-ca',
    '    database: ca',
    '    subject: CN=Test Root CA,O=Example',
    '    key: ec:p384',
    '    days: 3650',
    '  - label: issuing-ca',
    '    database: ca',
    '    issuer: root-ca',
    '    subject: CN=Test Issuing CA,O=Example',
    '    pathLength: 0',
    '    days: 1825',
  ];
  for (let i = 0; i < leaves; i++) {
    lines.push(`  - label: host-${i}`, '    database: web', '    issuer: issuing-ca', `    subject: CN=host-${i}.example.com`, `    san: [${sanOf(i)}]`, '    profile: server', '    days: 90');
  }
  return lines.join('\n') + '\n';
}

function snapshot(dir: string): Map<string, { bytes: string; mtime: number }> {
  const out = new Map<string, { bytes: string; mtime: number }>();
  for (const f of readdirSync(dir)) out.set(f, { bytes: readFileSync(path.join(dir, f)).toString('base64'), mtime: statSync(path.join(dir, f)).mtimeMs });
  return out;
}

async function ders(file: string): Promise<Map<string, string>> {
  const store = await openKeyStore(file, { password: PASSWORD });
  return new Map(store.entries().map((e) => [e.label, Buffer.from(e.certificate).toString('base64')]));
}

describe('pki spec: applying', function () {
  this.timeout(120_000);
  const tmp = tempDir('kyman-pki-spec-');
  after(() => tmp.cleanup());
  let spec: PkiSpec;

  it('creates a root, an intermediate and 20 leaves; a second run changes no byte', async () => {
    writeFileSync(tmp.file('spec.yaml'), specText(20));
    spec = await loadPkiSpec(tmp.file('spec.yaml'));
    const first = await applyPkiSpec(spec, options);
    assert.equal(first.certificates.filter((c) => c.action === 'create').length, 22);
    assert.deepEqual(first.chainCopies.map((c) => [c.label, c.action, c.trusted]).sort(), [['issuing-ca', 'add', false], ['root-ca', 'add', true]]);
    const before = snapshot(tmp.dir);
    const second = await applyPkiSpec(await loadPkiSpec(tmp.file('spec.yaml')), options);
    assert.equal(second.upToDate, true);
    assert.ok(second.certificates.every((c) => c.action === 'unchanged'));
    assert.deepEqual(second.written, []);
    assert.deepEqual(snapshot(tmp.dir), before);
  });

  it('validates each leaf chain with validateChain from the leaf database alone', async () => {
    const web = await openKeyStore(tmp.file('web.p12'), { password: PASSWORD });
    const anchors = web.entries().filter((e) => e.trusted).map((e) => e.certificate);
    const intermediates = web.entries().filter((e) => !e.trusted && !e.hasPrivateKey).map((e) => e.certificate);
    const r = validateChain(provider, web.entry('host-7').certificate, { trustAnchors: anchors, intermediates, purpose: 'server', host: 'host-7.example.com' });
    assert.equal(r.valid, true, r.reason?.message);
    assert.equal(r.chain.length, 3);
  });

  it('reissues only the leaf whose SAN changed', async () => {
    const caBefore = await ders(tmp.file('ca.kdb'));
    const webBefore = await ders(tmp.file('web.p12'));
    writeFileSync(tmp.file('spec.yaml'), specText(20, (i) => (i === 5 ? 'dns:host-5.example.com, dns:alias.example.com' : `dns:host-${i}.example.com`)));
    const dry = await applyPkiSpec(await loadPkiSpec(tmp.file('spec.yaml')), { ...options, dryRun: true });
    const changed = dry.certificates.filter((c) => c.action !== 'unchanged');
    assert.deepEqual(changed.map((c) => [c.label, c.action, c.reason]), [['host-5', 'reissue', 'subject alternative names differ: +dns:alias.example.com']]);
    assert.deepEqual(await ders(tmp.file('web.p12')), webBefore, 'a dry run writes nothing');

    await applyPkiSpec(await loadPkiSpec(tmp.file('spec.yaml')), options);
    assert.deepEqual(await ders(tmp.file('ca.kdb')), caBefore);
    const webAfter = await ders(tmp.file('web.p12'));
    for (const [label, der] of webBefore) {
      if (label === 'host-5') assert.notEqual(webAfter.get(label), der);
      else assert.equal(webAfter.get(label), der, label);
    }
    assert.deepEqual(readCertificate(provider, Buffer.from(webAfter.get('host-5')!, 'base64')).subjectAltNames.sort(), ['dns:alias.example.com', 'dns:host-5.example.com']);
  });

  it('reissues a changed CA and everything under it, and keeps keys readable', async () => {
    writeFileSync(tmp.file('spec.yaml'), specText(3).replace('CN=Test Issuing CA,O=Example', 'CN=Test Issuing CA 2,O=Example'));
    const r = await applyPkiSpec(await loadPkiSpec(tmp.file('spec.yaml')), options);
    assert.deepEqual(r.certificates.map((c) => [c.label, c.action]), [['root-ca', 'unchanged'], ['issuing-ca', 'reissue'], ['host-0', 'reissue'], ['host-1', 'reissue'], ['host-2', 'reissue']]);
    assert.match(r.certificates[2].reason, /issuer "issuing-ca" is reissued/);
    assert.deepEqual(r.chainCopies.find((c) => c.label === 'issuing-ca')?.action, 'update');
    const web = await openKeyStore(tmp.file('web.p12'), { password: PASSWORD });
    const key = await web.privateKey('host-1');
    assert.equal(key.type, 'ec');
    const anchors = web.entries().filter((e) => e.trusted).map((e) => e.certificate);
    const intermediates = web.entries().filter((e) => !e.trusted && !e.hasPrivateKey).map((e) => e.certificate);
    assert.equal(validateChain(provider, web.entry('host-1').certificate, { trustAnchors: anchors, intermediates }).valid, true);
    const ca = await openKeyStore(tmp.file('ca.kdb'), { password: PASSWORD });
    assert.equal((await ca.privateKey('issuing-ca')).type, 'ec');
  });

  for (const [what, keyProvider] of [
    ['a provider that makes many keys at once', provider],
    ['a provider that makes keys one by one', { ...provider, generateKeyPairs: undefined }],
  ] as const) {
    it(`gives each leaf a key of its own type, in runs of one type, with ${what}`, async () => {
      const keys = ['ec:p256', 'ec:p256', 'ed25519', 'ec:p384', 'ec:p384', 'ec:p384', 'rsa:2048', 'ec:p256'];
      const lines = ['databases:', '  db: { file: mixed.kdb }', 'certificates:', '  - { label: ca, subject: CN=Mixed CA, key: ec:p256 }'];
      keys.forEach((key, i) => lines.push(`  - { label: leaf-${i}, issuer: ca, subject: CN=leaf-${i}, key: "${key}", profile: client }`));
      const dir = tempDir('kyman-pki-mixed-');
      try {
        writeFileSync(dir.file('spec.yaml'), lines.join('\n') + '\n');
        await applyPkiSpec(await loadPkiSpec(dir.file('spec.yaml')), { ...options, provider: keyProvider });
        const store = await openKeyStore(dir.file('mixed.kdb'), { password: PASSWORD });
        const spkis = new Set<string>();
        for (const [i, key] of keys.entries()) {
          const info = readCertificate(provider, store.entry(`leaf-${i}`).certificate);
          assert.equal(`${info.publicKey.type}:${info.publicKey.curve ?? info.publicKey.bits ?? ''}`, { 'ec:p256': 'ec:P-256', 'ec:p384': 'ec:P-384', ed25519: 'ed25519:', 'rsa:2048': 'rsa:2048' }[key]);
          assert.deepEqual((await store.privateKey(`leaf-${i}`)).spki, info.publicKey.spki);
          spkis.add(Buffer.from(info.publicKey.spki).toString('hex'));
        }
        assert.equal(spkis.size, keys.length);
      } finally {
        dir.cleanup();
      }
    });
  }

  it('reissues what is within its renewal window, by the injected clock', async () => {
    const later = new Date(Date.now() + 70 * 86_400_000);
    const r = await applyPkiSpec(await loadPkiSpec(tmp.file('spec.yaml')), { ...options, dryRun: true, now: later });
    // 90-day leaves renew 30 days before the end; the CAs have years left.
    assert.deepEqual(r.certificates.filter((c) => c.action === 'reissue').map((c) => c.label), ['host-0', 'host-1', 'host-2']);
    assert.match(r.certificates[2].reason, /within renewBefore/);
  });
});
