import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ExtensionType, TLS11, ext } from '../../../src/core/tls/msgs/index.js';
import { EMS, RENEG, scripted, serverHelloRecord, tlsHarness } from '../../helpers/tls-harness.js';

describe('tls 1.2 client against a scripted server', function () {
  this.timeout(30_000);
  const { client, failure, closers } = tlsHarness();

  it('the downgrade sentinel in a TLS 1.2 ServerHello to a 1.3-capable client: illegal_parameter', async () => {
    const random = randomBytes(32);
    Buffer.from('444f574e47524401', 'hex').copy(random, 24);
    const srv = await scripted(() => serverHelloRecord({ random, extensions: [EMS, RENEG] }));
    closers.push(srv.close);
    const e = await failure(await client(srv.port));
    assert.equal(e.alert.name, 'illegal_parameter');
    assert.equal(e.direction, 'sent');
    assert.match(e.message, /downgrade sentinel/);
  });

  it('a server without extended_master_secret: handshake_failure', async () => {
    const srv = await scripted(() => serverHelloRecord({ extensions: [RENEG] }));
    closers.push(srv.close);
    const e = await failure(await client(srv.port));
    assert.equal(e.alert.name, 'handshake_failure');
    assert.match(e.message, /extended master secret/);
  });

  it('a server that answers with TLS 1.1: protocol_version', async () => {
    const srv = await scripted(() => serverHelloRecord({ version: TLS11, suite: 0xc013, extensions: [RENEG] }));
    closers.push(srv.close);
    const e = await failure(await client(srv.port));
    assert.equal(e.alert.name, 'protocol_version');
  });

  it('a suite that was not offered: illegal_parameter', async () => {
    const srv = await scripted(() => serverHelloRecord({ suite: 0xc02f, extensions: [EMS, RENEG] }));
    closers.push(srv.close);
    const e = await failure(await client(srv.port, { cipherSuites: ['TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'] }));
    assert.equal(e.alert.name, 'illegal_parameter');
  });

  it('a non-empty renegotiation_info on the first handshake: handshake_failure (RFC 5746 §3.4)', async () => {
    const srv = await scripted(() => serverHelloRecord({ extensions: [EMS, ext(ExtensionType.renegotiation_info, Uint8Array.of(2, 1, 2))] }));
    closers.push(srv.close);
    const e = await failure(await client(srv.port));
    assert.equal(e.alert.name, 'handshake_failure');
  });
});
