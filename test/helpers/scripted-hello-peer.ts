// A scripted TLS peer on loopback that answers each ClientHello with a first flight a test chooses: for behaviour no real server on this machine shows (SSL 3, compression, no downgrade sentinel).

import { randomBytes } from 'node:crypto';
import * as net from 'node:net';
import { concat } from '../../src/core/bytes.js';
import { Certificate12Codec, ClientHelloCodec, frameHandshake, HandshakeType, ServerHelloCodec, type ClientHello, type Extension } from '../../src/core/tls/msgs/index.js';

/** A ClientHello fits in one record: the reader waits for that much and no more. */
const MAX_HELLO_RECORD = 16 * 1024 + 5;
/** RFC 8446 §6: a fatal alert. */
const FATAL = 2;

export type ScriptedAnswer =
  | { alert: number }
  | {
      /** legacy_version, and the record version. */
      version: number;
      suite: number;
      random?: Uint8Array;
      compression?: number;
      extensions?: Extension[];
      /** A TLS 1.2-or-older Certificate and ServerHelloDone after the ServerHello. */
      certificates?: Uint8Array[];
    };

export interface ScriptedPeer {
  port: number;
  /** The hellos it was sent, in order. */
  hellos: ClientHello[];
  close(): Promise<void>;
}

const record = (type: number, version: number, body: Uint8Array) => concat([Uint8Array.of(type, version >> 8, version & 0xff, body.length >> 8, body.length & 0xff), body]);

/** Listens on 127.0.0.1; each connection's hello goes to `answer`, and its reply is written before the peer closes. */
export async function scriptedHelloPeer(answer: (hello: ClientHello) => ScriptedAnswer): Promise<ScriptedPeer> {
  const hellos: ClientHello[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let buffered = Buffer.alloc(0);
    socket.on('data', (d: Buffer) => {
      buffered = Buffer.concat([buffered, d]);
      if (buffered.length < 5 || buffered.length < 5 + buffered.readUInt16BE(3)) {
        if (buffered.length > MAX_HELLO_RECORD) socket.destroy();
        return;
      }
      socket.removeAllListeners('data');
      let hello: ClientHello;
      try {
        hello = ClientHelloCodec.decode(new Uint8Array(buffered.subarray(9, 5 + buffered.readUInt16BE(3))));
      } catch {
        socket.destroy();
        return;
      }
      hellos.push(hello);
      const a = answer(hello);
      if ('alert' in a) {
        socket.end(record(21, 0x0303, Uint8Array.of(FATAL, a.alert)));
        return;
      }
      const flight = [
        ServerHelloCodec.encode({ legacy_version: a.version, random: a.random ?? randomBytes(32), legacy_session_id_echo: hello.legacy_session_id, cipher_suite: a.suite, legacy_compression_method: a.compression ?? 0, extensions: a.extensions ?? [] }),
        ...(a.certificates ? [Certificate12Codec.encode({ certificate_list: a.certificates }), frameHandshake(HandshakeType.server_hello_done, new Uint8Array(0))] : []),
      ];
      socket.end(record(22, a.version, concat(flight)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    hellos,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
