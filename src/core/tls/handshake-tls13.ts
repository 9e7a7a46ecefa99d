// The TLS 1.3 steps client and server share: decoding with the right alert, certificates, CertificateVerify, Finished and KeyUpdate.

import type { CryptoProvider, PrivateKeyHandle } from '../crypto/provider.js';
import { KymanError } from '../errors.js';
import { validateChain, type ValidationPurpose, type ValidationResult } from '../pki/validate.js';
import { fatal, type AlertName } from './alerts.js';
import { equalBytes } from '../bytes.js';
import type { HandshakeChannel, HandshakeMessage } from './handshake.js';
import { KeySchedule, Transcript, certificateVerifyContent, type HandshakeSecret, type MasterSecret, type TrafficSecret } from './key-schedule.js';
import {
  CertificateCodec,
  CertificateVerifyCodec,
  FinishedCodec,
  KeyUpdateCodec,
  messageName,
  type MessageCodec,
  type Certificate,
} from './msgs/index.js';
import { Tls13Protection } from './record.js';
import { keyKindOf, schemeById, schemeFitsKey, type SignatureSchemeInfo } from './suites.js';

/** §4: a message of the wrong type at this point of the handshake is an unexpected_message. */
export function expectMessage(m: HandshakeMessage, type: number): void {
  if (m.type !== type) {
    throw fatal('unexpected_message', `expected ${messageName(type)}, received ${messageName(m.type)}`);
  }
}

/** Decodes an already-read message, which must be `codec`'s type, and hands it to the trace. */
export function decodeMessage<T>(ch: HandshakeChannel, m: HandshakeMessage, codec: MessageCodec<T>): T {
  expectMessage(m, codec.type);
  const message = codec.decode(m.body);
  if (ch.tracing) ch.trace('received', codec, message);
  return message;
}

/** Reads the next message, checks its type, decodes it and hands it to the trace. */
export async function readMessage<T>(ch: HandshakeChannel, codec: MessageCodec<T>): Promise<{ message: T; raw: Uint8Array }> {
  const m = await ch.readHandshake();
  return { message: decodeMessage(ch, m, codec), raw: m.raw };
}

/** Encodes, traces and queues a message; returns the bytes for the transcript. */
export function sendMessage<T>(ch: HandshakeChannel, codec: MessageCodec<T>, message: T): Uint8Array {
  const raw = codec.encode(message);
  if (ch.tracing) ch.trace('sent', codec, message);
  ch.sendHandshake(raw);
  return raw;
}

export const protectionFor = (ks: KeySchedule, secret: TrafficSecret) => {
  const { key, iv } = ks.trafficKeys(secret);
  return new Tls13Protection(ks.provider.aead(ks.suite.aead, key), iv, ks.suite.tagLength);
};

/** The alert RFC 8446 §6.2 names for each way a chain can fail. */
function alertForValidation(result: ValidationResult): AlertName {
  switch (result.reason?.code) {
    case 'untrusted':
      return 'unknown_ca';
    case 'expired':
    case 'not-yet-valid':
      return 'certificate_expired';
    case 'purpose':
    case 'key-usage':
      return 'unsupported_certificate';
    default:
      return 'bad_certificate';
  }
}

/** Validates the peer's chain with validateChain; a chain that does not validate is the alert its failure names. */
export function checkPeerChain(
  provider: CryptoProvider,
  certificates: readonly Uint8Array[],
  options: { trustAnchors: readonly Uint8Array[]; purpose: ValidationPurpose; host?: string; at: Date },
): ValidationResult {
  let result: ValidationResult;
  try {
    result = validateChain(provider, certificates[0], { ...options, intermediates: certificates.slice(1) });
  } catch (e) {
    if (e instanceof KymanError && e.code === 'BAD_INPUT') throw fatal('bad_certificate', `the peer's certificate cannot be read: ${e.message}`, e);
    throw e;
  }
  if (!result.valid) {
    const alert = alertForValidation(result);
    throw fatal(alert, `the ${options.purpose} certificate was rejected: ${result.reason?.message ?? 'it did not validate'}`);
  }
  return result;
}

/** §4.4.2: the certificates of a Certificate message, checked for what both sides require. */
export function certificatesOf(c: Certificate): Uint8Array[] {
  return c.certificate_list.map((e) => e.cert_data);
}

/** §4.4.3: signs the transcript hash with our key. */
export async function makeCertificateVerify(
  ch: HandshakeChannel,
  transcript: Transcript,
  ks: KeySchedule,
  key: PrivateKeyHandle,
  scheme: SignatureSchemeInfo,
  side: 'server' | 'client',
): Promise<void> {
  const content = certificateVerifyContent(side, transcript.hash(ks));
  const signature = await ch.provider.sign(key, scheme.scheme, content);
  transcript.add(sendMessage(ch, CertificateVerifyCodec, { algorithm: scheme.id, signature }));
}

/**
 * §4.4.3: the peer's CertificateVerify. The scheme must be one we offered and fit the key in
 * the leaf (illegal_parameter otherwise); a signature that does not verify is a decrypt_error.
 */
