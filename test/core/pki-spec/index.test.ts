// Loading a PKI spec file: database paths resolve against the file's folder; a missing file is named.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { KymanError } from '../../../src/core/errors.js';
import { loadPkiSpec } from '../../../src/core/pki-spec/index.js';
import { tempDir } from '../../helpers/cli.js';

describe('pki spec: loading a file', () => {
  const tmp = tempDir('kyman-pki-spec-load-');
  after(() => tmp.cleanup());

  it('resolves database files against the folder of the spec, not the working directory', async () => {
    writeFileSync(tmp.file('spec.yaml'), 'databases:\n  ca: { file: sub/ca.kdb }\ncertificates:\n  - label: root\n    subject: CN=Root\n');
    const spec = await loadPkiSpec(tmp.file('spec.yaml'));
    assert.equal(spec.databases.get('ca')!.file, path.join(tmp.dir, 'sub', 'ca.kdb'));
    assert.deepEqual(spec.certificates.map((c) => c.label), ['root']);
  });

  it('fails with a KymanError for a file that is not there', async () => {
    await assert.rejects(loadPkiSpec(tmp.file('missing.yaml')), (e: unknown) => e instanceof KymanError && e.code === 'NOT_FOUND' && e.message.includes('missing.yaml'));
  });
});
