// pki apply's progress on a terminal that reports 0 columns (script, some CI runners): whole lines, not a character a line.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { kymanOnTerminal, suiteTempDir } from '../../helpers/cli.js';

describe('kyman pki apply progress', function () {
  this.timeout(120_000);
  const tmp = suiteTempDir();

  it('on a 0-column terminal prints whole lines', () => {
    const spec = tmp.file('pki.yaml');
    let text = 'databases:\n  ca: { file: ca.kdb }\ncertificates:\n  - label: root\n    database: ca\n    subject: CN=Progress Root\n';
    for (let i = 0; i < 4; i++) text += `  - label: leaf-${i}\n    database: ca\n    issuer: root\n    subject: CN=leaf-${i}\n    profile: server\n`;
    writeFileSync(spec, text);
    const r = kymanOnTerminal(['pki', 'apply', spec, '--pass', 'env:P'], '', { columns: 0, env: { P: 'progress-test-pass' }, cwd: tmp.dir });
    assert.equal(r.status, 0, r.stdout);
    // eslint-disable-next-line no-control-regex
    const lines = r.stdout.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '').split(/\r?\n/).filter((l) => l.trim().length > 0);
    const tiny = lines.filter((l) => l.trim().length <= 2);
    assert.ok(tiny.length < 3, `lines of a character or two:\n${lines.join('\n')}`);
    assert.match(r.stdout, /leaf-3/);
  });
});
