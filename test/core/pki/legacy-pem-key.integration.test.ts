// OpenSSL's traditional encrypted PEM keys (`openssl rsa -traditional -aes256`, `openssl ec -des3`), made live and read by kyman.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createSoftwareProvider } from '../../../src/core/crypto/index.js';
import { readPrivateKeyFile } from '../../../src/core/pki/private-key.js';
import { kyman, ok, suiteTempDir } from '../../helpers/cli.js';

const provider = createSoftwareProvider();
const isCode = (code: string) => (e: unknown) => e instanceof Error && (e as { code?: string }).code === code;

describe('traditional encrypted PEM keys from openssl', function () {
  this.timeout(60_000);
  const tmp = suiteTempDir();
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });

  for (const [kind, tool, gen] of [
    ['RSA', 'rsa', ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048']],
    ['EC P-256', 'ec', ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']],
  ] as const) {
    for (const cipher of ['aes128', 'aes192', 'aes256', 'des3']) {
      it(`${kind}, -${cipher}: the same key as openssl's PKCS #8, and a wrong password is BAD_PASSWORD`, () => {
        const plain = tmp.file(`${tool}-${cipher}.pem`);
        openssl('genpkey', ...gen, '-out', plain);
        const encrypted = tmp.file(`${tool}-${cipher}-enc.pem`);
        openssl(tool, '-in', plain, ...(tool === 'rsa' ? ['-traditional'] : []), `-${cipher}`, '-passout', 'pass:old style', '-out', encrypted);
        const pem = readFileSync(encrypted);
        assert.match(pem.toString(), /Proc-Type: 4,ENCRYPTED\nDEK-Info: /);
        const pkcs8 = openssl('pkcs8', '-topk8', '-nocrypt', '-in', plain, '-outform', 'DER');
        assert.deepEqual(Buffer.from(readPrivateKeyFile(provider, pem, 'old style', 'k.pem')), pkcs8);
        assert.throws(() => readPrivateKeyFile(provider, pem, 'not it', 'k.pem'), isCode('BAD_PASSWORD'));
        assert.throws(() => readPrivateKeyFile(provider, pem, undefined, 'k.pem'), (e: unknown) => isCode('USAGE')(e) && /--import-pass/.test((e as Error).message));
      });
    }
  }

  it('kyman cert import takes a PEM holding a certificate and its traditional encrypted key, and imports both', () => {
    const key = tmp.file('web.key');
    const cert = tmp.file('web.crt');
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-subj', '/CN=old-style.example', '-days', '30');
    const encrypted = tmp.file('web-enc.key');
    openssl('rsa', '-in', key, '-traditional', '-aes256', '-passout', 'pass:old style', '-out', encrypted);
    const both = tmp.file('both.pem');
    writeFileSync(both, Buffer.concat([readFileSync(cert), readFileSync(encrypted)]));
    const db = tmp.file('old-style.kdb');
    ok(kyman(['db', 'create', db, '--pass', 'pass:db pass', '--stash']), 'db create');
    ok(kyman(['cert', 'import', both, '--db', db, '--label', 'web', '--import-pass', 'pass:old style']), 'cert import');
    const list = kyman(['cert', 'list', '--db', db, '--json']);
    ok(list, 'cert list');
    const entries = JSON.parse(list.stdout) as { entries?: { label: string; kind: string }[] } | { label: string; kind: string }[];
    const rows = Array.isArray(entries) ? entries : (entries.entries ?? []);
    assert.equal(rows.find((e) => e.label === 'web')?.kind, 'key', list.stdout);
  });
});
