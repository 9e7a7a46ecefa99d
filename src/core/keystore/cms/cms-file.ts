// Reads and writes whole IBM CMS key database files (versions 3, 4 and 6), byte for byte as IBM does.

import type { CryptoProvider } from '../../crypto/provider.js';
import { badInput, badPassword, conflict, KymanError, usage } from '../../errors.js';
import type { KeyProtection } from '../../pki/pbe.js';
import {
  FIXED_HEADER_SIZE,
  LAYOUT,
  MAGIC,
  OFFSET,
  SALT_OFFSET,
  SALT_SIZE,
  TYPE_BYTE,
  TYPE_TAG,
  fileTypeOfTag,
  integrityMac,
  isCmsVersion,
  passwordBytes,
  passwordVerifier,
} from './header.js';
import { equalBytes } from '../../bytes.js';
import { prepareSlot, readSlot, writeSlot } from './record.js';
import type { CmsDatabase, CmsFileType, CmsHeaderInfo, CmsVersion } from './types.js';

export interface CmsReadOptions {
  /** The file's name, for error messages. */
  name?: string;
  /**
   * Recompute each certificate's five SHA-1 digests and compare them with the slot's (default
   * false). The integrity MAC already covers every slot byte, so this only catches a writer that
   * put wrong digests there, and it doubles the time to open a database of thousands of entries.
   */
  verifyDigests?: boolean;
}

export interface CmsWriteOptions {
  /** The file's name, for error messages. */
  name?: string;
}

/** The record length new databases get, as gskkyman and every IBM sample use. */
export const DEFAULT_RECORD_LENGTH = 5000;

const displayName = (name: string | undefined) => name ?? 'the key database';

/** Record lengths kyman suggests are whole thousands: room for a slightly larger entry next time. */
const SUGGESTED_RECORD_LENGTH_STEP = 1000;

/**
 * An entry that does not fit the database's record length: CONFLICT, with the sizes, so that a
 * caller can name the record length that would do (recordLengthAdvice).
 */
export class RecordTooLargeError extends KymanError {
  constructor(
    readonly label: string,
    readonly needed: number,
    readonly recordLength: number,
  ) {
    super('CONFLICT', `entry "${label}" needs ${needed} bytes but the record length is ${recordLength}: raise it with "kyman db record-length"`);
  }

  /** The smallest whole thousand of bytes the entry fits in. */
  get suggestedRecordLength(): number {
    return Math.ceil(this.needed / SUGGESTED_RECORD_LENGTH_STEP) * SUGGESTED_RECORD_LENGTH_STEP;
  }
}

/**
 * The error to show for a failed write of `name`: a RecordTooLargeError becomes one that names the
 * record length to choose (an ML-DSA-65 certificate and key take some 6,000 bytes, more than the
 * 5,000 a new database has); any other error is returned as it is. A request database takes its
 * record length from its key database when it is made, so for one the advice is about that
 * database (`keyDatabaseName`).
 */
export function recordLengthAdvice(error: unknown, name: string, keyDatabaseName?: string): unknown {
  if (!(error instanceof RecordTooLargeError)) return error;
  const n = error.suggestedRecordLength;
  const what = `entry "${error.label}" needs ${error.needed} bytes but the record length is ${error.recordLength}: `;
  return conflict(
    keyDatabaseName
      ? `${what}${name} takes the record length of ${keyDatabaseName} when it is made: raise that to ${n} with "kyman db record-length ${n}" before the first request`
      : `${what}raise the record length of ${name} to ${n} with "kyman db record-length ${n}", or make the database with --record-length ${n}`,
    error,
  );
}

/** Whether the bytes start with a CMS magic `37 48 VV TT` (VV 03, 04 or 06; TT 01 or 02). */
export function isCmsFile(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 4 &&
    bytes[0] === MAGIC[0] &&
    bytes[1] === MAGIC[1] &&
    isCmsVersion(bytes[2]) &&
    (bytes[3] === 0x01 || bytes[3] === 0x02)
  );
}

/**
 * The header's description of the file, without the password and without checking the rest of
 * the file (so the first 24 bytes are enough).
 */
export function peekCmsHeader(bytes: Uint8Array, options: { name?: string } = {}): CmsHeaderInfo {
  const name = displayName(options.name);
  if (!isCmsFile(bytes)) throw badInput(`${name} is not a key database`);
  if (bytes.length < OFFSET.recordCount + 4) throw badInput(`${name} is truncated: it ends inside its header`);
  const fileType = fileTypeOfTag(bytes);
  if (!fileType) throw badInput(`${name} is not a key database: its type tag is not X509KEY, X509KYP or X509CRL`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    version: bytes[2] as CmsVersion,
    fileType,
    recordLength: view.getUint32(OFFSET.recordLength),
    recordCount: view.getUint32(OFFSET.recordCount),
  };
}

