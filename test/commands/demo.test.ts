// kyman demo: a mutual-TLS handshake between kyman's own client and server, in a folder it removes.

import assert from 'node:assert/strict';
import { kyman, tool } from '../helpers/cli.js';

describe('kyman demo', function () {
  this.timeout(60_000);

  it('kyman demo runs a mutual-TLS handshake and cleans up', () => {
    const r = kyman(['demo']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^version\s+TLSv1\.3$/m);
    assert.match(r.stdout, /^client certificate\s+CN=kyman demo client,O=kyman demo \(checked by the server\)$/m);
    assert.match(r.stdout, /^server certificate\s+valid for localhost$/m);
    assert.match(r.stdout, /kyman tls client localhost:4433/);
    const dir = /key database (\S+)\/demo\.kdb/.exec(r.stdout)?.[1];
    assert.ok(dir);
    assert.equal(tool('test', ['-e', dir]).status, 1, 'the demo directory is removed');
  });
});
