// TLS 1.2 CBC record protection (RFC 5246 §6.2.3.2, RFC 7366): an explicit IV per record, HMAC, and a MAC and padding check that takes the same work whatever the padding.

import type { CbcKey, CryptoProvider, HashAlgorithm } from '../crypto/provider.js';
import { fatal } from './alerts.js';
import { MAX_CIPHERTEXT_TLS12, MAX_PLAINTEXT, writeRecordPrefix12, type Record as TlsRecord, type RecordProtection } from './record.js';

/** AES's block, and so the explicit IV's length (RFC 5246 §6.2.3.2: record_iv_length = block size). */
const BLOCK = 16;
/** RFC 5246 §6.2.3.2: padding_length is one byte, so padding and its length byte are at most 256 bytes. */
const MAX_PADDING = 256;
/** RFC 5246 §6.2.3.1: seq_num(8) ‖ type(1) ‖ version(2) ‖ length(2), what the MAC covers before the content. */
const MAC_HEADER = 13;

/**
 * The HMAC hashes' compression-function block and the length field their final padding appends
 * (FIPS 180-4 §5.1.1, §5.1.2): an input of n bytes takes floor((n + lengthField) / block) + 1 blocks.
 */
const HASH_BLOCKS: Readonly<Partial<Record<HashAlgorithm, { readonly block: number; readonly lengthField: number }>>> = {
  'SHA-1': { block: 64, lengthField: 8 },
  'SHA-256': { block: 64, lengthField: 8 },
  'SHA-384': { block: 128, lengthField: 16 },
};

/**
 * Input for the extra compression blocks of the Lucky 13 countermeasure: never written, only hashed.
 * At most ceil(MAX_PADDING / block) + 1 blocks are ever added, so 8 blocks of the largest size do.
 */
const FILLER = new Uint8Array(8 * 128);

/**
 * One message for a bad MAC and bad padding alike, so that neither the alert (RFC 5246 §7.2.2:
 * bad_record_mac for both) nor the error says which failed: a padding oracle needs that difference.
 */
const BAD_RECORD = 'a record did not decrypt: its MAC or padding does not verify';

/**
 * RFC 5246 §6.2.3.2 GenericBlockCipher: IV ‖ E(content ‖ MAC ‖ padding ‖ padding_length), the MAC
 * over seq_num ‖ type ‖ version ‖ length ‖ content (§6.2.3.1). With encrypt-then-MAC (RFC 7366 §3):
 * IV ‖ E(content ‖ padding ‖ padding_length) ‖ MAC, the MAC over seq_num ‖ type ‖ version ‖ length
 * of IV and ciphertext ‖ IV ‖ ciphertext, checked before anything is decrypted.
 */
export class Tls12CbcProtection implements RecordProtection {
  readonly maxCiphertext = MAX_CIPHERTEXT_TLS12;
  /** RFC 5246 §6.1: the 64-bit sequence number, exact in a number to 2^53, far past any key's use. */
  private seq = 0;
  /** The MAC as received, copied out of a MAC-then-encrypt record; reused, one record at a time. */
  private readonly received: Uint8Array;
  private readonly hashBlock: { readonly block: number; readonly lengthField: number };

  constructor(
    private readonly provider: CryptoProvider,
    private readonly cipher: CbcKey,
    /** The HMAC's hash: SHA-1, SHA-256 or SHA-384 (RFC 5246 §6.2.3.1, RFC 5289 §3.1). */
    private readonly mac: HashAlgorithm,
    private readonly macKey: Uint8Array,
    /** RFC 5246 §6.2.3.1: mac_length, the HMAC's output length. */
    private readonly macLength: number,
    /** RFC 7366: negotiated by the encrypt_then_mac extension. */
    private readonly encryptThenMac: boolean,
  ) {
    this.received = new Uint8Array(macLength);
    const blocks = HASH_BLOCKS[mac];
    if (!blocks) throw new Error(`no CBC record MAC with ${mac}`);
    this.hashBlock = blocks;
  }

