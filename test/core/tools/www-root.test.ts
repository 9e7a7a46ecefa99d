import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { wwwServer } from '../../../src/core/tools/www-root.js';
import { tempDir } from '../../helpers/cli.js';

describe('the --www folder', () => {
  const t = tempDir('kyman-www-');
  after(() => t.cleanup());

  it('serves files and index.html, and nothing outside the folder', () => {
    const root = t.file('site');
    mkdirSync(path.join(root, 'd'), { recursive: true });
    writeFileSync(path.join(root, 'index.html'), 'home');
    writeFileSync(path.join(root, 'd', 'f.txt'), 'f');
    writeFileSync(t.file('secret'), 'secret');
    mkdirSync(t.file('site-other'));
    writeFileSync(path.join(t.file('site-other'), 'x'), 'sibling');
    symlinkSync(t.file('secret'), path.join(root, 'out'));
    symlinkSync(t.dir, path.join(root, 'up'));
    const w = wwwServer(root);
    assert.equal(w.answer('GET / HTTP/1.1').content.toString(), 'home');
    assert.equal(w.answer('GET /d/f.txt?x=1 HTTP/1.1').content.toString(), 'f');
    assert.match(w.answer('HEAD /d/f.txt HTTP/1.0').status, /^200/);
    for (const p of ['/../secret', '/d/../../secret', '/%2e%2e/secret', '/..%2Fsecret', '/out', '/up/secret', '/../site-other/x', '/%00', 'secret', '/d\\..\\..\\secret', '/%zz']) {
      const a = w.answer(`GET ${p} HTTP/1.1`);
      assert.match(a.status, /^(400|403|404)/, p);
      assert.doesNotMatch(a.content.toString(), /secret$|sibling/, p);
    }
    assert.match(w.answer('DELETE / HTTP/1.1').status, /^405/);
    assert.match(w.answer('GET /d HTTP/1.1').status, /^404/, 'a folder without index.html');
  });
});
