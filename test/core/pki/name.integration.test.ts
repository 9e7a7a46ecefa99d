// Names kyman writes into certificates, printed by openssl as kyman prints them.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSoftwareProvider } from '../../../src/core/crypto/index.js';
import { createCertificate } from '../../../src/core/pki/certificate/index.js';

describe('pki/name', () => {
  describe('against openssl x509 -subject -nameopt RFC2253', function () {
    this.timeout(60_000);
    const dir = mkdtempSync(join(tmpdir(), 'kyman-name-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const provider = createSoftwareProvider();

    // OpenSSL names STREET "street" and escapes bytes above 0x7f as \XX; these stay ASCII and avoid STREET.
    const names = [
      'CN=www.example.com,O=Example,C=US',
      'CN=a\\,b\\+c\\"d\\\\e\\<f\\>g\\;h=i,O=Example\\, Inc.,C=US',
      'CN=\\#lead\\ ,OU=x+O=y,DC=example,DC=com',
      'UID=jdoe+CN=John,emailAddress=j@example.com,serialNumber=1234,title=Dr,GN=John,SN=Doe,L=Here,ST=There',
      '1.3.6.1.4.1.99999.1=#0C0141,CN=tab\\09x',
    ];
    for (const text of names) {
      it(`prints ${JSON.stringify(text)} as openssl does`, async () => {
        const key = await provider.generateKeyPair({ type: 'ec', curve: 'P-256' });
        const cert = await createCertificate(provider, { subject: text, subjectKey: key });
        const file = join(dir, 'cert.der');
        writeFileSync(file, cert);
        const out = spawnSync('openssl', ['x509', '-inform', 'DER', '-in', file, '-noout', '-subject', '-nameopt', 'RFC2253'], { encoding: 'utf8' });
        assert.equal(out.status, 0, out.stderr);
        assert.equal(out.stdout.trim(), `subject=${text}`);
      });
    }
  });
});