  /** Writes seq_num ‖ type ‖ version ‖ length into out[0..13] and advances the sequence number. */
  private macHeader(out: Uint8Array, type: number, length: number): void {
    writeRecordPrefix12(out, this.seq++, type, length);
  }

  private hmac(data: Uint8Array): Uint8Array {
    return this.provider.hmac(this.mac, this.macKey, data);
  }

  seal(type: number, fragment: Uint8Array, out: Uint8Array[]): void {
    const n = fragment.length;
    const m = this.macLength;
    // RFC 5246 §6.2.3.2: the IV SHOULD be chosen at random, and must be unpredictable.
    const iv = this.provider.random(BLOCK);
    if (!this.encryptThenMac) {
      // The least padding that makes whole blocks; padding_length counts the bytes before it, all of that value.
      const pad = BLOCK - ((n + m) % BLOCK);
      const buffer = new Uint8Array(MAC_HEADER + n + m + pad);
      this.macHeader(buffer, type, n);
      buffer.set(fragment, MAC_HEADER);
      buffer.set(this.hmac(buffer.subarray(0, MAC_HEADER + n)), MAC_HEADER + n);
      buffer.fill(pad - 1, MAC_HEADER + n + m);
      const body = this.cipher.encrypt(iv, buffer.subarray(MAC_HEADER));
      const length = BLOCK + body.length;
      out.push(Uint8Array.of(type, 3, 3, length >>> 8, length & 0xff), iv, body);
      return;
    }
    const pad = BLOCK - (n % BLOCK);
    const plain = new Uint8Array(n + pad);
    plain.set(fragment, 0);
    plain.fill(pad - 1, n);
    const body = this.cipher.encrypt(iv, plain);
    const covered = new Uint8Array(MAC_HEADER + BLOCK + body.length);
    this.macHeader(covered, type, BLOCK + body.length);
    covered.set(iv, MAC_HEADER);
    covered.set(body, MAC_HEADER + BLOCK);
    const length = BLOCK + body.length + m;
    out.push(Uint8Array.of(type, 3, 3, length >>> 8, length & 0xff), iv, body, this.hmac(covered));
  }

  open(header: Uint8Array, body: Uint8Array): TlsRecord {
    return this.encryptThenMac ? this.openEncryptThenMac(header[0], body) : this.openMacThenEncrypt(header[0], body);
  }

  /** RFC 7366 §3: the MAC first, over the ciphertext as sent; only a record that verifies is decrypted. */
  private openEncryptThenMac(type: number, body: Uint8Array): TlsRecord {
    const m = this.macLength;
    // An IV, at least one block (padding_length alone fills one) and the MAC; the length is public, so this check may branch.
    if (body.length < BLOCK + BLOCK + m || (body.length - m) % BLOCK !== 0) {
      throw fatal('bad_record_mac', `a ${body.length}-byte CBC record cannot hold an IV, whole blocks and a ${m}-byte MAC`);
    }
    const coveredLength = body.length - m;
    const covered = new Uint8Array(MAC_HEADER + coveredLength);
    this.macHeader(covered, type, coveredLength);
    covered.set(body.subarray(0, coveredLength), MAC_HEADER);
    const expected = this.hmac(covered);
    let diff = 0;
    for (let i = 0; i < m; i++) diff |= expected[i] ^ body[coveredLength + i];
    if (diff !== 0) throw fatal('bad_record_mac', BAD_RECORD);
    // The MAC verified, so the padding is the sender's own: checking it plainly leaks nothing.
    const plain = this.cipher.decrypt(body.subarray(0, BLOCK), body.subarray(BLOCK, coveredLength));
    const pad = plain[plain.length - 1];
    if (pad + 1 > plain.length) throw fatal('bad_record_mac', BAD_RECORD);
    for (let i = plain.length - 1 - pad; i < plain.length; i++) if (plain[i] !== pad) throw fatal('bad_record_mac', BAD_RECORD);
    return this.checked(type, plain.subarray(0, plain.length - 1 - pad));
  }

