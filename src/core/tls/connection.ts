// The public TLS socket: a Duplex over any Duplex transport, with the version-specific handshake behind it (after Node's `tls`).

import { Duplex } from 'node:stream';
import type { CryptoProvider } from '../crypto/provider.js';
import { softwareProvider } from '../crypto/software.js';
import { KymanError, usage } from '../errors.js';
import { ALERTS, ALERT_LEVEL_FATAL, ALERT_LEVEL_WARNING, TlsAlertError, fatal, receivedAlert, type AlertName } from './alerts.js';
import { HandshakeAssembler } from './handshake-assembler.js';
import { lingerThenDestroy } from './linger.js';
import type { MessageCodec } from './msgs/fields.js';
import { ContentType, MAX_PLAINTEXT, RecordReader, RecordWriter, contentTypeName, type RecordProtection } from './record.js';
import type { Established, Handshake, HandshakeChannel, HandshakeMessage, HandshakeSummary } from './handshake.js';
import type { TlsCommonOptions } from './options.js';
import type { TlsSession } from './session-cache.js';
import { traceMessage, type TraceSink } from './trace.js';

/**
 * RFC 5246 §7.2 leaves warnings to the receiver; a peer must not keep us reading them forever.
 * OpenSSL stops at 5 in a row; kyman stops at the same.
 */
const MAX_WARNING_ALERTS = 5;
/**
 * Application data sealed in one tick is written to the transport at once, up to this many bytes:
 * four full records, one writev instead of four. Also the socket's writable high-water mark, so a
 * writer of 16 KiB blocks fills a batch before it is told to wait (Node 22's default mark, too).
 */
const WRITE_BATCH = 4 * MAX_PLAINTEXT;
/**
 * Below this many bytes, a flush's pieces are copied into one buffer: cheaper than a stream write
 * per piece, and the size of most handshake flights. Full records go as pieces, uncopied.
 */
const SMALL_FLUSH = 8 * 1024;

const hexOf = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

/**
 * A TLS connection over `transport`. Emits 'secure' with the HandshakeSummary when the handshake
 * is done; writes made before then wait for it. end() sends close_notify and half-closes the
 * transport, as Node's TLSSocket does; a close_notify from the peer ends the readable side.
 */
export class TlsSocket extends Duplex implements HandshakeChannel {
  summary: HandshakeSummary | undefined;
  /** Client side: the latest session (TLS 1.2, or a TLS 1.3 ticket) to pass as `session` to resume; also emitted as 'session'. */
  session: TlsSession | undefined;
  readonly provider: CryptoProvider;
  readonly tracing: boolean;
  /** Resolves with the summary, rejects with the handshake's error. */
  readonly secured: Promise<HandshakeSummary>;

  private readonly reader = new RecordReader();
  private readonly writer = new RecordWriter();
  /** Set once the handshake is done: the version-specific state that handles what comes after it. */
  private established: Established | undefined;
  private readonly traceSink: TraceSink | undefined;
  private readonly keyLogSink: ((line: string) => void) | undefined;
  /** Handshake messages as their fragments arrive (§5.1). */
  private readonly messages = new HandshakeAssembler();
  private handshaking = true;
  private waiter: (() => void) | undefined;
  private transportEnded = false;
  private ccsAllowed = false;
  private ccsSeen = false;
  private closeNotifyReceived = false;
  private closeNotifySent = false;
  private failed = false;
  private paused = false;
  /** Sealed application data waits in the writer for a flush at the end of this tick. */
  private flushScheduled = false;
  /** TLS 1.2: the read protection a change_cipher_spec from the peer switches to (RFC 5246 §7.1). */
  private pendingReadProtection: RecordProtection | undefined;
  private tls12Alerts = false;
  private warnings = 0;
  /** A fatal alert went out and the transport was half-closed: it lingers before it is destroyed. */
  private lingering = false;

  constructor(
    readonly transport: Duplex,
    private readonly handshake: Handshake,
    options: TlsCommonOptions,
  ) {
    super({ allowHalfOpen: options.allowHalfOpen ?? false, writableHighWaterMark: WRITE_BATCH });
    this.provider = options.provider ?? softwareProvider();
    this.traceSink = options.trace;
    this.tracing = options.trace !== undefined;
    this.keyLogSink = options.keyLog;
    this.reader.plaintextAlerts = true;
    transport.on('data', (chunk: Buffer) => this.onTransportData(chunk));
    transport.on('end', () => this.onTransportEnd());
    transport.on('error', (e: Error) => this.destroy(e));
    transport.on('close', () => this.onTransportClose());
    this.secured = this.runHandshake();
    // The promise is for callers who want it; failures also reach 'error', so this one must not go unhandled.
    this.secured.catch(() => undefined);
  }

