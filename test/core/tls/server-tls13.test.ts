import assert from 'node:assert/strict';
import { TlsAlertError } from '../../../src/core/tls/index.js';
import { within } from '../../helpers/peers.js';
import { tlsHarness } from '../../helpers/tls-harness.js';

describe('tls 1.3 server', function () {
  this.timeout(30_000);
  const { kymanServer, client, failure } = tlsHarness();

  it('a client refuses a server with no suite in common before sending anything odd', async () => {
    const { port, conns } = await kymanServer({ cipherSuites: ['TLS_AES_256_GCM_SHA384'] });
    const e = await failure(await client(port, { cipherSuites: ['TLS_CHACHA20_POLY1305_SHA256'] }));
    assert.equal(e.alert.name, 'handshake_failure');
    assert.equal(e.direction, 'received');
    const s = await within(5000, conns[0].secured.then(() => undefined, (err: unknown) => err));
    assert.ok(s instanceof TlsAlertError && s.direction === 'sent' && s.alert.name === 'handshake_failure');
  });
});
