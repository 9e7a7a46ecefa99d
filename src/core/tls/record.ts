// The record layer (RFC 8446 §5): framing, fragmentation and protection, one AEAD call per record.

import type { AeadKey } from '../crypto/provider.js';
import { TlsAlertError, fatal } from './alerts.js';

/** RFC 8446 §5.1 ContentType. */
export const ContentType = {
  change_cipher_spec: 20,
  alert: 21,
  handshake: 22,
  application_data: 23,
} as const;

/** §5.1: TLSPlaintext.length MUST NOT exceed 2^14. */
export const MAX_PLAINTEXT = 16_384;
/** §5.2: TLSCiphertext.length MUST NOT exceed 2^14 + 256; anything longer is a record_overflow. */
export const MAX_CIPHERTEXT_TLS13 = 16_384 + 256;
const HEADER = 5;
/** The tag of GCM, ChaCha20-Poly1305 and AES-CCM; only TLS 1.3's AES-CCM-8 has a shorter one. */
const TAG = 16;

export interface Record {
  readonly type: number;
  /** The plaintext fragment: a view into the record layer's buffers, valid until the next read. */
  readonly fragment: Uint8Array;
}

/**
 * One direction's protection. TLS 1.3 is the one kind today; TLS 1.2's AEAD protection (explicit
 * nonce, a different AAD) implements the same two calls, so the reader and writer do not change.
 */
export interface RecordProtection {
  /** The largest TLSCiphertext.length this protection accepts. */
  readonly maxCiphertext: number;
  /**
   * Seals one fragment of `type` and appends the record's bytes to `out` in pieces (header first),
   * for one gathered write: the pieces are not joined, and `fragment` is not kept.
   */
  seal(type: number, fragment: Uint8Array, out: Uint8Array[]): void;
  /** Opens one record; `header` is the 5 bytes read. Throws bad_record_mac and friends. */
  open(header: Uint8Array, body: Uint8Array): Record;
}

/** The TLSInnerPlaintext content type byte (§5.2), indexed by type: shared and only ever read, as sealing reads its input. */
const TYPE_BYTES: readonly Uint8Array[] = Array.from({ length: ContentType.application_data + 1 }, (_, t) => Uint8Array.of(t));

/** §5.2, §5.3: TLS 1.3 protection with the per-record nonce (IV XOR sequence number) and the header as AAD. */
export class Tls13Protection implements RecordProtection {
  readonly maxCiphertext = MAX_CIPHERTEXT_TLS13;
  private readonly nonce = new Uint8Array(12);
  /**
   * The scratch TLSInnerPlaintext (content, type byte) for an AEAD without sealParts; reused, as one
   * record at a time is sealed, and made only when first needed: a handshake makes four protections.
   */
  private inner: Uint8Array | undefined;
  /** §5.3: the sequence number. A number is exact to 2^53, far past any key's useful life (§5.5). */
  private seq = 0;

  constructor(
    private readonly aead: AeadKey,
    private readonly iv: Uint8Array,
    /** The AEAD's tag length: 16, or 8 for TLS_AES_128_CCM_8_SHA256 (RFC 6655 §3). */
    private readonly tagLength: number = TAG,
  ) {}

  /** §5.3: the padded sequence number XORed with the static IV; written into one reused buffer. */
  private nextNonce(): Uint8Array {
    const n = this.nonce;
    n.set(this.iv);
    const hi = Math.floor(this.seq / 0x1_0000_0000);
    const lo = this.seq >>> 0;
    n[4] ^= hi >>> 24;
    n[5] ^= (hi >>> 16) & 0xff;
    n[6] ^= (hi >>> 8) & 0xff;
    n[7] ^= hi & 0xff;
    n[8] ^= lo >>> 24;
    n[9] ^= (lo >>> 16) & 0xff;
    n[10] ^= (lo >>> 8) & 0xff;
    n[11] ^= lo & 0xff;
    this.seq++;
    return n;
  }