  private async runHandshake(): Promise<HandshakeSummary> {
    try {
      const established = await this.handshake(this);
      const summary = established.summary;
      this.established = established;
      this.summary = summary;
      this.handshaking = false;
      this.ccsAllowed = false;
      this.reader.plaintextAlerts = false;
      this.emit('secure', summary);
      // Records that came with the last flight (tickets, early application data) are read now, under the new keys.
      this.pump();
      return summary;
    } catch (e) {
      this.fail(e);
      throw e;
    }
  }

  // ------------------------------------------------------------------------------------------
  // Reading
  // ------------------------------------------------------------------------------------------

  private onTransportData(chunk: Buffer): void {
    if (this.failed) return;
    this.reader.push(chunk);
    if (this.handshaking) {
      const w = this.waiter;
      this.waiter = undefined;
      w?.();
    } else {
      this.pump();
    }
  }

  private onTransportEnd(): void {
    this.transportEnded = true;
    if (this.handshaking) {
      const w = this.waiter;
      this.waiter = undefined;
      w?.();
      return;
    }
    if (this.failed) return;
    if (this.reader.buffered > 0) {
      this.fail(fatal('decode_error', `the connection ended in the middle of a record (${this.reader.buffered} bytes of it arrived)`));
      return;
    }
    // A TCP close without close_notify: ended all the same, as Node's TLSSocket treats it.
    if (!this.closeNotifyReceived) this.push(null);
  }

  private onTransportClose(): void {
    if (this.handshaking && !this.failed) {
      this.transportEnded = true;
      const w = this.waiter;
      this.waiter = undefined;
      w?.();
      return;
    }
    if (!this.destroyed && !this.readableEnded && !this.closeNotifyReceived && !this.failed) this.push(null);
  }

