import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { CryptoProvider } from '../../../src/core/crypto/index.js';
import type { TlsSession, TraceEvent, TraceField } from '../../../src/core/tls/index.js';
import { within } from '../../helpers/peers.js';
import { provider } from '../../helpers/tls-credentials.js';
import { rawServer, tlsHarness } from '../../helpers/tls-harness.js';

describe('tls 1.3 client against a misbehaving server', function () {
  this.timeout(30_000);
  const { kymanServer, client, failure, closers } = tlsHarness();

  it('a tampered server Finished: decrypt_error', async () => {
    // The server's provider spoils every HMAC, and HMAC is what Finished is made of (§4.4.4).
    const spoiled: CryptoProvider = {
      ...provider,
      hmac: (a, k, d) => {
        const mac = provider.hmac(a, k, d);
        mac[0] ^= 1;
        return mac;
      },
    };
    const { port } = await kymanServer({ provider: spoiled });
    const e = await failure(await client(port));
    assert.equal(e.alert.name, 'decrypt_error');
    assert.equal(e.direction, 'sent');
  });

  it('a ServerHello that does not echo the session id: illegal_parameter', async () => {
    const srv = await rawServer((s) => {
      s.once('data', () => {
        const body = Buffer.concat([Buffer.from('0303', 'hex'), randomBytes(32), Buffer.from('00', 'hex'), Buffer.from('130100', 'hex'), Buffer.from('0006002b00020304', 'hex')]);
        const msg = Buffer.concat([Buffer.from([2, 0, 0, body.length]), body]);
        s.write(Buffer.concat([Buffer.from([0x16, 3, 3, 0, msg.length]), msg]));
      });
    });
    closers.push(srv.close);
    const e = await failure(await client(srv.port));
    assert.equal(e.alert.name, 'illegal_parameter');
  });

  it('keyLog gets the four NSS lines; trace names fields as the RFC does', async () => {
    const { port } = await kymanServer();
    const lines: string[] = [];
    const events: TraceEvent[] = [];
    const c = await client(port, { keyLog: (l: string) => lines.push(l), trace: (e: TraceEvent) => events.push(e) });
    await within(10_000, c.secured);
    c.destroy();
    assert.deepEqual(
      lines.map((l) => l.split(' ')[0]),
      ['CLIENT_HANDSHAKE_TRAFFIC_SECRET', 'SERVER_HANDSHAKE_TRAFFIC_SECRET', 'CLIENT_TRAFFIC_SECRET_0', 'SERVER_TRAFFIC_SECRET_0'],
    );
    for (const l of lines) assert.match(l, /^[A-Z_0-9]+ [0-9a-f]{64} [0-9a-f]{64}$/);
    const seen = events.map((e) => `${e.direction} ${e.message}`);
    assert.deepEqual(seen.slice(0, 7), [
      'sent ClientHello',
      'received ServerHello',
      'received EncryptedExtensions',
      'received Certificate',
      'received CertificateVerify',
      'received Finished',
      'sent Finished',
    ]);
    // A server that asks for no certificate sends its ticket with its first flight (RFC 8446 §4.6.1).
    for (const later of seen.slice(7)) assert.equal(later, 'received NewSessionTicket');
    const hello = events[0];
    assert.deepEqual(
      hello.fields.map((f) => f.name),
      ['legacy_version', 'random', 'legacy_session_id', 'cipher_suites', 'legacy_compression_methods', 'extensions'],
    );
    const extensions = hello.fields[5].value as readonly { name: string }[];
    assert.ok(extensions.some((e) => e.name === 'key_share'));
    // TLS 1.2 is offered too by default (its suites after the TLS 1.3 ones), but a TLS 1.3 server picks 1.3.
    assert.equal(
      hello.fields[3].value,
      'TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256, ' +
        'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, ' +
        'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256',
    );
  });
});

describe('tls 1.3 client offering psk_ke (RFC 8446 §4.2.9)', function () {
  this.timeout(30_000);
  const { kymanServer, client } = tlsHarness();

  async function ticket(port: number): Promise<TlsSession> {
    const c = await client(port);
    const session = new Promise<TlsSession>((r) => c.once('session', r));
    c.resume();
    await within(10_000, c.secured);
    const s = await within(5000, session, 'ticket');
    c.end();
    return s;
  }

  /** The fields named `name`, at any depth, of the messages named `message` (extensions are nested fields). */
  const fieldsNamed = (events: TraceEvent[], message: string, name: string): TraceField[] => {
    const walk = (fields: readonly TraceField[]): TraceField[] => fields.flatMap((f) => [...(f.name === name ? [f] : []), ...(Array.isArray(f.value) ? walk(f.value) : [])]);
    return events.filter((e) => e.message === message).flatMap((e) => walk(e.fields));
  };

  it('to a server that allows it: resumed with no key share in the ServerHello, and group none on both sides', async () => {
    const srv = await kymanServer({ allowPskKe: true });
    const session = await ticket(srv.port);
    const events: TraceEvent[] = [];
    const c = await client(srv.port, { session, pskKeyExchange: 'psk_ke', trace: (e) => events.push(e) });
    const summary = await within(10_000, c.secured);
    assert.equal(summary.resumed, true);
    assert.equal(summary.group, 'none');
    const server = await within(5000, srv.conns[1].secured);
    assert.equal(server.resumed, true);
    assert.equal(server.group, 'none');
    assert.equal(fieldsNamed(events, 'ServerHello', 'extensions').length, 1, 'the ServerHello is traced with its extensions');
    assert.deepEqual(fieldsNamed(events, 'ServerHello', 'key_share'), []);
    assert.deepEqual(fieldsNamed(events, 'ClientHello', 'psk_key_exchange_modes').map((f) => f.value), ['psk_ke']);
  });

  it('to a server that does not allow it: a full handshake with the key share sent, not a failure', async () => {
    const srv = await kymanServer();
    const session = await ticket(srv.port);
    const c = await client(srv.port, { session, pskKeyExchange: 'psk_ke' });
    const summary = await within(10_000, c.secured);
    assert.equal(summary.resumed, false);
    assert.equal(summary.group, 'X25519MLKEM768', 'the default groups, first choice');
  });

  it('psk_dhe_ke, the default, still resumes with a key exchange on a server that allows psk_ke', async () => {
    const srv = await kymanServer({ allowPskKe: true });
    const session = await ticket(srv.port);
    const events: TraceEvent[] = [];
    const c = await client(srv.port, { session, trace: (e) => events.push(e) });
    const summary = await within(10_000, c.secured);
    assert.equal(summary.resumed, true);
    assert.equal(summary.group, 'X25519MLKEM768', 'the default groups, first choice');
    assert.equal(fieldsNamed(events, 'ServerHello', 'key_share').length, 1);
  });
});