  seal(type: number, fragment: Uint8Array, out: Uint8Array[]): void {
    const n = fragment.length;
    const length = n + 1 + this.tagLength;
    // §5.2: the outer type is always application_data, the version 0x0303; the header is the AAD.
    // A fresh header each record: it waits in the transport's queue until written.
    const header = Uint8Array.of(ContentType.application_data, 3, 3, length >>> 8, length & 0xff);
    out.push(header);
    if (this.aead.sealParts) {
      for (const piece of this.aead.sealParts(this.nextNonce(), header, [fragment, TYPE_BYTES[type]])) out.push(piece);
      return;
    }
    const inner = (this.inner ??= new Uint8Array(MAX_PLAINTEXT + 1));
    inner.set(fragment, 0);
    inner[n] = type;
    out.push(this.aead.seal(this.nextNonce(), header, inner.subarray(0, n + 1)));
  }

  open(header: Uint8Array, body: Uint8Array): Record {
    if (header[0] !== ContentType.application_data) {
      throw fatal('unexpected_message', `an unprotected ${contentTypeName(header[0])} record arrived after keys were set`);
    }
    const plain = this.aead.open(this.nextNonce(), header, body);
    if (!plain) {
      // The number was not used: a record skipped as early data (§4.2.10) leaves the sequence as it was.
      this.seq--;
      throw fatal('bad_record_mac', 'a record did not decrypt: its authentication tag does not verify');
    }
    // §5.2, §5.4: padding does not lift the limit: the whole TLSInnerPlaintext is at most 2^14 + 1 bytes.
    if (plain.length > MAX_PLAINTEXT + 1) throw fatal('record_overflow', `a record's inner plaintext is ${plain.length} bytes, more than 2^14 + 1`);
    // §5.4: the content type is the last non-zero byte; zeros after it are padding.
    let end = plain.length - 1;
    while (end >= 0 && plain[end] === 0) end--;
    if (end < 0) throw fatal('unexpected_message', 'a protected record holds only padding, no content type');
    return { type: plain[end], fragment: plain.subarray(0, end) };
  }
}

/**
 * Writes seq_num ‖ type ‖ version ‖ length into out[0..13]: the AEAD's additional_data (RFC 5246
 * §6.2.3.3), also what the CBC suites' MAC covers before the content (§6.2.3.1). The 64-bit
 * sequence number (§6.1) is exact in a number to 2^53.
 */
export function writeRecordPrefix12(out: Uint8Array, seq: number, type: number, length: number): void {
  const hi = Math.floor(seq / 0x1_0000_0000);
  const lo = seq >>> 0;
  out[0] = hi >>> 24;
  out[1] = (hi >>> 16) & 0xff;
  out[2] = (hi >>> 8) & 0xff;
  out[3] = hi & 0xff;
  out[4] = lo >>> 24;
  out[5] = (lo >>> 16) & 0xff;
  out[6] = (lo >>> 8) & 0xff;
  out[7] = lo & 0xff;
  out[8] = type;
  out[9] = 3;
  out[10] = 3;
  out[11] = length >>> 8;
  out[12] = length & 0xff;
}

/** RFC 5246 §6.2.3: TLSCiphertext.length MUST NOT exceed 2^14 + 2048. */
export const MAX_CIPHERTEXT_TLS12 = 16_384 + 2048;

/**
 * RFC 5246 §6.2.3.3 AEAD protection for TLS 1.2. AES-GCM (RFC 5288 §3): nonce = 4-byte implicit
 * salt ‖ 8-byte explicit part sent before the ciphertext (here the sequence number, as §3 allows).
 * ChaCha20-Poly1305 (RFC 7905 §2): nonce = IV XOR the padded sequence number, nothing explicit.
 * Both: additional_data = seq_num ‖ type ‖ version ‖ length of the plaintext.
 */
export class Tls12Protection implements RecordProtection {
  readonly maxCiphertext = MAX_CIPHERTEXT_TLS12;
  private readonly nonce = new Uint8Array(12);
  private readonly aad = new Uint8Array(13);
  /** RFC 5246 §6.1: the 64-bit sequence number, exact in a number to 2^53, far past any key's use. */
  private seq = 0;

  constructor(
    private readonly aead: AeadKey,
    /** The 4-byte salt (GCM) or the 12-byte IV (ChaCha20-Poly1305). */
    private readonly iv: Uint8Array,
    /** 8 for GCM, 0 for ChaCha20-Poly1305. */
    private readonly explicitLength: 0 | 8,
  ) {}

