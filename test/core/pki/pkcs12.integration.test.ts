// What kyman's PKCS #12 writer makes, read back by openssl pkcs12 and keytool.

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as nodeCrypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createSoftwareProvider } from '../../../src/core/crypto/index.js';
import { decodePem } from '../../../src/core/pki/pem.js';
import { isPkcs12, readPkcs12, writePkcs12 } from '../../../src/core/pki/pkcs12.js';
import { kymanBags as bagsOf, pkcs12Material } from '../../helpers/pkcs12-material.js';

const provider = createSoftwareProvider();
const LEGACY = ['-provider', 'legacy', '-provider', 'default'];

function spkiOfPkcs8(pkcs8: Uint8Array): Buffer {
  return nodeCrypto.createPublicKey(nodeCrypto.createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' })).export({ format: 'der', type: 'spki' });
}
const spkiOfCert = (der: Uint8Array) => new nodeCrypto.X509Certificate(der).publicKey.export({ format: 'der', type: 'spki' });

describe('PKCS #12 with OpenSSL and keytool', () => {
  let dir: string;
  const { leaf, ca, leafKey } = pkcs12Material();
  const kymanBags = () => bagsOf({ leaf, ca, leafKey });
  const file = (name: string) => path.join(dir, name);
  const run = (cmd: string, ...args: string[]) => execFileSync(cmd, args, { stdio: 'pipe' }).toString();
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kyman-p12-'))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  describe('writes what others read', () => {
    for (const legacy of [false, true]) {
      const kind = legacy ? 'legacy' : 'modern';
      it(`${kind}: openssl pkcs12 -info and keytool -list read it`, () => {
        const p12 = writePkcs12(provider, kymanBags(), 'secret', { legacy });
        assert.equal(isPkcs12(p12), true);
        fs.writeFileSync(file(`kyman-${kind}.p12`), p12);
        const info = run('openssl', 'pkcs12', ...(legacy ? ['-legacy'] : []), '-info', '-nodes', '-passin', 'pass:secret', '-in', file(`kyman-${kind}.p12`));
        // The certificates and the key come on stdout, each after its bag attributes.
        const blocks = decodePem(info);
        assert.deepEqual(blocks.filter((b) => b.label === 'CERTIFICATE').map((b) => b.der).sort(Buffer.compare), [leaf, ca].sort(Buffer.compare));
        const key = blocks.find((b) => b.label === 'PRIVATE KEY')!;
        assert.deepEqual(spkiOfPkcs8(key.der), spkiOfCert(leaf));
        assert.match(info, /friendlyName: my leaf/);
        assert.match(info, /localKeyID: DE AD BE EF/);
        const list = run('keytool', '-list', '-v', '-storetype', 'PKCS12', '-keystore', file(`kyman-${kind}.p12`), '-storepass', 'secret');
        assert.match(list, /Alias name: my leaf\nCreation date: .*\nEntry type: PrivateKeyEntry/);
        assert.match(list, /Alias name: trusted ca\nCreation date: .*\nEntry type: trustedCertEntry/);
      });
    }

    it('says which schemes it used, as OpenSSL 3 does', () => {
      const check = (legacy: boolean, expect: RegExp[]) => {
        fs.writeFileSync(file('schemes.p12'), writePkcs12(provider, kymanBags(), 'secret', { legacy, iterations: 1000 }));
        const r = opensslStderr(['pkcs12', ...LEGACY, '-info', '-noout', '-passin', 'pass:secret', '-in', file('schemes.p12')]);
        for (const e of expect) assert.match(r, e);
      };
      check(false, [/MAC: sha256, Iteration 1000/, /PKCS7 Encrypted data: PBES2, PBKDF2, AES-256-CBC, Iteration 1000, PRF hmacWithSHA256/,
        /Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration 1000, PRF hmacWithSHA256/]);
      check(true, [/MAC: sha1, Iteration 1000/, /PKCS7 Encrypted data: pbeWithSHA1And40BitRC2-CBC, Iteration 1000/,
        /Shrouded Keybag: pbeWithSHA1And3-KeyTripleDES-CBC, Iteration 1000/]);
    });

    it('writes an empty store that OpenSSL accepts', () => {
      const p12 = writePkcs12(provider, [], 'secret');
      assert.deepEqual(readPkcs12(provider, p12, 'secret').bags, []);
      fs.writeFileSync(file('empty-store.p12'), p12);
      run('openssl', 'pkcs12', '-info', '-nodes', '-passin', 'pass:secret', '-in', file('empty-store.p12'));
    });
  });
});

function opensslStderr(args: string[]): string {
  const r = spawnSync('openssl', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stderr;
}