/** The header, checked against the file's size: every slot must be there, and nothing more. */
function checkedHeader(bytes: Uint8Array, name: string): CmsHeaderInfo {
  const header = peekCmsHeader(bytes, { name });
  const { headerSize } = LAYOUT[header.version];
  if (bytes.length < headerSize) throw badInput(`${name} is truncated: it ends inside its header`);
  const expected = headerSize + header.recordCount * header.recordLength;
  if (bytes.length < expected) {
    throw badInput(
      `${name} is truncated: its header says ${header.recordCount} records of ${header.recordLength} bytes ` +
        `(${expected} bytes in all) but it has ${bytes.length}`,
    );
  }
  if (bytes.length > expected) {
    throw badInput(
      `${name} is damaged: its header says ${header.recordCount} records of ${header.recordLength} bytes ` +
        `(${expected} bytes in all) but it has ${bytes.length}`,
    );
  }
  return header;
}

/**
 * The integrity MAC of a whole file as read. Its data is the head (header up to the verifier)
 * followed by the slots, with the MAC itself between them in the file. Copying 50 MB of slots to
 * join them costs more than the HMAC does (150+ ms against 50 ms for 10,000 slots), so for v4 and
 * v6 the head is moved, in place, to just before the slots, hashed from there with them, and the
 * header put back before returning; the caller never sees the difference (JavaScript runs
 * nothing else meanwhile). Shared memory, which another thread could be reading, is copied
 * instead.
 */
function macOfFile(provider: CryptoProvider, version: CmsVersion, bytes: Uint8Array, recordLength: number, pw: Uint8Array): Uint8Array {
  const { macSize, headerSize } = LAYOUT[version];
  const headLength = FIXED_HEADER_SIZE + macSize;
  const slots = bytes.subarray(headerSize);
  const shared = typeof SharedArrayBuffer !== 'undefined' && bytes.buffer instanceof SharedArrayBuffer;
  if (version === 3 || shared) return integrityMac(provider, version, bytes.subarray(0, headLength), slots, recordLength, pw);
  const header = new Uint8Array(bytes.subarray(0, headerSize)); // a copy: Buffer#slice would be a view
  try {
    bytes.set(header.subarray(0, headLength), headerSize - headLength);
    return integrityMac(provider, version, bytes.subarray(headerSize - headLength, headerSize), slots, recordLength, pw);
  } finally {
    bytes.set(header, 0);
  }
}

/**
 * Opens a CMS database. Checks, in this order: the magic and the file's size; the password
 * verifier (a wrong password is BAD_PASSWORD); the integrity MAC (a mismatch is damage, BAD_INPUT);
 * then each slot. Certificates and encrypted keys in the result are views into `bytes`, so the
 * caller must not reuse that buffer for something else while it holds the result.
 */
export function readCmsDatabase(provider: CryptoProvider, bytes: Uint8Array, password: string, options: CmsReadOptions = {}): CmsDatabase {
  const name = displayName(options.name);
  const header = checkedHeader(bytes, name);
  const { version, recordLength, recordCount } = header;
  const { macSize, headerSize } = LAYOUT[version];
  const pw = passwordBytes(password);

  // Verifier first: a wrong password fails it, a damaged slot does not (format facts).
  const verifier = bytes.subarray(FIXED_HEADER_SIZE, FIXED_HEADER_SIZE + macSize);
  if (!equalBytes(passwordVerifier(provider, version, bytes, pw), verifier)) throw badPassword(`wrong password for ${name}`);
  const mac = new Uint8Array(bytes.subarray(FIXED_HEADER_SIZE + macSize, headerSize));
  if (!equalBytes(macOfFile(provider, version, bytes, recordLength, pw), mac)) {
    throw badInput(`${name} is damaged: its integrity check failed`);
  }

  const ctx = {
    bytes,
    view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    recordLength,
    digestProvider: options.verifyDigests ? provider : undefined,
    damaged: (n: number, what: string) => badInput(`${name} is damaged: record ${n}: ${what}`),
  };
  const records = new Array(recordCount);
  for (let i = 0; i < recordCount; i++) records[i] = readSlot(ctx, headerSize + i * recordLength, i + 1);
  return { ...header, salt: new Uint8Array(bytes.subarray(SALT_OFFSET, SALT_OFFSET + SALT_SIZE)), records };
}

