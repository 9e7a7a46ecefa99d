import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { runDemo, type DemoStep } from '../../../src/core/tools/demo.js';
import { within } from '../../helpers/peers.js';

describe('demo', function () {
  this.timeout(60_000);

  it('runs the demo and cleans up', async () => {
    const r = await within(20_000, runDemo(), 'demo');
    assert.equal(r.client.version, 'TLSv1.3');
    assert.equal(r.client.clientCertificateSent, true);
    assert.equal(r.serverSide.clientCertificate, 'CN=kyman demo client,O=kyman demo');
    assert.equal(r.client.validation.valid, true);
    assert.equal(existsSync(r.dir), false);
  });

  it('keeps its directory when asked, and reports each step in order', async () => {
    const steps: DemoStep[] = [];
    const r = await within(20_000, runDemo({ keep: true, onStep: (s) => steps.push(s) }), 'demo');
    try {
      assert.equal(r.kept, true);
      assert.equal(existsSync(r.database), true);
      assert.equal(existsSync(r.stash), true);
      assert.deepEqual([...new Set(steps)], ['database', 'ca', 'server-certificate', 'client-certificate', 'server', 'handshake']);
      assert.ok(r.commands.length > 0 && r.commands.every((c) => c.startsWith('kyman ')), r.commands.join('\n'));
    } finally {
      await rm(r.dir, { recursive: true, force: true });
    }
  });
});
