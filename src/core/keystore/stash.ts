// GSKit stash files (.sth): the database password, obfuscated (not encrypted) for unattended use.
//
// Version 1 (129 bytes): password ‖ NUL ‖ padding, every byte XORed with 0xF5.
// Version 8 (193 bytes): A (32 random) ‖ B = SHA-256(01 ‖ A) ‖ C = v1 buffer XOR keystream(A, B).
// Anyone who can read the file can recover the password, so writeStashFile creates it 0600.

import { concat, equalBytes } from '../bytes.js';
import type { CryptoProvider } from '../crypto/provider.js';
import { softwareProvider } from '../crypto/software.js';
import { badInput, usage } from '../errors.js';
import { fileExists, readFileOrFail, writeFileAtomic } from './file-io.js';

const V1_SIZE = 129;
const V8_SIZE = 193;
const A_SIZE = 32;
const B_SIZE = 32;
const XOR_BYTE = 0xf5;

/** The HMAC data GSKit derives its seed with: these 128 ASCII characters, as text, not hex-decoded. */
const SEED_TEXT = new TextEncoder().encode(
  '13EC6D5C885056915AB35FAD2BDDF39F40D7C57B8B4D28F66B61B75F391446FDA96751174DBD9713D02E0B38732E763501DBBB85EC60E437929ED2AA8981B36B',
);
const STATE_START = new Uint8Array([0x01, 0x01, 0x02, 0x03, 0x05, 0x08]);


/** B, the v8 check value: SHA-256(0x01 ‖ A). */
const checkValue = (provider: CryptoProvider, a: Uint8Array) => provider.hash('SHA-256', concat([new Uint8Array([0x01]), a]));

/** The 129-byte v8 keystream from A and B (format facts, "Stash file", steps 1–5). */
function keystream(provider: CryptoProvider, a: Uint8Array, b: Uint8Array): Uint8Array {
  let s = provider.hash('SHA-256', concat([a, b]));
  while (s[8] !== 0x03) s = provider.hash('SHA-256', s);
  for (let i = 0; i < 64; i++) s = provider.hash('SHA-256', s);
  const seed = provider.hmac('SHA-256', s, SEED_TEXT);
  let state = provider.hmac('SHA-256', seed, STATE_START);
  let ks: Uint8Array = new Uint8Array(0);
  while (ks.length < V1_SIZE) {
    ks = concat([ks, provider.hmac('SHA-256', seed, state)]);
    state = concat([ks, state]);
  }
  return ks.subarray(0, V1_SIZE);
}

/** The password in an unmasked-by-0xF5 v1 buffer: the bytes before the first NUL. */
function passwordOfV1(masked: Uint8Array): string {
  const plain = masked.map((b) => b ^ XOR_BYTE);
  const end = plain.indexOf(0);
  if (end < 0) throw badInput('the stash file is damaged: it holds no password');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(plain.subarray(0, end));
  } catch (cause) {
    throw badInput('the stash file is damaged: its password is not UTF-8', cause);
  }
}

/** The password a stash file holds: version 1 (129 bytes) or version 8 (193 bytes). */
export function readStash(provider: CryptoProvider, bytes: Uint8Array): string {
  if (bytes.length === V1_SIZE) return passwordOfV1(bytes);
  if (bytes.length !== V8_SIZE) {
    throw badInput(`not a stash file: a stash file is ${V1_SIZE} or ${V8_SIZE} bytes, this one is ${bytes.length}`);
  }
  const a = bytes.subarray(0, A_SIZE);
  const b = bytes.subarray(A_SIZE, A_SIZE + B_SIZE);
  const expected = checkValue(provider, a);
  if (!equalBytes(expected, b)) throw badInput('not a stash file, or a damaged one: its check value does not match');
  const ks = keystream(provider, a, b);
  return passwordOfV1(bytes.subarray(A_SIZE + B_SIZE).map((x, i) => x ^ ks[i]));
}

/**
 * A version 8 stash of `password`, with random A and random padding (as current GSKit writes;
 * older GSKit, which reads only version 1, cannot read it).
 */
export function writeStash(provider: CryptoProvider, password: string): Uint8Array {
  const pw = new TextEncoder().encode(password);
  if (pw.includes(0)) throw usage('a password with a NUL character cannot be stashed');
  if (pw.length > V1_SIZE - 1) throw usage(`a stash file holds a password of up to ${V1_SIZE - 1} bytes; this one has ${pw.length}`);
  const v1 = new Uint8Array(provider.random(V1_SIZE));
  v1.set(pw, 0);
  v1[pw.length] = 0;
  for (let i = 0; i < V1_SIZE; i++) v1[i] ^= XOR_BYTE;

  const a = provider.random(A_SIZE);
  const b = checkValue(provider, a);
  const ks = keystream(provider, a, b);
  const out = new Uint8Array(V8_SIZE);
  out.set(a, 0);
  out.set(b, A_SIZE);
  for (let i = 0; i < V1_SIZE; i++) out[A_SIZE + B_SIZE + i] = v1[i] ^ ks[i];
  return out;
}

/** The stash beside a database: the last extension replaced by `.sth` (x.kdb, x.p12 → x.sth). */
export function stashPathFor(databasePath: string): string {
  const slash = Math.max(databasePath.lastIndexOf('/'), databasePath.lastIndexOf('\\'));
  const dot = databasePath.lastIndexOf('.');
  // A dot that starts the file name (".kdb") is not an extension.
  const base = dot > slash + 1 ? databasePath.slice(0, dot) : databasePath;
  return `${base}.sth`;
}

/**
 * Writes the stash file beside a database (atomically) and returns its path. A new stash is 0600;
 * one that is there keeps its owner, group and mode, so the service account that reads it still can.
 */
export async function writeStashFile(databaseFile: string, password: string, provider: CryptoProvider = softwareProvider()): Promise<string> {
  const stashFile = stashPathFor(databaseFile);
  await writeFileAtomic(stashFile, writeStash(provider, password), 0o600);
  return stashFile;
}

/**
 * Reads the stash beside a database as it is, if there is one. An unattended open wants
 * stashedPassword (password-change.ts), which first finishes a password change a crash interrupted.
 */
export async function readStashFor(databaseFile: string, provider: CryptoProvider = softwareProvider()): Promise<{ path: string; password: string } | undefined> {
  const stashFile = stashPathFor(databaseFile);
  if (!(await fileExists(stashFile))) return undefined;
  return { path: stashFile, password: readStash(provider, await readFileOrFail(stashFile, 'stash file')) };
}

export async function readStashFile(stashFile: string, provider: CryptoProvider = softwareProvider()): Promise<string> {
  return readStash(provider, await readFileOrFail(stashFile, 'stash file'));
}
