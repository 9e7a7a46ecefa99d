// The CMS file header: its layout per version, the password verifier and the integrity MAC.

import type { CryptoProvider } from '../../crypto/provider.js';
import type { CmsFileType, CmsVersion } from './types.js';
import { concat } from '../../bytes.js';

/** Bytes 0x00..0x2F are the same in every version; the verifier follows, then the MAC. */
export const FIXED_HEADER_SIZE = 0x30;
export const SALT_OFFSET = 0x18;
export const SALT_SIZE = 24;
export const OFFSET = { magic: 0x00, zero: 0x04, tag: 0x08, recordLength: 0x10, recordCount: 0x14 } as const;

export interface VersionLayout {
  /** MD5 for v3 (keyed by appending the password), HMAC for v4 and v6. */
  readonly hash: 'MD5' | 'SHA-1' | 'SHA-384';
  /** Size M of the verifier and of the MAC. */
  readonly macSize: number;
  /** 0x30 + 2M: where the first slot starts. */
  readonly headerSize: number;
}

export const LAYOUT: Readonly<Record<CmsVersion, VersionLayout>> = {
  3: { hash: 'MD5', macSize: 16, headerSize: 0x50 },
  4: { hash: 'SHA-1', macSize: 20, headerSize: 0x58 },
  6: { hash: 'SHA-384', macSize: 48, headerSize: 0x90 },
};

export const MAGIC = [0x37, 0x48] as const;

/** Byte 3 of the magic; the tag, not this byte, says what the file is. */
export const TYPE_BYTE: Readonly<Record<CmsFileType, number>> = { key: 0x02, request: 0x01, crl: 0x01 };
export const TYPE_TAG: Readonly<Record<CmsFileType, string>> = { key: 'X509KEY', request: 'X509KYP', crl: 'X509CRL' };

export const isCmsVersion = (v: number): v is CmsVersion => v === 3 || v === 4 || v === 6;

/** The file type named by the 8-byte NUL-terminated tag at offset 8, or undefined. */
export function fileTypeOfTag(bytes: Uint8Array): CmsFileType | undefined {
  if (bytes.length < OFFSET.tag + 8 || bytes[OFFSET.tag + 7] !== 0) return undefined;
  const tag = String.fromCharCode(...bytes.subarray(OFFSET.tag, OFFSET.tag + 7));
  for (const type of ['key', 'request', 'crl'] as const) if (TYPE_TAG[type] === tag) return type;
  return undefined;
}

const utf8 = new TextEncoder();
export const passwordBytes = (password: string): Uint8Array => utf8.encode(password);


/**
 * The password verifier over bytes 0x00..0x2F (magic, tag, record length, count, salt):
 * v6 HMAC-SHA-384 and v4 HMAC-SHA-1 keyed with the password; v3 MD5(bytes ‖ password).
 */
export function passwordVerifier(provider: CryptoProvider, version: CmsVersion, file: Uint8Array, password: Uint8Array): Uint8Array {
  const covered = file.subarray(0, FIXED_HEADER_SIZE);
  if (version === 3) return provider.hash('MD5', concat([covered, password]));
  return provider.hmac(LAYOUT[version].hash, password, covered);
}

/**
 * The integrity MAC over `head` (bytes 0x00..0x30+M-1: the header up to and with the verifier)
 * and `slots` (every slot, padding included): one HMAC over both for v4 and v6; for v3 the XOR
 * of MD5(head ‖ password) and, for each slot, MD5(slot ‖ password).
 */
export function integrityMac(
  provider: CryptoProvider,
  version: CmsVersion,
  head: Uint8Array,
  slots: Uint8Array,
  recordLength: number,
  password: Uint8Array,
): Uint8Array {
  if (version !== 3) return provider.hmac(LAYOUT[version].hash, password, joined(head, slots));
  const mac = provider.hash('MD5', concat([head, password]));
  const buffer = new Uint8Array(recordLength + password.length);
  buffer.set(password, recordLength);
  for (let at = 0; at < slots.length; at += recordLength) {
    buffer.set(slots.subarray(at, at + recordLength), 0);
    const h = provider.hash('MD5', buffer);
    for (let j = 0; j < mac.length; j++) mac[j] ^= h[j];
  }
  return mac;
}

/**
 * `a ‖ b`, without a copy when `b` already follows `a` in the same buffer. The provider's HMAC
 * takes one buffer; a writer lays the file out so the MAC's data is contiguous, which saves
 * copying a database of thousands of slots.
 */
function joined(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.buffer === b.buffer && a.byteOffset + a.length === b.byteOffset) return new Uint8Array(a.buffer, a.byteOffset, a.length + b.length);
  return concat([a, b]);
}

