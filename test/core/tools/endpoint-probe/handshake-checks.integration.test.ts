// Resumption and ALPN, from completed handshakes: openssl with and without tickets, Node's tls with ALPN, and kyman's own server.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createTlsServer } from '../../../../src/core/tls/index.js';
import { probeSuite } from '../../../helpers/endpoint-probe.js';
import { listenKyman, nodeTlsEchoServer } from '../../../helpers/peers.js';
import { provider } from '../../../helpers/tls-credentials.js';

describe('endpoint probe resumption and ALPN (integration)', function () {
  this.timeout(60_000);
  const suite = probeSuite();
  const run = (args: string[], alpn?: string[]) => suite.openssl(args, alpn ? { alpn } : {});

  it('openssl with tickets: TLS 1.2 resumes by ticket, not by id alone; TLS 1.3 by PSK; no ALPN chosen when it has none', async () => {
    const r = await run(['-cert', suite.pki().ecdsa.certFile, '-key', suite.pki().ecdsa.keyFile]);
    // OpenSSL keeps no server-side session for a connection it gave a ticket.
    assert.deepEqual(r.handshakes?.resumption, { tls13Psk: true, sessionIds: false, tickets: true });
    assert.deepEqual(r.handshakes?.alpn, { offered: ['h2', 'http/1.1'] });
  });

  it('openssl -no_ticket: TLS 1.2 resumes by session id, and takes no ticket; -alpn: the protocol it chose from --alpn', async () => {
    const r = await run(['-cert', suite.pki().ecdsa.certFile, '-key', suite.pki().ecdsa.keyFile, '-no_ticket', '-alpn', 'imap,http/1.1'], ['imap', 'h2']);
    assert.equal(r.handshakes?.resumption.sessionIds, true);
    assert.equal(r.handshakes?.resumption.tickets, false);
    assert.deepEqual(r.handshakes?.alpn, { offered: ['imap', 'h2'], chosen: 'imap' });
  });

  it("Node's tls: the ALPN it chose, and its refusal of protocols it does not speak", async () => {
    const server = await nodeTlsEchoServer({ cert: readFileSync(suite.pki().ecdsa.certFile), key: readFileSync(suite.pki().ecdsa.keyFile), ALPNProtocols: ['h2'] });
    try {
      const r = await suite.probeAt(server.port);
      assert.equal(r.handshakes?.alpn.chosen, 'h2');
      assert.equal(r.handshakes?.resumption.tls13Psk, true);
      const other = await suite.probeAt(server.port, { alpn: ['smtp'] });
      assert.equal(other.handshakes?.alpn.chosen, undefined);
      assert.match(other.handshakes?.alpn.why!, /no_application_protocol/);
    } finally {
      await server.close();
    }
  });

  it("kyman's own server: resumption by PSK, by id and by ticket; no ALPN configured, none chosen", async () => {
    const server = await listenKyman(createTlsServer({ certificateChain: [suite.pki().ecdsa.der], privateKey: suite.pki().ecdsa.key, provider }));
    try {
      const r = await suite.probeAt(server.port);
      assert.equal(r.handshakes?.resumption.tls13Psk, true);
      assert.deepEqual(r.handshakes, { resumption: { tls13Psk: true, sessionIds: true, tickets: true }, alpn: { offered: ['h2', 'http/1.1'] }, stapling13: { ocsp: false, sct: false } });
    } finally {
      await server.close();
    }
  });
});
