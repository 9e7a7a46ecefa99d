import assert from 'node:assert/strict';
import { createSoftwareProvider } from '../../../src/core/crypto/index.js';
import { KymanError } from '../../../src/core/errors.js';
import { checkLabel, labelFor, MAX_LABEL_LENGTH } from '../../../src/core/keystore/labels.js';
import { createCertificate } from '../../../src/core/pki/certificate/index.js';

const provider = createSoftwareProvider();
const isUsage = (e: unknown) => e instanceof KymanError && e.code === 'USAGE';

async function certificateFor(subject: string): Promise<Uint8Array> {
  const key = await provider.generateKeyPair({ type: 'ec', curve: 'P-256' });
  return createCertificate(provider, { subject, subjectKey: key, days: 1 });
}

describe('keystore/labels', () => {
  describe('checkLabel', () => {
    it('returns a printable label of up to 127 characters as it is', () => {
      for (const label of ['web', 'web server 2026', 'Ünïcödé ключ', 'a'.repeat(MAX_LABEL_LENGTH), 'with "quotes" and, commas']) {
        assert.equal(checkLabel(label), label);
      }
      assert.equal(MAX_LABEL_LENGTH, 127);
    });

    it('refuses an empty label and one that starts or ends with spaces', () => {
      for (const label of ['', ' ', ' web', 'web ', '\tweb']) assert.throws(() => checkLabel(label), isUsage, JSON.stringify(label));
    });

    it('refuses a label longer than 127 characters, quoting its start', () => {
      assert.throws(() => checkLabel('b'.repeat(MAX_LABEL_LENGTH + 1)), (e: unknown) => isUsage(e) && /"b{20}…" is longer than 127 characters/.test((e as Error).message));
    });

    it('refuses control characters inside a label', () => {
      for (const label of ['a\nb', 'a\u0000b', 'a\u001fb', 'a\u007fb']) assert.throws(() => checkLabel(label), (e: unknown) => isUsage(e) && /control characters/.test((e as Error).message));
    });
  });

  describe('labelFor', function () {
    this.timeout(20_000);
    const free = () => false;

    it("names a certificate after its subject's CN, unescaped", async () => {
      assert.equal(labelFor(await certificateFor('CN=www.example.com,O=Example,C=US'), free), 'www.example.com');
      assert.equal(labelFor(await certificateFor('CN=Doe\\, Jane,O=Example'), free), 'Doe, Jane');
    });

    it('takes the whole subject when there is no CN, and at most 100 characters', async () => {
      assert.equal(labelFor(await certificateFor('O=Example,C=US'), free), 'O=Example,C=US');
      const long = `OU=${'x'.repeat(60)},O=${'y'.repeat(60)}`;
      assert.equal(labelFor(await certificateFor(long), free), long.slice(0, 100));
    });

    it('numbers a label that is taken: " (2)", " (3)" …', async () => {
      const cert = await certificateFor('CN=dup');
      const taken = new Set(['dup', 'dup (2)']);
      assert.equal(labelFor(cert, (l) => taken.has(l)), 'dup (3)');
      assert.equal(labelFor(cert, (l) => l === 'dup'), 'dup (2)');
    });
  });
});
