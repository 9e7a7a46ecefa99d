// A kyman server on loopback and kyman clients of it, stopped after each test; scripted raw peers that answer with bytes a test chose.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as net from 'node:net';
import { ExtensionType, ServerHelloCodec, TLS12, ext, type Extension } from '../../src/core/tls/msgs/index.js';
import { connect, createTlsServer, TlsAlertError, type TlsClientOptions, type TlsServerOptions, type TlsSocket } from '../../src/core/tls/index.js';
import { connectTcp, listenKyman, within } from './peers.js';
import { makePki, provider, type TestPki } from './tls-credentials.js';

/** A raw TCP server that answers the first bytes with `reply(clientHelloRecord)`. */
export async function scripted(reply: (hello: Buffer) => Buffer) {
  const server = net.createServer((s) => {
    s.on('error', () => undefined);
    s.once('data', (d: Buffer) => s.write(reply(d)));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as net.AddressInfo).port, close: () => server.close() };
}

/** A TLS 1.2 ServerHello record (ECDHE_ECDSA AES-128-GCM unless told), with the extensions given. */
export function serverHelloRecord(options: { version?: number; random?: Uint8Array; suite?: number; extensions?: Extension[] }): Buffer {
  const msg = ServerHelloCodec.encode({
    legacy_version: options.version ?? TLS12,
    random: options.random ?? randomBytes(32),
    legacy_session_id_echo: new Uint8Array(0),
    cipher_suite: options.suite ?? 0xc02b,
    legacy_compression_method: 0,
    extensions: options.extensions ?? [],
  });
  return Buffer.concat([Buffer.from([22, 3, 3, msg.length >> 8, msg.length & 0xff]), msg]);
}

/** RFC 7627's extended_master_secret and RFC 5746's empty renegotiation_info, as a TLS 1.2 ServerHello carries them. */
export const EMS = ext(ExtensionType.extended_master_secret, new Uint8Array(0));
export const RENEG = ext(ExtensionType.renegotiation_info, Uint8Array.of(0));

export interface TlsHarness {
  /** The PKI, made before the suite's first test. */
  pki(): TestPki;
  /** Stopped after each test, in order. */
  readonly closers: Array<() => void>;
  kymanServer(extra?: Partial<TlsServerOptions>): ReturnType<typeof listenKyman>;
  /** A kyman client of a local port that trusts the PKI's root; its errors are expected, so not thrown. */
  client(port: number, extra?: Partial<TlsClientOptions>): Promise<TlsSocket>;
  /** The TlsAlertError a socket's handshake fails with. */
  failure(socket: TlsSocket): Promise<TlsAlertError>;
}

/** Registers the hooks of a suite of kyman-over-TCP tests: call it inside `describe`. */
export function tlsHarness(): TlsHarness {
  let pki: TestPki | undefined;
  const closers: Array<() => void> = [];
  before(async () => (pki = await makePki()));
  after(() => pki?.cleanup());
  afterEach(() => closers.splice(0).forEach((c) => c()));
  const made = () => {
    if (!pki) throw new Error('the PKI is made in before()');
    return pki;
  };
  return {
    pki: made,
    closers,
    async kymanServer(extra = {}) {
      const tls = createTlsServer({ certificateChain: [made().ecdsa.der], privateKey: made().ecdsa.key, provider, ...extra });
      const listening = await listenKyman(tls);
      closers.push(() => void listening.close());
      return listening;
    },
    async client(port, extra = {}) {
      const c = connect({ socket: await connectTcp(port), serverName: 'localhost', trustAnchors: [made().root.der], provider, ...extra });
      c.on('error', () => undefined);
      closers.push(() => c.destroy());
      return c;
    },
    async failure(socket) {
      const e = await within(10_000, socket.secured.then(() => undefined, (err: unknown) => err));
      assert.ok(e instanceof TlsAlertError, `expected TlsAlertError, got ${String(e)}`);
      return e;
    },
  };
}

/** A raw TCP server that answers every connection with `reply`, which sees the socket. */
export async function rawServer(reply: (s: net.Socket) => void) {
  const server = net.createServer(reply);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as net.AddressInfo).port, close: () => server.close() };
}
