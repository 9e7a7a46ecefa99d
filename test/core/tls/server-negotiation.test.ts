// What both server handshakes read from a ClientHello alike: the server name (RFC 6066 §3) and the ALPN choice (RFC 7301 §3.2).

import assert from 'node:assert/strict';
import { TlsAlertError } from '../../../src/core/tls/alerts.js';
import { ExtensionType, alpnExt, ext, serverNameExt } from '../../../src/core/tls/msgs/index.js';
import { chooseApplicationProtocol, requestedServerName } from '../../../src/core/tls/server-negotiation.js';

describe('tls server negotiation', () => {
  const offers = [ext(ExtensionType.server_name, serverNameExt.encode('www.example.com')), ext(ExtensionType.application_layer_protocol_negotiation, alpnExt.encode(['h2', 'http/1.1']))];

  it('the requested host name, or none', () => {
    assert.equal(requestedServerName(offers), 'www.example.com');
    assert.equal(requestedServerName([]), undefined);
  });

  it("ALPN: the server's preference among the client's offers; nothing when either side did not ask", () => {
    assert.equal(chooseApplicationProtocol(offers, ['http/1.1', 'h2']), 'http/1.1');
    assert.equal(chooseApplicationProtocol(offers, ['h2']), 'h2');
    assert.equal(chooseApplicationProtocol(offers, undefined), undefined);
    assert.equal(chooseApplicationProtocol([], ['h2']), undefined);
  });

  it('ALPN offers with nothing in common are a no_application_protocol', () => {
    assert.throws(() => chooseApplicationProtocol(offers, ['spdy/3']), (e: unknown) => e instanceof TlsAlertError && e.alert.name === 'no_application_protocol');
  });
});
