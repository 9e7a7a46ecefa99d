// A bundle kyman writes, printed back by openssl pkcs7.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { decodePem } from '../../../src/core/pki/pem.js';
import { writePkcs7 } from '../../../src/core/pki/pkcs7.js';
import { fixture } from '../../helpers/fixtures.js';

describe('PKCS #7 certificate bundles with OpenSSL', () => {
  let dir: string;
  const chain = decodePem(fs.readFileSync(fixture('openssl/bundle-chain.pem'))).map((b) => b.der);
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kyman-p7-'))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('openssl prints the certificates of what kyman writes', () => {
    const mine = path.join(dir, 'mine.p7b');
    fs.writeFileSync(mine, writePkcs7(chain));
    const printed = execFileSync('openssl', ['pkcs7', '-print_certs', '-inform', 'DER', '-in', mine], { stdio: 'pipe' }).toString();
    assert.deepEqual(decodePem(printed).map((b) => b.der), chain);
    assert.match(printed, /subject=CN = leaf.example/);
  });
});
