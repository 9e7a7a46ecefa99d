// The TLS 1.2 steps client and server share (RFC 5246 §7.4): reading with HelloRequest ignored, certificates, signatures, ChangeCipherSpec and Finished.

import { fatal } from './alerts.js';
import { equalBytes } from '../bytes.js';
import type { HandshakeChannel, HandshakeMessage } from './handshake.js';
import { decodeMessage, sendMessage } from './handshake-tls13.js';
import type { Transcript } from './key-schedule.js';
import { Tls12KeySchedule, type Tls12MasterSecret } from './key-schedule-tls12.js';
import { FinishedCodec, HandshakeType, HelloRequestCodec, type MessageCodec } from './msgs/index.js';
import { Tls12Protection, type RecordProtection } from './record.js';
import { Tls12CbcProtection } from './record-cbc.js';

/**
 * RFC 5246 §7.4.1.1: a HelloRequest during a handshake is ignored (and kept out of the transcript).
 * A peer sending them in a loop must not keep us reading: this many in a row ends the handshake.
 */
const MAX_HELLO_REQUESTS = 4;

/** The next handshake message that is not a HelloRequest. */
export async function nextMessage12(ch: HandshakeChannel): Promise<HandshakeMessage> {
  for (let i = 0; ; i++) {
    const m = await ch.readHandshake();
    if (m.type !== HandshakeType.hello_request) return m;
    const message = HelloRequestCodec.decode(m.body);
    if (ch.tracing) ch.trace('received', HelloRequestCodec, message);
    if (i >= MAX_HELLO_REQUESTS) throw fatal('unexpected_message', `more than ${MAX_HELLO_REQUESTS} HelloRequests during one handshake`);
  }
}

/** Reads the next message (HelloRequests skipped), checks its type, decodes it and hands it to the trace. */
export async function readMessage12<T>(ch: HandshakeChannel, codec: MessageCodec<T>): Promise<{ message: T; raw: Uint8Array }> {
  const m = await nextMessage12(ch);
  return { message: decodeMessage(ch, m, codec), raw: m.raw };
}

/** RFC 5246 §6.3: both directions' protection from the key block; `encryptThenMac` (RFC 7366) for a CBC suite. */
export function protections12(
  ks: Tls12KeySchedule,
  ms: Tls12MasterSecret,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
  encryptThenMac = false,
): { client: RecordProtection; server: RecordProtection } {
  const k = ks.trafficKeys(ms, clientRandom, serverRandom);
  const s = ks.suite;
  if (s.cbc) {
    const cbc = (key: Uint8Array, macKey: Uint8Array) => new Tls12CbcProtection(ks.provider, ks.provider.cbcKey(s.cbc, key), s.mac, macKey, s.macLength, encryptThenMac);
    return { client: cbc(k.clientKey, k.clientMacKey), server: cbc(k.serverKey, k.serverMacKey) };
  }
  const explicit = s.explicitNonceLength;
  return {
    client: new Tls12Protection(ks.provider.aead(s.aead, k.clientKey), k.clientIv, explicit),
    server: new Tls12Protection(ks.provider.aead(s.aead, k.serverKey), k.serverIv, explicit),
  };
}

/** RFC 5246 §7.1, §7.4.9: ChangeCipherSpec, then our Finished under the new keys. */
export function sendChangeCipherSpecAndFinished(
  ch: HandshakeChannel,
  transcript: Transcript,
  ks: Tls12KeySchedule,
  ms: Tls12MasterSecret,
  side: 'client' | 'server',
  protection: RecordProtection,
): void {
  ch.sendChangeCipherSpec();
  ch.setWriteProtection(protection);
  const verify_data = ks.verifyData(ms, side, transcript.hash(ks));
  transcript.add(sendMessage(ch, FinishedCodec, { verify_data }));
}

/** RFC 5246 §7.1, §7.4.9: the peer's ChangeCipherSpec switches our read keys; its Finished must match the transcript. */
export async function readChangeCipherSpecAndFinished(
  ch: HandshakeChannel,
  transcript: Transcript,
  ks: Tls12KeySchedule,
  ms: Tls12MasterSecret,
  side: 'client' | 'server',
  protection: RecordProtection,
): Promise<void> {
  const expected = ks.verifyData(ms, side, transcript.hash(ks));
  ch.expectChangeCipherSpec(protection);
  const { message, raw } = await readMessage12(ch, FinishedCodec);
  // RFC 5246 §7.4.9: verify_data is verify_data_length (12) bytes; another length does not decode.
  if (message.verify_data.length !== expected.length) throw fatal('decode_error', `the ${side}'s Finished is ${message.verify_data.length} bytes, not ${expected.length}`);
  // RFC 5246 §7.4.9: a Finished that does not match is a decrypt_error.
  if (!equalBytes(message.verify_data, expected)) throw fatal('decrypt_error', `the ${side}'s Finished does not match the handshake`);
  transcript.add(raw);
}

/** The NSS key log label for TLS 1.2: `CLIENT_RANDOM <client_random> <master_secret>`. */
export const NSS_CLIENT_RANDOM = 'CLIENT_RANDOM';

/**
 * RFC 8446 §4.1.3: a TLS 1.3 server that negotiates TLS 1.2 ends ServerHello.random with
 * 44 4F 57 4E 47 52 44 01 ("DOWNGRD\x01"); TLS 1.1 or below with ...00.
 */
export const DOWNGRADE_TLS12 = Uint8Array.from([0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x01]);
export const DOWNGRADE_TLS11 = Uint8Array.from([0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x00]);

/** Whether a ServerHello.random carries a downgrade sentinel. */
export function hasDowngradeSentinel(random: Uint8Array): boolean {
  const tail = random.subarray(24, 32);
  return equalBytes(tail, DOWNGRADE_TLS12) || equalBytes(tail, DOWNGRADE_TLS11);
}

/** The ServerKeyExchange signature's content (RFC 5246 §7.4.3): client_random ‖ server_random ‖ ServerECDHParams. */
export function signedParams(clientRandom: Uint8Array, serverRandom: Uint8Array, params: Uint8Array): Uint8Array {
  const out = new Uint8Array(64 + params.length);
  out.set(clientRandom, 0);
  out.set(serverRandom, 32);
  out.set(params, 64);
  return out;
}