  /** Writes seq_num into aad[0..8] and the nonce for this record; advances the sequence number. */
  private next(type: number, length: number): void {
    const a = this.aad;
    writeRecordPrefix12(a, this.seq, type, length);
    const n = this.nonce;
    if (this.explicitLength) {
      // RFC 5288 §3: salt ‖ nonce_explicit; the explicit part is the sequence number.
      n.set(this.iv, 0);
      n.set(a.subarray(0, 8), 4);
    } else {
      // RFC 7905 §2: the sequence number, left-padded to 12 bytes, XORed with the IV.
      n.set(this.iv, 0);
      for (let i = 0; i < 8; i++) n[4 + i] ^= a[i];
    }
    this.seq++;
  }

  seal(type: number, fragment: Uint8Array, out: Uint8Array[]): void {
    this.next(type, fragment.length);
    // Every AEAD here has a 16-byte tag, so the length is known before sealing and the header goes first.
    const length = this.explicitLength + fragment.length + TAG;
    out.push(Uint8Array.of(type, 3, 3, length >>> 8, length & 0xff));
    // RFC 5288 §3: the explicit nonce is sent as the body's first 8 bytes; a copy, as the nonce buffer is reused.
    if (this.explicitLength) out.push(this.nonce.slice(4, 12));
    if (this.aead.sealParts) {
      for (const piece of this.aead.sealParts(this.nonce, this.aad, [fragment])) out.push(piece);
    } else {
      out.push(this.aead.seal(this.nonce, this.aad, fragment));
    }
  }

  open(header: Uint8Array, body: Uint8Array): Record {
    const type = header[0];
    // RFC 5246 §6.2.3.3, §7.2.2: a record too short to hold the explicit nonce and the tag cannot decrypt.
    if (body.length < this.explicitLength + TAG) throw fatal('bad_record_mac', `a ${body.length}-byte protected record is too short to hold its nonce and tag`);
    const plainLength = body.length - this.explicitLength - TAG;
    if (plainLength > MAX_PLAINTEXT) throw fatal('record_overflow', `a record's plaintext is ${plainLength} bytes, more than 2^14`);
    this.next(type, plainLength);
    // RFC 5288 §3: the receiver takes the explicit part as sent.
    if (this.explicitLength) this.nonce.set(body.subarray(0, 8), 4);
    const plain = this.aead.open(this.nonce, this.aad, body.subarray(this.explicitLength));
    if (!plain) throw fatal('bad_record_mac', 'a record did not decrypt: its authentication tag does not verify');
    return { type, fragment: plain };
  }
}

/** What RecordReader's inner step returns for a record it dropped as early data. */
const SKIPPED: unique symbol = Symbol('skipped');

export const contentTypeName = (t: number) =>
  ({ 20: 'change_cipher_spec', 21: 'alert', 22: 'handshake', 23: 'application_data' })[t] ?? `content type ${t}`;

/**
 * Reads records out of the bytes the transport delivers; holds at most one partial record plus what
 * arrived with it. Chunks are kept as they came, not joined: a record inside one chunk is read in
 * place, and only a record that straddles chunks is copied, once, into a buffer of its own.
 */
