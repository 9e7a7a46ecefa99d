import assert from 'node:assert/strict';
import type * as net from 'node:net';
import { createTlsServer, TlsAlertError } from '../../../src/core/tls/index.js';
import { listenKyman, within } from '../../helpers/peers.js';
import { provider } from '../../helpers/tls-credentials.js';
import { tlsHarness } from '../../helpers/tls-harness.js';

/** The TLS records in one write to the transport, by their headers (type, version, length). */
function recordCount(chunk: Buffer): number {
  let n = 0;
  for (let at = 0; at + 5 <= chunk.length; at += 5 + chunk.readUInt16BE(at + 3)) n++;
  return n;
}

describe('tls 1.3 server', function () {
  this.timeout(30_000);
  const { kymanServer, client, failure, pki, closers } = tlsHarness();

  it('sends its NewSessionTicket in the same write as the first application data written after the handshake', async () => {
    const writes: Buffer[] = [];
    const tls = createTlsServer({ certificateChain: [pki().ecdsa.der], privateKey: pki().ecdsa.key, provider });
    const srv = await listenKyman(tls, (c) => {
      const transport = c.transport as net.Socket;
      const write = transport.write.bind(transport) as (chunk: Uint8Array) => boolean;
      transport.write = ((chunk: Uint8Array) => {
        writes.push(Buffer.from(chunk));
        return write(chunk);
      }) as typeof transport.write;
      c.on('secure', () => c.write('hello'));
    });
    closers.push(() => void srv.close());
    const c = await client(srv.port);
    const session = new Promise((resolve) => c.once('session', resolve));
    const data = new Promise<Buffer>((resolve) => c.once('data', resolve));
    await within(5000, Promise.all([session, data]));
    assert.equal((await data).toString(), 'hello');
    // The flight (ServerHello to Finished), then one write: the ticket's record and the data's.
    assert.equal(writes.length, 2);
    assert.equal(recordCount(writes[1]), 2);
  });

  it('a client refuses a server with no suite in common before sending anything odd', async () => {
    const { port, conns } = await kymanServer({ cipherSuites: ['TLS_AES_256_GCM_SHA384'] });
    const e = await failure(await client(port, { cipherSuites: ['TLS_CHACHA20_POLY1305_SHA256'] }));
    assert.equal(e.alert.name, 'handshake_failure');
    assert.equal(e.direction, 'received');
    const s = await within(5000, conns[0].secured.then(() => undefined, (err: unknown) => err));
    assert.ok(s instanceof TlsAlertError && s.direction === 'sent' && s.alert.name === 'handshake_failure');
  });
});
