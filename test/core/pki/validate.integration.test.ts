// Chains openssl made, validated by kyman and by openssl verify, with the same verdict.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSoftwareProvider, type PrivateKeyHandle } from '../../../src/core/crypto/index.js';
import { decodePem, encodePem } from '../../../src/core/pki/pem.js';
import { validateChain } from '../../../src/core/pki/validate.js';
import { DAY, make } from '../../helpers/chains.js';

const provider = createSoftwareProvider();

function openssl(args: string[], cwd: string): string {
  const r = spawnSync('openssl', args, { encoding: 'utf8', cwd });
  assert.equal(r.status, 0, `openssl ${args.join(' ')}\n${r.stderr}`);
  return r.stdout;
}

describe('pki/validate', () => {
  describe('validateChain', () => {
  describe('with certificates made by openssl', () => {
    let dir: string;
    let root: { der: Uint8Array; key: PrivateKeyHandle };
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'kyman-validate-'));
      root = await make('CN=Constrained Root', undefined, { ca: true, notBefore: new Date(Date.now() - DAY), notAfter: new Date(Date.now() + 300 * DAY) });
      writeFileSync(join(dir, 'root.pem'), encodePem('CERTIFICATE', root.der));
      writeFileSync(join(dir, 'root.key'), encodePem('PRIVATE KEY', provider.exportPrivateKey(root.key)));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    /** A certificate signed by `ca` (PEM files in dir) with openssl and the given -addext options. */
    function issue(name: string, ca: string, extensions: string[]): Uint8Array {
      openssl(['req', '-new', '-x509', '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-subj', `/CN=${name}`, '-days', '30', ...extensions.flatMap((e) => ['-addext', e]), '-out', `${name}.pem`], dir);
      return decodePem(readFileSync(join(dir, `${name}.pem`))).find((b) => b.label === 'CERTIFICATE')!.der;
    }

    it('refuses an unknown critical extension (RFC 5280 §6.1.5 e), as openssl does', () => {
      const leaf = issue('critical-leaf', 'root', ['1.2.3.4.5=critical,ASN1:NULL']);
      const r = validateChain(provider, leaf, { trustAnchors: [root.der] });
      assert.equal(r.reason?.code, 'critical-extension');
      assert.match(r.reason!.message, /unhandled critical extension 1\.2\.3\.4\.5 in CN=critical-leaf/);
      const known = issue('known-leaf', 'root', ['1.2.3.4.5=ASN1:NULL']);
      assert.equal(validateChain(provider, known, { trustAnchors: [root.der] }).valid, true);
      assert.notEqual(spawnSync('openssl', ['verify', '-CAfile', 'root.pem', 'critical-leaf.pem'], { cwd: dir }).status, 0);
    });

    it('refuses a certificate signed with MD5 (RFC 6151), where OpenSSL 3.0 still accepts it', () => {
      openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'rsa-root.key', '-subj', '/CN=RSA Root', '-days', '10', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign', '-out', 'rsa-root.pem'], dir);
      const leaf = issue('md5-leaf', 'rsa-root', []);
      const md5 = (() => {
        openssl(['req', '-x509', '-CA', 'rsa-root.pem', '-CAkey', 'rsa-root.key', '-md5', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'md5.key', '-subj', '/CN=md5', '-days', '5', '-out', 'md5.pem'], dir);
        return decodePem(readFileSync(join(dir, 'md5.pem')))[0].der;
      })();
      const anchor = decodePem(readFileSync(join(dir, 'rsa-root.pem')))[0].der;
      assert.equal(validateChain(provider, leaf, { trustAnchors: [anchor] }).valid, true);
      const r = validateChain(provider, md5, { trustAnchors: [anchor] });
      assert.equal(r.reason?.code, 'weak-algorithm');
      assert.match(r.reason!.message, /CN=md5 is signed with md5WithRSAEncryption/);
    });

    it('enforces name constraints on DNS names and directory names below a CA', () => {
      // The dirName subtree needs a config section, so this CA is made from a config file.
      const cnf = join(dir, 'nc.cnf');
      writeFileSync(cnf, '[req]\ndistinguished_name=dn\n[dn]\n[nc_dir]\nO=Example\n[ext]\nbasicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nnameConstraints=critical,permitted;DNS:example.com,permitted;dirName:nc_dir\n');
      openssl(['req', '-new', '-x509', '-config', cnf, '-extensions', 'ext', '-CA', 'root.pem', '-CAkey', 'root.key', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'nc.key', '-subj', '/O=Example/CN=NC CA', '-days', '30', '-out', 'nc.pem'], dir);
      const nc = decodePem(readFileSync(join(dir, 'nc.pem')))[0].der;
      const inside = (cn: string, san: string) => {
        openssl(['req', '-new', '-x509', '-CA', 'nc.pem', '-CAkey', 'nc.key', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'l.key', '-subj', cn, '-days', '10', '-addext', `subjectAltName=${san}`, '-out', 'l.pem'], dir);
        const leaf = decodePem(readFileSync(join(dir, 'l.pem')))[0].der;
        const ours = validateChain(provider, leaf, { trustAnchors: [root.der], intermediates: [nc] });
        const theirs = spawnSync('openssl', ['verify', '-CAfile', 'root.pem', '-untrusted', 'nc.pem', 'l.pem'], { cwd: dir }).status === 0;
        assert.equal(ours.valid, theirs, `${cn} ${san}: kyman ${ours.reason?.message}`);
        return ours;
      };
      assert.equal(inside('/O=Example/CN=www', 'DNS:www.example.com').valid, true);
      assert.equal(inside('/O=Example/CN=www', 'DNS:example.com').valid, true);
      const evil = inside('/O=Example/CN=www', 'DNS:www.evil.com');
      assert.equal(evil.reason?.code, 'name-constraints');
      assert.match(evil.reason!.message, /dns:www\.evil\.com/);
      assert.equal(inside('/O=Other/CN=www', 'DNS:www.example.com').reason?.code, 'name-constraints');
      assert.equal(inside('/O=Example/CN=www', 'DNS:notexample.com').valid, false);
    });
  });
  });
});