  /**
   * RFC 5246 §6.2.3.2 with the Lucky 13 countermeasure (AlFardan and Paterson, 2013), as Go,
   * s2n and OpenSSL apply it: whether the padding is good, how long it is and whether the MAC
   * matches must not show in the time taken, so
   * - the padding is read in one pass over the last 256 bytes (or the whole record, if shorter),
   *   with masks, not branches; bad padding counts as none (length 0), so a MAC is still computed;
   * - the HMAC's inner hash runs over fewer compression-function blocks when the padding is longer
   *   (the content is shorter), so as many blocks as the difference to the longest possible content
   *   (padding length 0) are hashed after it, of filler input; that extra hash runs for every
   *   record, a zero-block one included, so its own fixed cost is the same in every case;
   * - the received MAC is copied out of every position it could start at, with a mask that keeps
   *   only the real one, and compared with every byte read;
   * - a bad padding and a bad MAC end in the same alert and the same message, after the same work.
   * JavaScript gives no guarantee at the level of instructions; this removes the differences
   * the attack measured, which are whole compression-function calls.
   */
  private openMacThenEncrypt(type: number, body: Uint8Array): TlsRecord {
    const m = this.macLength;
    // An IV and the blocks that hold at least a MAC and padding_length; the length is public.
    const minimum = BLOCK + Math.ceil((m + 1) / BLOCK) * BLOCK;
    if (body.length < minimum || body.length % BLOCK !== 0) {
      throw fatal('bad_record_mac', `a ${body.length}-byte CBC record is not an IV and whole blocks holding a ${m}-byte MAC and padding`);
    }
    const plain = this.cipher.decrypt(body.subarray(0, BLOCK), body.subarray(BLOCK));
    const length = plain.length;
    let pad = plain[length - 1];
    // Negative (all ones when shifted) when the padding and the MAC do not fit: bad.
    let bad = (length - 1 - m - pad) >> 31;
    const toCheck = Math.min(MAX_PADDING, length);
    for (let i = 1; i < toCheck; i++) {
      // outside is -1 for bytes before the padding (i > pad), 0 for padding bytes.
      const outside = (pad - i) >> 31;
      bad |= (plain[length - 1 - i] ^ pad) & ~outside;
    }
    // -1 when anything was bad, else 0; bad padding is then taken as none.
    const badMask = (bad | -bad) >> 31;
    pad &= ~badMask;
    const contentLength = length - m - 1 - pad;

    const header = new Uint8Array(MAC_HEADER + contentLength);
    this.macHeader(header, type, contentLength);
    header.set(plain.subarray(0, contentLength), MAC_HEADER);
    const expected = this.hmac(header);
    // Lucky 13: make up the inner hash's blocks to those of the longest content this record could hold.
    const { block, lengthField } = this.hashBlock;
    const blocks = (content: number) => Math.floor((block + MAC_HEADER + content + lengthField) / block) + 1;
    this.provider.hash(this.mac, FILLER.subarray(0, (blocks(length - m - 1) - blocks(contentLength)) * block));

    // The MAC starts at contentLength; copy it from each position it could start at, keeping only the real one.
    const received = this.received;
    received.fill(0);
    const last = length - m - 1;
    for (let at = Math.max(0, last - (MAX_PADDING - 1)); at <= last; at++) {
      const here = ~(((at - contentLength) | (contentLength - at)) >> 31);
      for (let k = 0; k < m; k++) received[k] |= plain[at + k] & here;
    }
    let diff = 0;
    for (let k = 0; k < m; k++) diff |= expected[k] ^ received[k];
    if ((diff | badMask) !== 0) throw fatal('bad_record_mac', BAD_RECORD);
    return this.checked(type, plain.subarray(0, contentLength));
  }

  /** RFC 5246 §6.2.1: a fragment is at most 2^14 bytes, however it was padded. */
  private checked(type: number, fragment: Uint8Array): TlsRecord {
    if (fragment.length > MAX_PLAINTEXT) throw fatal('record_overflow', `a record's plaintext is ${fragment.length} bytes, more than 2^14`);
    return { type, fragment };
  }
}