export class RecordReader {
  private chunks: Buffer[] = [];
  /** Where the unread bytes begin in chunks[0]. */
  private start = 0;
  private held = 0;
  /** Read protection; undefined until the peer's first keys (§5.1 TLSPlaintext before that). */
  protection: RecordProtection | undefined;
  /** Records read: zero until the first, which must look like TLS. */
  private count = 0;
  /**
   * TLS 1.3 handshake: a peer that could not process our flight (say, our certificate) may not have
   * our keys yet, and answers with a plaintext alert (RFC 8446 §6 leaves it possible; OpenSSL and
   * tlsfuzzer expect it heard). A 2-byte record of the alert type is then taken as it is.
   */
  plaintextAlerts = false;
  /** RFC 8446 §4.2.10: bytes of early data still to be skipped (see HandshakeChannel.skipEarlyData). */
  earlyDataSkip = 0;
  private scratch: Buffer | undefined;

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.held += chunk.length;
  }

  /** Bytes held that do not yet make a whole record. */
  get buffered(): number {
    return this.held;
  }

  /** The next whole record, decrypted; undefined when more bytes are needed. */
  next(): Record | undefined {
    for (;;) {
      const record = this.nextRecord();
      if (record !== SKIPPED) return record;
    }
  }

  private nextRecord(): Record | undefined | typeof SKIPPED {
    if (this.held < HEADER) {
      if (this.held > 0 && this.count === 0) this.checkHeaderStart();
      return undefined;
    }
    const type = this.byteAt(0);
    this.checkHeaderStart();
    const length = (this.byteAt(3) << 8) | this.byteAt(4);
    const max = this.protection ? this.protection.maxCiphertext : MAX_PLAINTEXT;
    // §5.1, §5.2: checked on the header, before the body is waited for, so a peer cannot make us buffer more.
    if (length > max && !(this.protection && type === ContentType.change_cipher_spec && length <= MAX_PLAINTEXT)) {
      throw fatal('record_overflow', `a ${contentTypeName(type)} record of ${length} bytes exceeds the limit of ${max}`);
    }
    if (this.held < HEADER + length) return undefined;
    const record = this.take(HEADER + length);
    const header = record.subarray(0, HEADER);
    const body = record.subarray(HEADER);
    this.count++;
    // §5: change_cipher_spec is never protected; everything else is, once keys are set.
    if (this.earlyDataSkip > 0 && type === ContentType.application_data) return this.openOrSkip(header, body);
    if (this.protection && type !== ContentType.change_cipher_spec) {
      if (type === ContentType.alert && this.plaintextAlerts && length === 2) return { type, fragment: body };
      return this.protection.open(header, body);
    }
    return { type, fragment: body };
  }

  /** §4.2.10: an early data record is dropped, within the budget; the first that decrypts ends the skipping. */
  private openOrSkip(header: Uint8Array, body: Uint8Array): Record | typeof SKIPPED {
    const skip = (): typeof SKIPPED => {
      if (body.length > this.earlyDataSkip) throw fatal('bad_record_mac', 'more early data arrived than this server skips, and it does not decrypt');
      this.earlyDataSkip -= body.length;
      return SKIPPED;
    };
    if (!this.protection) return skip();
    try {
      const record = this.protection.open(header, body);
      this.earlyDataSkip = 0;
      return record;
    } catch (e) {
      if (!(e instanceof TlsAlertError && e.alert.name === 'bad_record_mac')) throw e;
      return skip();
    }
  }

  /** The unread byte at `i` (i < held); header bytes only, so the walk past chunks[0] is rare and short. */
  private byteAt(i: number): number {
    let at = this.start + i;
    for (const c of this.chunks) {
      if (at < c.length) return c[at];
      at -= c.length;
    }
    return -1;
  }

  /**
   * Removes the next `n` bytes (n <= held): a view when they lie in one chunk, else a copy into the
   * reader's one scratch buffer (a record is opened, or its fragment copied, before the next read).
   */
  private take(n: number): Buffer {
    const first = this.chunks[0];
    const s = this.start;
    let out: Buffer;
    if (first.length - s >= n) {
      out = first.subarray(s, s + n);
      this.start = s + n;
      if (this.start === first.length) this.dropFirst();
    } else {
      // Sized for the largest record either version allows; made on the first record that straddles reads.
      out = (this.scratch ??= Buffer.allocUnsafe(HEADER + MAX_CIPHERTEXT_TLS12)).subarray(0, n);
      for (let w = 0; w < n; ) {
        const c = this.chunks[0];
        const k = Math.min(n - w, c.length - this.start);
        c.copy(out, w, this.start, this.start + k);
        w += k;
        this.start += k;
        if (this.start === c.length) this.dropFirst();
      }
    }
    this.held -= n;
    return out;
  }

  private dropFirst(): void {
    this.chunks.shift();
    this.start = 0;
  }

  private checkHeaderStart(): void {
    const type = this.byteAt(0);
    if (type < ContentType.change_cipher_spec || type > ContentType.application_data) {
      throw fatal(this.count === 0 ? 'decode_error' : 'unexpected_message', `a record of unknown ${contentTypeName(type)} arrived: the peer does not speak TLS, or the stream is corrupt`);
    }
    // §5.1: legacy_record_version is ignored, except that it must look like TLS (major version 3).
    if (this.held >= 2 && this.byteAt(1) !== 3) {
      throw fatal('decode_error', `a record with version ${this.byteAt(1)}.${this.held >= 3 ? this.byteAt(2) : '?'} arrived: not TLS`);
    }
  }
}