/**
 * Writes a CMS database in `db.version`'s layout, records numbered 1..n in the order given.
 * Keys are carried as they are (never decrypted). A record that does not fit its slot is a
 * CONFLICT naming it and both sizes.
 */
export function writeCmsDatabase(provider: CryptoProvider, db: CmsDatabase, password: string, options: CmsWriteOptions = {}): Uint8Array {
  const name = displayName(options.name);
  const { version, fileType, recordLength, salt, records } = db;
  if (!isCmsVersion(version)) throw usage(`kyman writes CMS versions 3, 4 and 6, not ${String(version)}`);
  if (!(fileType in TYPE_TAG)) throw usage(`unknown CMS file type ${String(fileType)}`);
  if (!Number.isInteger(recordLength) || recordLength < 1 || recordLength > 0xffffffff) {
    throw usage(`a record length must be a whole number of bytes, not ${recordLength}`);
  }
  if (salt.length !== SALT_SIZE) throw usage(`a CMS salt is ${SALT_SIZE} bytes, not ${salt.length}`);

  const seen = new Set<string>();
  const slots = records.map((record, i) => {
    if (seen.has(record.label)) throw conflict(`${name} would hold two entries labelled "${record.label}"`);
    seen.add(record.label);
    const slot = prepareSlot(record, i + 1);
    if (slot.size > recordLength) throw new RecordTooLargeError(record.label, slot.size, recordLength);
    return slot;
  });

  const { macSize, headerSize } = LAYOUT[version];
  const pw = passwordBytes(password);
  const head = new Uint8Array(FIXED_HEADER_SIZE + macSize);
  const headView = new DataView(head.buffer);
  head.set([MAGIC[0], MAGIC[1], version, TYPE_BYTE[fileType]], OFFSET.magic);
  const tag = TYPE_TAG[fileType];
  for (let i = 0; i < tag.length; i++) head[OFFSET.tag + i] = tag.charCodeAt(i); // then its NUL
  headView.setUint32(OFFSET.recordLength, recordLength);
  headView.setUint32(OFFSET.recordCount, slots.length);
  head.set(salt, SALT_OFFSET);
  head.set(passwordVerifier(provider, version, head, pw), FIXED_HEADER_SIZE);

  const out = new Uint8Array(headerSize + slots.length * recordLength);
  slots.forEach((slot, i) => writeSlot(provider, out, headerSize + i * recordLength, version, slot));
  // Put the head just before the slots first, so the MAC's data is one buffer (no 50 MB copy
  // for 10,000 slots); then move it to the start and put the MAC after it.
  const body = out.subarray(headerSize);
  out.set(head, headerSize - head.length);
  const mac = integrityMac(provider, version, out.subarray(headerSize - head.length, headerSize), body, recordLength, pw);
  out.set(head, 0);
  out.set(mac, head.length);
  return out;
}

/**
 * A new, empty database: version 6 as GSKit 8 writes, record length 5000. The salt is 24 random
 * bytes, as ikeyman and the IBM HTTP Server tools write it (gskcapicmd writes 23 and a NUL;
 * nothing reads the salt as a string, so both open everywhere).
 */
export function newCmsDatabase(provider: CryptoProvider, options: { recordLength?: number; fileType?: CmsFileType } = {}): CmsDatabase {
  return {
    version: 6,
    fileType: options.fileType ?? 'key',
    recordLength: options.recordLength ?? DEFAULT_RECORD_LENGTH,
    salt: provider.random(SALT_SIZE),
    records: [],
  };
}

/**
 * How kyman encrypts a new private key for a database of this version: each version keeps the
 * scheme its IBM tools write, so those tools open it. v6 follows ikeyman (PBES2, PBKDF2-HMAC-SHA-384,
 * AES-256-CBC, 4096 iterations, 20-byte salt). v4 and v3 follow their samples exactly (PKCS #12
 * 3DES with a 20-byte salt and 10 iterations; PBES1 MD5-DES with 5 iterations): a higher count
 * is not known to be accepted by those old tools, and would buy nothing, because the database's
 * password verifier lets an attacker test passwords at one HMAC (or MD5) each anyway.
 */
export function cmsKeyProtection(version: CmsVersion): KeyProtection {
  switch (version) {
    case 6:
      return { scheme: 'pbes2', prf: 'SHA-384', cipher: 'AES-256-CBC', iterations: 4096, saltLength: 20 };
    case 4:
      return { scheme: 'pkcs12-3des', iterations: 10, saltLength: 20 };
    case 3:
      return { scheme: 'pbes1-md5-des', iterations: 5 };
  }
}
