// `kyman tls bench --resumed`: the resumed handshakes are timed, reported beside the full ones, and shown in progress like the other phases.

import assert from 'node:assert/strict';
import * as path from 'node:path';
import { kyman, kymanJson, repoRoot, tool } from '../../helpers/cli.js';

describe('kyman tls bench', function () {
  this.timeout(120_000);

  it('times resumed handshakes beside the full ones (--json; figures not asserted)', () => {
    const j = kymanJson(['tls', 'bench', '--handshakes', '5', '--bulk', '0', '--resumed']);
    assert.equal(j.__status, 0, j.__stderr);
    assert.equal(j.handshakes.handshakes, 5);
    assert.equal(j.resumed.handshakes, 5);
    assert.ok(j.resumed.perSecond > 0);
    assert.ok(j.resumed.speedup > 0);
    assert.equal(j.bulk, undefined);
  });

  it('says what it measured, for people', () => {
    const r = kyman(['tls', 'bench', '--handshakes', '3', '--bulk', '0', '--resumed']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^handshakes\s+\d+ full TLS 1\.3 handshakes\/s \(3 in /m);
    assert.match(r.stdout, /^resumed\s+\d+ resumed handshakes\/s, [\d.]+× the full ones \(3 in [\d.]+ s, median [\d.]+ ms; one session ticket, PSK with x25519\)$/m);
    // Without --resumed there is no such line.
    assert.doesNotMatch(kyman(['tls', 'bench', '--handshakes', '2', '--bulk', '0']).stdout, /^resumed/m);
  });

  it('shows the resumed phase in the progress display on a terminal', function () {
    // script(1) gives the command a terminal, as a person running it has.
    if (tool('sh', ['-c', 'command -v script']).status !== 0) this.skip();
    const bin = path.join(repoRoot, 'bin/run.js');
    const r = tool('script', ['-q', '-e', '-c', `"${process.execPath}" "${bin}" tls bench --handshakes 3 --bulk 0 --resumed`, '/dev/null'], { env: { NO_COLOR: '1', KYMAN_DB: '' } });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /… handshakes \[#*\.*\] \d\/3/);
    assert.match(r.stdout, /… resumed handshakes \[#*\.*\] \d\/3/);
  });

  it('kyman tls bench measures handshakes and bulk (figures not asserted)', () => {
    const j = kymanJson(['tls', 'bench', '--handshakes', '5', '--bulk', '2']);
    assert.equal(j.__status, 0, j.__stderr);
    assert.ok(j.handshakes.perSecond > 0);
    assert.ok(j.bulk.megabytesPerSecond > 0);
    assert.equal(j.bulk.cipherSuite, 'TLS_AES_128_GCM_SHA256');
  });
});
