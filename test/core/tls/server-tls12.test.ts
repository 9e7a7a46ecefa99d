import assert from 'node:assert/strict';
import type { TlsClientOptions } from '../../../src/core/tls/index.js';
import { connectTcp, within } from '../../helpers/peers.js';
import { scripted, tlsHarness } from '../../helpers/tls-harness.js';

describe('tls 1.2 server against a scripted client', function () {
  this.timeout(30_000);
  const { kymanServer, client, closers } = tlsHarness();

  /** Our own client's ClientHello, captured, with `edit` applied to its extensions. */
  async function capturedHello(options: Partial<TlsClientOptions>): Promise<Buffer> {
    const captured: Buffer[] = [];
    const grab = await scripted((d) => (captured.push(d), Buffer.alloc(0)));
    closers.push(grab.close);
    const c = await client(grab.port, options);
    await new Promise((r) => setTimeout(r, 100));
    c.destroy();
    return captured[0];
  }

  it('a ClientHello without extended_master_secret gets handshake_failure on the wire', async () => {
    const hello = await capturedHello({ versions: ['TLSv1.2'] });
    // Rename extended_master_secret (0x0017, empty) to an unknown type, keeping every length as it is.
    const at = hello.indexOf(Buffer.from('00170000', 'hex'));
    assert.ok(at > 0);
    hello.writeUInt16BE(0x7a7a, at);
    const srv = await kymanServer();
    const raw = await connectTcp(srv.port);
    const reply: Buffer[] = [];
    raw.on('data', (d: Buffer) => reply.push(d));
    const closed = new Promise((r) => raw.once('close', r));
    raw.write(hello);
    await within(5000, closed);
    assert.equal(Buffer.concat(reply).toString('hex'), '15030300020228');
  });
});