export async function readCertificateVerify(
  ch: HandshakeChannel,
  transcript: Transcript,
  ks: KeySchedule,
  leafSpki: Uint8Array,
  offered: readonly SignatureSchemeInfo[],
  side: 'server' | 'client',
): Promise<SignatureSchemeInfo> {
  const content = certificateVerifyContent(side, transcript.hash(ks));
  const { message, raw } = await readMessage(ch, CertificateVerifyCodec);
  const scheme = offered.find((s) => s.id === message.algorithm && s.handshake);
  if (!scheme) throw fatal('illegal_parameter', `the ${side} signed with ${schemeById(message.algorithm)?.name ?? `scheme 0x${message.algorithm.toString(16)}`}, which was not offered`);
  if (!schemeFitsKey(scheme, keyKindOf(leafSpki))) throw fatal('illegal_parameter', `the ${side} signed with ${scheme.name}, which does not fit its certificate's key`);
  if (!ch.provider.verify(leafSpki, scheme.scheme, content, message.signature)) {
    throw fatal('decrypt_error', `the ${side}'s CertificateVerify signature does not verify`);
  }
  transcript.add(raw);
  return scheme;
}

/** §4.4.4: the peer's Finished, checked against the transcript so far, which then takes it. */
export async function readFinished(ch: HandshakeChannel, transcript: Transcript, ks: KeySchedule, base: TrafficSecret, side: 'server' | 'client'): Promise<void> {
  const expected = ks.finishedMac(base, transcript.hash(ks));
  const { message, raw } = await readMessage(ch, FinishedCodec);
  // §4.4.4: verify_data is Hash.length bytes; any other length is a message that does not decode (§6.2).
  if (message.verify_data.length !== expected.length) throw fatal('decode_error', `the ${side}'s Finished is ${message.verify_data.length} bytes, not ${expected.length}`);
  if (!equalBytes(message.verify_data, expected)) throw fatal('decrypt_error', `the ${side}'s Finished does not match the handshake`);
  transcript.add(raw);
}

export function sendFinished(ch: HandshakeChannel, transcript: Transcript, ks: KeySchedule, base: TrafficSecret): void {
  const verify_data = ks.finishedMac(base, transcript.hash(ks));
  transcript.add(sendMessage(ch, FinishedCodec, { verify_data }));
}

/** §4.4.2: a Certificate message of `chain`, with the request context and no extensions. */
export function certificateMessage(context: Uint8Array, chain: readonly Uint8Array[]): Certificate {
  return { certificate_request_context: context, certificate_list: chain.map((cert_data) => ({ cert_data, extensions: [] })) };
}

/** `encoded`, when given, is the message already encoded (a server's own chain is the same for every connection). */
export function sendCertificate(ch: HandshakeChannel, transcript: Transcript, context: Uint8Array, chain: readonly Uint8Array[], encoded?: Uint8Array): void {
  if (encoded && !ch.tracing) {
    ch.sendHandshake(encoded);
    transcript.add(encoded);
    return;
  }
  transcript.add(sendMessage(ch, CertificateCodec, certificateMessage(context, chain)));
}

/** §7.1: the Handshake Secret and both handshake traffic secrets, once the ServerHello is in the transcript. */
export interface HandshakeTrafficSecrets {
  readonly handshakeSecret: HandshakeSecret;
  readonly client: TrafficSecret;
  readonly server: TrafficSecret;
}

/** `th` is the transcript hash through the ServerHello. */
export function handshakeTrafficSecrets(ks: KeySchedule, handshakeSecret: HandshakeSecret, th: Uint8Array): HandshakeTrafficSecrets {
  return { handshakeSecret, client: ks.clientHandshakeTrafficSecret(handshakeSecret, th), server: ks.serverHandshakeTrafficSecret(handshakeSecret, th) };
}

/** §7.1: the Master Secret and the first application traffic secrets. */
export interface ApplicationTrafficSecrets {
  readonly master: MasterSecret;
  readonly client: TrafficSecret;
  readonly server: TrafficSecret;
}

/** `th` is the transcript hash through the server Finished. */
export function applicationTrafficSecrets(ks: KeySchedule, handshakeSecret: HandshakeSecret, th: Uint8Array): ApplicationTrafficSecrets {
  const master = ks.masterSecret(handshakeSecret);
  return { master, client: ks.clientApplicationTrafficSecret(master, th), server: ks.serverApplicationTrafficSecret(master, th) };
}

/**
 * The application traffic secrets after the handshake, and KeyUpdate both ways (§4.6.3, §7.2).
 * Each side's secret moves on independently.
 */
export class ApplicationKeys {
  constructor(
    private readonly ch: HandshakeChannel,
    private readonly ks: KeySchedule,
    private ours: TrafficSecret,
    private theirs: TrafficSecret,
  ) {}

  /** §4.6.3: the peer updated its keys; with update_requested we answer with our own update. */
  onKeyUpdate(m: HandshakeMessage): void {
    const message = KeyUpdateCodec.decode(m.body);
    if (this.ch.tracing) this.ch.trace('received', KeyUpdateCodec, message);
    this.theirs = this.ks.nextTrafficSecret(this.theirs);
    this.ch.setReadProtection(protectionFor(this.ks, this.theirs));
    if (message.request_update === 1) {
      this.send(0);
      this.ch.flush();
    }
  }

  /** Sends a KeyUpdate under the current keys, then moves to the next secret (§4.6.3). */
  send(requestUpdate: 0 | 1): void {
    sendMessage(this.ch, KeyUpdateCodec, { request_update: requestUpdate });
    this.ours = this.ks.nextTrafficSecret(this.ours);
    this.ch.setWriteProtection(protectionFor(this.ks, this.ours));
  }
}

export const NSS = {
  clientHandshake: 'CLIENT_HANDSHAKE_TRAFFIC_SECRET',
  serverHandshake: 'SERVER_HANDSHAKE_TRAFFIC_SECRET',
  clientTraffic0: 'CLIENT_TRAFFIC_SECRET_0',
  serverTraffic0: 'SERVER_TRAFFIC_SECRET_0',
  exporter: 'EXPORTER_SECRET',
} as const;