  async readHandshake(): Promise<HandshakeMessage> {
    for (;;) {
      const m = this.messages.take();
      if (m) return m;
      const record = this.reader.next();
      if (record) {
        this.handleHandshakeTimeRecord(record.type, record.fragment);
        continue;
      }
      if (this.transportEnded) {
        if (this.reader.buffered > 0) throw fatal('decode_error', `the connection ended in the middle of a record (${this.reader.buffered} bytes of it arrived)`);
        throw new KymanError('FAILED', 'the peer closed the connection during the handshake');
      }
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
  }

  private handleHandshakeTimeRecord(type: number, fragment: Uint8Array): void {
    if (type === ContentType.application_data || type === ContentType.change_cipher_spec) this.checkNotInterleaved(type);
    switch (type) {
      case ContentType.handshake:
        if (this.pendingReadProtection) throw fatal('unexpected_message', 'a handshake message arrived where change_cipher_spec belongs');
        this.messages.append(fragment);
        return;
      case ContentType.alert:
        this.handleAlert(fragment);
        return;
      case ContentType.change_cipher_spec:
        this.handleChangeCipherSpec(fragment);
        return;
      default:
        throw fatal('unexpected_message', 'application data arrived before the handshake finished');
    }
  }

  /** §5: a change_cipher_spec of the single byte 0x01 is dropped, once, during the handshake; any other is unexpected_message. */
  private handleChangeCipherSpec(fragment: Uint8Array): void {
    const next = this.pendingReadProtection;
    if (next) {
      // RFC 5246 §7.1: the message is the single byte 1; the keys change with the record after it.
      if (fragment.length !== 1 || fragment[0] !== 1) throw fatal('unexpected_message', 'a malformed change_cipher_spec arrived');
      this.pendingReadProtection = undefined;
      this.setReadProtection(next);
      return;
    }
    if (!this.ccsAllowed || this.ccsSeen || fragment.length !== 1 || fragment[0] !== 1) {
      throw fatal('unexpected_message', 'an unexpected change_cipher_spec record arrived');
    }
    this.ccsSeen = true;
  }

  private handleAlert(fragment: Uint8Array): void {
    // §5.1: a record of Alert type holds exactly one alert; an empty one is no message at all (as OpenSSL has it).
    if (fragment.length === 0) throw fatal('unexpected_message', 'an empty alert record arrived');
    // §6: an alert is exactly level and description.
    if (fragment.length !== 2) throw fatal('decode_error', `an alert record of ${fragment.length} bytes arrived`);
    const code = fragment[1];
    if (code === ALERTS.close_notify) {
      if (this.handshaking) throw receivedAlert(code);
      this.closeNotifyReceived = true;
      this.push(null);
      return;
    }
    // §6.1: user_canceled is followed by close_notify; it ends nothing by itself.
    if (code === ALERTS.user_canceled) return;
    // RFC 5246 §7.2: in TLS 1.2 a warning is the receiver's to weigh; kyman goes on, a bounded number of times in a row.
    if (this.tls12Alerts && fragment[0] === ALERT_LEVEL_WARNING) {
      if (++this.warnings > MAX_WARNING_ALERTS) throw fatal('unexpected_message', `the peer sent more than ${MAX_WARNING_ALERTS} warning alerts in a row`);
      return;
    }
    // §6.2: every other alert is fatal in TLS 1.3 whatever its level.
    throw receivedAlert(code);
  }

  /**
   * §5.1: "Handshake messages MUST NOT be interleaved with other record types": no application data
   * or change_cipher_spec between a message's fragments. An alert is still heard: it ends the connection anyway.
   */
  private checkNotInterleaved(type: number): void {
    if (this.messages.pending) throw fatal('unexpected_message', `a ${contentTypeName(type)} record arrived between the fragments of a handshake message`);
  }

  /** After the handshake: records are read as they arrive. */
  private pump(): void {
    const established = this.established;
    if (!established) return;
    try {
      while (!this.failed && !this.destroyed) {
        if (this.closeNotifyReceived) return;
        const record = this.reader.next();
        if (!record) break;
        if (record.type === ContentType.application_data) this.checkNotInterleaved(record.type);
        switch (record.type) {
          case ContentType.application_data:
            this.warnings = 0;
            if (record.fragment.length && !this.push(Buffer.from(record.fragment.buffer, record.fragment.byteOffset, record.fragment.byteLength))) {
              this.paused = true;
              this.transport.pause();
            }
            break;
          case ContentType.handshake: {
            this.messages.append(record.fragment);
            for (let m = this.messages.take(); m; m = this.messages.take()) established.postHandshake(m);
            break;
          }
          case ContentType.alert:
            this.handleAlert(record.fragment);
            break;
          default:
            throw fatal('unexpected_message', 'a change_cipher_spec record arrived after the handshake');
        }
      }
      if (this.transportEnded && !this.closeNotifyReceived && !this.readableEnded) this.onTransportEnd();
    } catch (e) {
      this.fail(e);
    }
  }

  override _read(): void {
    if (this.paused) {
      this.paused = false;
      this.transport.resume();
    }
  }

  // ------------------------------------------------------------------------------------------
  // Writing
  // ------------------------------------------------------------------------------------------

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.handshaking) {
      this.secured.then(
        () => this._write(chunk, _encoding, callback),
        (e) => callback(e),
      );
      return;
    }
    this.writer.write(ContentType.application_data, chunk);
    this.written(callback);
  }

  /** Writes that queued while the transport was busy go out together; small ones share records, so it is one AEAD call per 16 KiB, not per write. */
  override _writev(chunks: Array<{ chunk: Buffer; encoding: BufferEncoding }>, callback: (error?: Error | null) => void): void {
    if (this.handshaking) {
      this.secured.then(
        () => this._writev(chunks, callback),
        (e) => callback(e),
      );
      return;
    }
    let group: Buffer[] = [];
    let size = 0;
    const frame = () => {
      if (group.length) this.writer.write(ContentType.application_data, group.length === 1 ? group[0] : Buffer.concat(group, size));
      group = [];
      size = 0;
    };
    for (const { chunk } of chunks) {
      if (size + chunk.length > MAX_PLAINTEXT) frame();
      group.push(chunk);
      size += chunk.length;
    }
    frame();
    this.written(callback);
  }

  /**
   * After application data is sealed: records are gathered, up to WRITE_BATCH bytes, into one write
   * to the transport at the end of this tick (one writev, not one per 16 KiB record); beyond that, or
   * with the transport backed up, they go now and the writer waits for the transport to drain.
   */
  private written(callback: (error?: Error | null) => void): void {
    const t = this.transport;
    if (this.writer.queuedBytes < WRITE_BATCH && t.writableLength < t.writableHighWaterMark) {
      this.flushAtEndOfTick();
      callback();
      return;
    }
    this.flushWith(callback);
  }

  flushAtEndOfTick(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    process.nextTick(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  override _final(callback: (error?: Error | null) => void): void {
    const close = () => {
      this.sendAlert('close_notify');
      if (this.transport.writable) this.transport.end();
      callback();
    };
    if (this.handshaking) this.secured.then(close, () => callback());
    else close();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // Records sealed this tick were acknowledged to the writer: they reach the transport before it goes, as they would have a moment later.
    if (!error && this.flushScheduled && !this.failed) this.flush();
    if (this.lingering) lingerThenDestroy(this.transport);
    else if (!this.transport.destroyed) this.transport.destroy();
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
    callback(error);
  }

  sendHandshake(raw: Uint8Array): void {
    this.writer.write(ContentType.handshake, raw);
  }

  sendChangeCipherSpec(): void {
    this.writer.write(ContentType.change_cipher_spec, Uint8Array.of(1));
  }

  flush(): void {
    this.flushWith(undefined);
  }

  /** Writes every queued record at once (one write, or one writev of the pieces); the callback runs when the transport can take more. */
  private flushWith(callback: ((error?: Error | null) => void) | undefined): void {
    const parts = this.writer.take();
    const t = this.transport;
    if (parts.length === 0 || !t.writable) {
      callback?.();
      return;
    }
    let total = 0;
    for (const p of parts) total += p.length;
    if (parts.length === 1 || total <= SMALL_FLUSH) {
      // A flight of handshake records is a few small pieces: joined, it is one plain write.
      t.write(parts.length === 1 ? parts[0] : Buffer.concat(parts, total));
    } else {
      t.cork();
      for (const p of parts) t.write(p);
      t.uncork();
    }
    if (!callback) return;
    // write() says false for any burst above the transport's mark, even one the socket took at once
    // (a 16 KiB record always is); what is still queued after uncork is what back-pressure is about.
    if (t.writableLength < t.writableHighWaterMark) callback();
    else t.once('drain', () => callback());
  }

  private sendAlert(name: AlertName): void {
    if (name === 'close_notify') {
      if (this.closeNotifySent) return;
      this.closeNotifySent = true;
    }
    const level = name === 'close_notify' || name === 'user_canceled' || name === 'no_renegotiation' ? ALERT_LEVEL_WARNING : ALERT_LEVEL_FATAL;
    try {
      this.writer.write(ContentType.alert, Uint8Array.of(level, ALERTS[name]));
      this.flush();
    } catch {
      // The alert is a courtesy: if it cannot be sealed or written, the connection closes all the same.
    }
  }

  setReadProtection(p: RecordProtection): void {
    // §5.1: handshake messages MUST NOT span key changes.
    if (this.messages.pending) throw fatal('unexpected_message', 'a handshake message spans a key change');
    this.reader.protection = p;
  }

  setWriteProtection(p: RecordProtection): void {
    this.writer.setProtection(p);
  }

  newSession(session: TlsSession): void {
    this.session = session;
    this.emit('session', session);
  }

  expectChangeCipherSpec(p: RecordProtection): void {
    this.pendingReadProtection = p;
  }

  useTls12Alerts(): void {
    this.tls12Alerts = true;
    this.reader.plaintextAlerts = false;
  }

  sendWarningAlert(name: 'no_renegotiation'): void {
    this.sendAlert(name);
  }

  skipEarlyData(bytes: number): void {
    this.reader.earlyDataSkip = bytes;
  }

  allowChangeCipherSpec(allowed: boolean): void {
    this.ccsAllowed = allowed;
  }

  trace<T>(direction: 'sent' | 'received', codec: MessageCodec<T>, message: T): void {
    if (this.traceSink) traceMessage(this.traceSink, direction, codec, message);
  }

  keyLog(label: string, clientRandom: Uint8Array, secret: Uint8Array): void {
    this.keyLogSink?.(`${label} ${hexOf(clientRandom)} ${hexOf(secret)}`);
  }

  /** §4.6.3: updates our sending keys, and with `requestPeer` asks the peer to update theirs. */
  keyUpdate(requestPeer = false): void {
    if (!this.established) throw usage('a KeyUpdate can be sent only after the handshake');
    this.established.keyUpdate(requestPeer);
    this.flush();
  }

  /**
   * Ends the connection with an error: sends the alert it names (or internal_error for a failure
   * that is ours, not the peer's), then destroys the socket with the error.
   */
  private fail(e: unknown): void {
    if (this.failed) return;
    this.failed = true;
    const error = e instanceof Error ? e : new Error(String(e));
    if (!(error instanceof TlsAlertError && error.direction === 'received') && this.transport.writable) {
      const name = error instanceof TlsAlertError ? (error.alert.name as AlertName) : 'internal_error';
      if (name in ALERTS) this.sendAlert(name);
      this.transport.end();
      this.lingering = true;
    }
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
    this.destroy(error);
  }
}
