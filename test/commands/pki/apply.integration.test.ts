import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { expectCleanFailure, kyman, kymanJson, tempDir, tool } from '../../helpers/cli.js';

const env = { PKI_PASS: 'pki-apply-test' };
const pass = ['--pass', 'env:PKI_PASS'];

function spec(leaves: number, sanOf: (i: number) => string = (i) => `dns:leaf-${i}.example.com`): string {
  let text = `# a root, an intermediate and ${leaves} leaves
databases:
  ca: { file: ca.kdb, type: cms }
  web: { file: web.p12, type: pkcs12 }
certificates:
  - label: root-ca
    database: ca
    subject: CN=Apply Root CA,O=Example
    key: ec:p384
    days: 3650
  - label: issuing-ca
    database: ca
    issuer: root-ca
    subject: CN=Apply Issuing CA,O=Example
    pathLength: 0
`;
  for (let i = 0; i < leaves; i++) text += `  - label: leaf-${i}\n    database: web\n    issuer: issuing-ca\n    subject: CN=leaf-${i}.example.com\n    san: [${sanOf(i)}]\n    profile: server\n    days: 90\n`;
  return text;
}

const snapshot = (dir: string) =>
  readdirSync(dir)
    .filter((f) => !f.endsWith('.pem'))
    .map((f) => `${f}:${statSync(path.join(dir, f)).mtimeMs}:${readFileSync(path.join(dir, f)).toString('base64')}`);

describe('kyman pki apply', function () {
  this.timeout(300_000);
  const tmp = tempDir('kyman-pki-apply-');
  after(() => tmp.cleanup());
  const specFile = tmp.file('pki.yaml');

  it('--dry-run lists the plan and writes nothing', () => {
    writeFileSync(specFile, spec(20));
    const r = kyman(['pki', 'apply', specFile, '--dry-run', ...pass], { env });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /root-ca +ca +create +not in ca\.kdb/);
    assert.match(r.stdout, /leaf-19 +web +create/);
    assert.match(r.stdout, /Dry run, nothing written: 22 to create, 0 to reissue, 0 unchanged/);
    assert.deepEqual(readdirSync(tmp.dir), ['pki.yaml']);
  });

  it('makes the PKI, then a second run changes no byte and says nothing to do', () => {
    const first = kymanJson(['pki', 'apply', specFile, ...pass], { env });
    assert.equal(first.__status, 0, first.__stderr);
    assert.equal(first.certificates.length, 22);
    assert.ok(first.certificates.every((c: { action: string }) => c.action === 'create'));
    const before = snapshot(tmp.dir);
    const second = kyman(['pki', 'apply', specFile, ...pass], { env });
    assert.equal(second.status, 0, second.stderr);
    assert.match(second.stdout, /nothing to do/);
    assert.deepEqual(snapshot(tmp.dir), before);
  });

  it('a leaf chain validates with openssl verify and kyman cert validate', () => {
    const exp = (db: string, label: string) => {
      const r = kyman(['cert', 'export', label, '--db', tmp.file(db), ...pass, '--out', tmp.file(`${label}.pem`), '--force'], { env });
      assert.equal(r.status, 0, r.stderr);
    };
    exp('ca.kdb', 'root-ca');
    exp('ca.kdb', 'issuing-ca');
    exp('web.p12', 'leaf-3');
    const v = tool('openssl', ['verify', '-CAfile', tmp.file('root-ca.pem'), '-untrusted', tmp.file('issuing-ca.pem'), '-purpose', 'sslserver', tmp.file('leaf-3.pem')]);
    assert.equal(v.status, 0, v.stdout + v.stderr);
    const k = kyman(['cert', 'validate', 'leaf-3', '--db', tmp.file('web.p12'), ...pass, '--purpose', 'server', '--host', 'leaf-3.example.com'], { env });
    assert.equal(k.status, 0, k.stdout + k.stderr);
  });

  it('after one SAN changes, only that leaf is reissued', () => {
    const list = (db: string) => {
      const r = kymanJson(['cert', 'list', '--db', tmp.file(db), ...pass], { env });
      return JSON.stringify(r);
    };
    const caBefore = list('ca.kdb');
    writeFileSync(specFile, spec(20, (i) => (i === 11 ? 'dns:leaf-11.example.com, dns:other.example.com' : `dns:leaf-${i}.example.com`)));
    const r = kymanJson(['pki', 'apply', specFile, ...pass], { env });
    assert.equal(r.__status, 0, r.__stderr);
    assert.deepEqual(r.certificates.filter((c: { action: string }) => c.action !== 'unchanged').map((c: { label: string }) => c.label), ['leaf-11']);
    assert.deepEqual(r.written.map((f: string) => path.basename(f)), ['web.p12']);
    assert.equal(list('ca.kdb'), caBefore);
  });

  it('a typo in a field name: the line and the field, exit 2, nothing written', () => {
    const before = snapshot(tmp.dir);
    writeFileSync(specFile, spec(2).replace('    san: [dns:leaf-1.example.com]', '    sans: [dns:leaf-1.example.com]'));
    const r = kyman(['pki', 'apply', specFile, ...pass], { env });
    expectCleanFailure(r, 2, /^kyman: pki\.yaml line 27: unknown field "sans" in certificate "leaf-1" \(did you mean "san"\?\)$/);
    assert.deepEqual(snapshot(tmp.dir).filter((f) => !f.startsWith('pki.yaml')), before.filter((f) => !f.startsWith('pki.yaml')));
  });

  it('an unknown issuer and a cycle: one line, exit 2; broken YAML: exit 5', () => {
    writeFileSync(specFile, spec(1).replace('issuer: issuing-ca', 'issuer: issuing'));
    expectCleanFailure(kyman(['pki', 'apply', specFile, ...pass], { env }), 2, /line 18: certificate "leaf-0" names issuer "issuing", which is not a certificate of this spec \(did you mean "issuing-ca"\?\)/);
    writeFileSync(specFile, spec(1).replace('    subject: CN=Apply Root CA', '    issuer: issuing-ca\n    subject: CN=Apply Root CA'));
    expectCleanFailure(kyman(['pki', 'apply', specFile, ...pass], { env }), 2, /issuers form a cycle: .*root-ca/);
    writeFileSync(specFile, 'databases: {\n');
    expectCleanFailure(kyman(['pki', 'apply', specFile, ...pass], { env }), 5, /pki\.yaml line \d+: not valid YAML or JSON/);
    const json = kymanJson(['pki', 'apply', specFile, ...pass], { env });
    assert.equal(json.__status, 5);
    assert.equal(json.error.code, 'BAD_INPUT');
  });
});
