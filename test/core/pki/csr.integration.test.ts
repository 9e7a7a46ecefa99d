// Requests kyman makes, verified and printed by openssl req and certtool.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSoftwareProvider, parseKeySpec } from '../../../src/core/crypto/index.js';
import { createCertificationRequest, readCertificationRequest } from '../../../src/core/pki/csr.js';
import { encodePem } from '../../../src/core/pki/pem.js';

const provider = createSoftwareProvider();

function ok(command: string, args: string[]): string {
  const r = spawnSync(command, args, { encoding: 'utf8' });
  assert.equal(r.status, 0, `${command} ${args.join(' ')}\n${r.stderr}${r.stdout}`);
  return r.stdout + r.stderr;
}

describe('pki/csr with openssl and certtool', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'kyman-csr-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const spec of ['rsa:2048', 'ec:p256', 'ec:p384', 'ed25519']) {
    it(`makes a ${spec} request that openssl and certtool verify, with its SANs`, async () => {
      const key = await provider.generateKeyPair(parseKeySpec(spec)!);
      const der = await createCertificationRequest(provider, { subject: 'CN=www.example.com,O=Example,C=US', key, subjectAltNames: ['dns:www.example.com', 'ip:192.0.2.1'] });
      const file = join(dir, `${spec.replace(':', '')}.csr`);
      writeFileSync(file, encodePem('CERTIFICATE REQUEST', der));
      assert.match(ok('openssl', ['req', '-verify', '-noout', '-in', file]), /verify OK|self-signature ok/i);
      ok('certtool', ['--crq-info', '--infile', file]);
      const text = ok('openssl', ['req', '-text', '-noout', '-in', file]);
      assert.match(text, /DNS:www\.example\.com, IP Address:192\.0\.2\.1/);
      const info = readCertificationRequest(provider, der);
      assert.equal(info.subject, 'CN=www.example.com,O=Example,C=US');
      assert.deepEqual(info.subjectAltNames, ['dns:www.example.com', 'ip:192.0.2.1']);
      assert.equal(info.signatureValid, true);
      assert.equal(info.publicKey.type, spec.split(':')[0]);
      assert.deepEqual(info.publicKey.spki, key.spki);
    });
  }
});