/**
 * Frames, fragments and protects outgoing records; queues them so a flight is written at once.
 * Consecutive handshake messages under the same keys share records (§5.1 allows it), so a
 * server's EncryptedExtensions … Finished is one AEAD call, as most stacks send it.
 */
export class RecordWriter {
  private protection: RecordProtection | undefined;
  private queue: Uint8Array[] = [];
  private handshake: Uint8Array[] = [];
  /** Plaintext bytes framed into the queue since the last take(). */
  queuedBytes = 0;

  /** New keys apply to what is written after; handshake messages written before go out under the old ones. */
  setProtection(p: RecordProtection): void {
    this.flushHandshake();
    this.protection = p;
  }

  write(type: number, data: Uint8Array): void {
    if (type === ContentType.handshake) {
      this.handshake.push(data);
      return;
    }
    this.flushHandshake();
    this.frame(type, data);
  }

  private flushHandshake(): void {
    if (this.handshake.length === 0) return;
    const data = this.handshake.length === 1 ? this.handshake[0] : Buffer.concat(this.handshake);
    this.handshake = [];
    this.frame(ContentType.handshake, data);
  }

  /** §5.1: data is split into fragments of at most 2^14 bytes. */
  private frame(type: number, data: Uint8Array): void {
    if (data.length === 0 && type === ContentType.application_data) return;
    this.queuedBytes += data.length;
    for (let at = 0; at < data.length; at += MAX_PLAINTEXT) {
      const fragment = data.subarray(at, Math.min(data.length, at + MAX_PLAINTEXT));
      if (this.protection && type !== ContentType.change_cipher_spec) {
        this.protection.seal(type, fragment, this.queue);
      } else {
        this.queue.push(Uint8Array.of(type, 3, 3, fragment.length >>> 8, fragment.length & 0xff), fragment.slice());
      }
    }
  }

  /** The queued bytes, handed over and forgotten; small pieces next to each other come joined (see SMALL_PIECE). */
  take(): Uint8Array[] {
    this.flushHandshake();
    const q = this.queue;
    this.queue = [];
    this.queuedBytes = 0;
    return joinSmallPieces(q);
  }
}

/**
 * Pieces shorter than this are joined with their neighbours before the transport sees them. A
 * sealed TLS 1.3 record is four pieces: the 5-byte header, the content's ciphertext, the type byte's
 * and the 16-byte tag; joined, a record's tail and the next one's header are one 22-byte piece, so
 * a batch of full records is two stream writes (and iovecs) a record instead of four. Copying a few
 * dozen bytes costs less than a stream write; a full record's ciphertext is never copied.
 */
const SMALL_PIECE = 64;

/** Joins each run of two or more pieces shorter than SMALL_PIECE into one buffer; the rest stay as they are. */
export function joinSmallPieces(pieces: Uint8Array[]): Uint8Array[] {
  let out: Uint8Array[] | undefined;
  for (let i = 0; i < pieces.length; ) {
    let end = i;
    let size = 0;
    while (end < pieces.length && pieces[end].length < SMALL_PIECE) size += pieces[end++].length;
    if (end - i < 2) {
      out?.push(pieces[i]);
      i++;
      continue;
    }
    out ??= pieces.slice(0, i);
    // Small enough for Node's shared allocation pool: no memory of its own for each joined piece.
    const joined = Buffer.allocUnsafe(size);
    for (let at = 0; i < end; i++) {
      joined.set(pieces[i], at);
      at += pieces[i].length;
    }
    out.push(joined);
  }
  return out ?? pieces;
}
