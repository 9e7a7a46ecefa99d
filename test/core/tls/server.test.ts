// The server entry: the version choice (RFC 8446 §4.2.1, RFC 5246 §E.1), made once from the ClientHello before either handshake exists, and what a malformed or mutated ClientHello gets.

import assert from 'node:assert/strict';
import { TlsAlertError } from '../../../src/core/tls/alerts.js';
import { ExtensionType, ext, supportedVersionsExt, type ClientHello } from '../../../src/core/tls/msgs/index.js';
import { chooseVersion } from '../../../src/core/tls/server.js';
import { connectTcp, within } from '../../helpers/peers.js';
import { rawServer, tlsHarness } from '../../helpers/tls-harness.js';

function hello(legacy_version: number, versions?: number[]): ClientHello {
  return {
    legacy_version,
    random: new Uint8Array(32),
    legacy_session_id: new Uint8Array(0),
    cipher_suites: [0x1301, 0xc02b],
    legacy_compression_methods: Uint8Array.of(0),
    extensions: versions ? [ext(ExtensionType.supported_versions, supportedVersionsExt.client.encode(versions))] : [],
  };
}

const both = ['TLSv1.3', 'TLSv1.2'] as const;

describe('tls server entry', () => {
  it('TLS 1.3 when the client lists it and it is enabled', () => {
    assert.equal(chooseVersion(hello(0x0303, [0x0304, 0x0303]), [...both]), 'TLSv1.3');
  });

  it('TLS 1.2 when the client lists only it, or sends no supported_versions with legacy_version 0x0303, or TLS 1.3 is off', () => {
    assert.equal(chooseVersion(hello(0x0303, [0x0303]), [...both]), 'TLSv1.2');
    assert.equal(chooseVersion(hello(0x0303), [...both]), 'TLSv1.2');
    assert.equal(chooseVersion(hello(0x0303, [0x0304, 0x0303]), ['TLSv1.2']), 'TLSv1.2');
  });

  it('supported_versions decides over legacy_version (§4.2.1); nothing in common is a protocol_version', () => {
    const refused = (e: unknown) => e instanceof TlsAlertError && e.alert.name === 'protocol_version';
    assert.throws(() => chooseVersion(hello(0x0303, [0x0302]), [...both]), refused);
    assert.throws(() => chooseVersion(hello(0x0302), [...both]), refused);
    assert.throws(() => chooseVersion(hello(0x0303, [0x0303]), ['TLSv1.3']), refused);
  });

  it('a ClientHello below TLS 1.0 is a protocol_version whatever supported_versions says (§D.5)', () => {
    const refused = (e: unknown) => e instanceof TlsAlertError && e.alert.name === 'protocol_version';
    for (const v of [0x0300, 0x0000, 0x0200, 0x0002, 0x0100, 0x0103]) assert.throws(() => chooseVersion(hello(v, [0x0304, 0x0303]), [...both]), refused, v.toString(16));
    assert.equal(chooseVersion(hello(0x0301, [0x0304, 0x0303]), [...both]), 'TLSv1.3');
  });

  it('TLS_FALLBACK_SCSV to TLS 1.2 is an inappropriate_fallback when TLS 1.3 is enabled (RFC 7507 §3), and fine when it is not', () => {
    const fallback = { ...hello(0x0303), cipher_suites: [0xc02b, 0x5600] };
    assert.throws(() => chooseVersion(fallback, [...both]), (e: unknown) => e instanceof TlsAlertError && e.alert.name === 'inappropriate_fallback');
    assert.equal(chooseVersion(fallback, ['TLSv1.2']), 'TLSv1.2');
    assert.equal(chooseVersion({ ...fallback, extensions: hello(0x0303, [0x0304, 0x0303]).extensions }, [...both]), 'TLSv1.3');
  });
});

describe('tls server entry against a raw client', function () {
  this.timeout(30_000);
  const { kymanServer, client, closers } = tlsHarness();

  it('a malformed ClientHello gets decode_error back on the wire', async () => {
    const { port, conns } = await kymanServer();
    const raw = await connectTcp(port);
    const reply: Buffer[] = [];
    raw.on('data', (d: Buffer) => reply.push(d));
    const closed = new Promise((r) => raw.once('close', r));
    // A ClientHello whose cipher_suites vector runs past the end of the message.
    raw.write(Buffer.from('160303000a' + '01000006' + '0303' + 'ffff0000', 'hex'));
    await within(5000, closed);
    assert.equal(Buffer.concat(reply).toString('hex'), '15030300020232');
    const e = await within(5000, conns[0].secured.then(() => undefined, (err: unknown) => err));
    assert.ok(e instanceof TlsAlertError && e.alert.name === 'decode_error');
  });

  it('survives 300 mutated ClientHellos without crashing or hanging', async () => {
    // A real ClientHello, captured from our own client.
    const captured: Buffer[] = [];
    const grab = await rawServer((s) => s.once('data', (d: Buffer) => (captured.push(d), s.destroy())));
    closers.push(grab.close);
    const c = await client(grab.port);
    c.on('error', () => undefined);
    await within(5000, new Promise((r) => c.once('close', r)));
    const hello = captured[0];
    const { port, conns } = await kymanServer();
    let seed = 1;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    for (let i = 0; i < 300; i++) {
      const m = Buffer.from(hello);
      const flips = 1 + Math.floor(rand() * 4);
      for (let j = 0; j < flips; j++) m[5 + Math.floor(rand() * (m.length - 5))] = Math.floor(rand() * 256);
      const cut = rand() < 0.3 ? m.subarray(0, 5 + Math.floor(rand() * (m.length - 5))) : m;
      const raw = await connectTcp(port);
      raw.on('data', () => undefined);
      raw.on('error', () => undefined);
      raw.end(cut);
      await within(5000, new Promise((r) => raw.once('close', r)), `mutation ${i}`);
    }
    // Every connection came to an end: a handshake that failed, or one left waiting for a Finished that never came.
    assert.equal(conns.length, 300);
    for (const conn of conns) {
      const outcome = await within(5000, conn.secured.then(() => 'ok', (e: unknown) => e));
      assert.ok(outcome === 'ok' || outcome instanceof Error, String(outcome));
    }
  });
});
