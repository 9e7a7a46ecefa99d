// The bounded plaintext reader a STARTTLS dialogue runs on, before the socket is handed to the TLS engine.

import type { Duplex } from 'node:stream';
import { failed } from '../../errors.js';

/**
 * A reply line longer than this is not a mail, FTP or IMAP server's: RFC 5321 §4.5.3.1.5 allows
 * 512 octets for an SMTP reply line, and IMAP capability lists stay well under a few KiB.
 */
export const MAX_LINE_LENGTH = 8 * 1024;
/** All a peer may send before TLS starts: greetings, capability lists, stream features. */
export const MAX_DIALOGUE_BYTES = 64 * 1024;
/** How long the whole plaintext dialogue may take when the caller does not say. */
export const DEFAULT_DIALOGUE_TIMEOUT_MS = 10_000;

/**
 * Reads what a peer sends in clear, within the limits above and one deadline for the whole
 * dialogue. `release` detaches it, so the TLS engine's own listener sees every later byte: it must
 * be followed, in the same tick, by handing the socket to the engine (no 'data' event comes in
 * between, as events are delivered from the event loop, not while a continuation runs).
 */
export class PlainReader {
  private buffer: Buffer = Buffer.alloc(0);
  private total = 0;
  private ended: Error | undefined;
  private wake: (() => void) | undefined;
  private readonly timer: NodeJS.Timeout;
  private timedOut = false;
  private readonly onData = (d: Buffer) => {
    this.total += d.length;
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, d]) : d;
    this.poke();
  };
  private readonly onEnd = () => {
    this.ended ??= failed(`${this.peer} closed the connection ${this.stage()}`);
    this.poke();
  };
  private readonly onError = (e: Error) => {
    this.ended ??= failed(`${this.peer}: ${e.message} ${this.stage()}`, e);
    this.poke();
  };
  /** What the peer last said, for errors: "after: 220 mail.example.com ESMTP". */
  last = '';

  constructor(
    readonly socket: Duplex,
    /** Who is on the other side, for errors: `smtp server at mail.example.com:25`. */
    readonly peer: string,
    timeoutMs: number = DEFAULT_DIALOGUE_TIMEOUT_MS,
  ) {
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('close', this.onEnd);
    socket.on('error', this.onError);
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.poke();
    }, timeoutMs);
    this.timeoutMs = timeoutMs;
  }

  private readonly timeoutMs: number;

  private stage(): string {
    return this.last ? `(after: ${this.last.slice(0, 200)})` : 'before it said anything';
  }

  private poke(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  private async more(): Promise<void> {
    if (this.total > MAX_DIALOGUE_BYTES) throw failed(`${this.peer} sent more than ${MAX_DIALOGUE_BYTES / 1024} KiB before TLS started ${this.stage()}`);
    if (this.timedOut) throw failed(`${this.peer} did not answer within ${this.timeoutMs / 1000} s ${this.stage()}`);
    if (this.ended) throw this.ended;
    await new Promise<void>((resolve) => (this.wake = resolve));
  }

  /** One line without its CR LF (a bare LF is taken too). */
  async readLine(): Promise<string> {
    for (;;) {
      const nl = this.buffer.indexOf(0x0a);
      if (nl >= 0) {
        if (nl > MAX_LINE_LENGTH) break;
        const line = this.buffer.toString('latin1', 0, nl > 0 && this.buffer[nl - 1] === 0x0d ? nl - 1 : nl);
        this.buffer = this.buffer.subarray(nl + 1);
        this.last = line;
        return line;
      }
      if (this.buffer.length > MAX_LINE_LENGTH) break;
      await this.more();
    }
    throw failed(`${this.peer} sent a line longer than ${MAX_LINE_LENGTH} bytes ${this.stage()}`);
  }

  /** Exactly `n` bytes. */
  async readBytes(n: number): Promise<Buffer> {
    while (this.buffer.length < n) await this.more();
    const out = this.buffer.subarray(0, n);
    this.buffer = this.buffer.subarray(n);
    return out;
  }

  /** Bytes up to the end of the first match of `pattern` in what is buffered (latin1 text), and the match. */
  async readUntil(pattern: RegExp): Promise<{ text: string; match: RegExpExecArray }> {
    for (;;) {
      const text = this.buffer.toString('latin1');
      const match = pattern.exec(text);
      if (match) {
        const end = match.index + match[0].length;
        this.buffer = this.buffer.subarray(end);
        this.last = text.slice(0, end).replace(/\s+/g, ' ').trim().slice(-200);
        return { text: text.slice(0, end), match };
      }
      await this.more();
    }
  }

  write(text: string): void {
    this.socket.write(text, 'latin1');
  }

  /** Whether the peer has sent anything not yet read. */
  get pending(): number {
    return this.buffer.length;
  }

  /**
   * Detaches the reader. Bytes the peer sent after the last reply and before TLS would be read by
   * nobody or, worse, as if they had come under TLS (the STARTTLS injection of CVE-2011-0411):
   * they are an error here.
   */
  release(): void {
    this.abandon();
    if (this.buffer.length) {
      throw failed(`${this.peer} sent ${this.buffer.length} bytes in clear after agreeing to start TLS (a STARTTLS injection?): refused`);
    }
  }

  /** Detaches the reader after a failure, leaving the socket to the caller to destroy. */
  abandon(): void {
    clearTimeout(this.timer);
    this.socket.off('data', this.onData);
    this.socket.off('end', this.onEnd);
    this.socket.off('close', this.onEnd);
    this.socket.off('error', this.onError);
  }
}
