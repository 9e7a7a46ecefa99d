// The JKS and JCEKS containers: entries read from the file, and the integrity digest over it checked.
//
// sun.security.provider.JavaKeyStore and com.sun.crypto.provider.JceKeyStore write, with
// DataOutputStream: magic (0xFEEDFEED JKS, 0xCECECECE JCEKS), version (1, or 2 where each
// certificate is preceded by its type, "X.509"), the entry count, then each entry: a tag (1 private
// key, 2 trusted certificate, 3 JCEKS secret key), its alias (writeUTF) and its creation time (ms);
// a private key as the length and bytes of its protected key and its certificate chain (count,
// then each certificate's length and DER); a trusted certificate as one certificate; a secret key
// as a Java serialized SealedObject. The file ends with SHA-1(password as UTF-16BE ‖ "Mighty
// Aphrodite" ‖ everything before), which is what the store password verifies.

import { equalBytes, utf16beBytes } from '../../bytes.js';
import type { CryptoProvider } from '../../crypto/provider.js';
import { tryReadTlv } from '../../der/reader.js';
import { TAG } from '../../der/writer.js';
import { badInput, badPassword } from '../../errors.js';
import { DataInput } from './data-input.js';
import { skipSerializedObject } from './object-stream.js';
import { readProtectedKey, recoverPrivateKey } from './protected-key.js';

export type JavaKeyStoreFormat = 'jks' | 'jceks';

const MAGIC: Readonly<Record<JavaKeyStoreFormat, number>> = { jks: 0xfeedfeed, jceks: 0xcececece };
const TAG_PRIVATE_KEY = 1;
const TAG_TRUSTED_CERTIFICATE = 2;
const TAG_SECRET_KEY = 3;
/** The salt Java's keystores put after the password in the integrity digest. */
const DIGEST_WHITENER = new TextEncoder().encode('Mighty Aphrodite');
const DIGEST_LENGTH = 20;
/** Each entry takes at least an alias length, a tag and a date; a count beyond what the file can hold is damage. */
const MIN_ENTRY_BYTES = 14;
/** Java's own limit on a chain is the int; a real chain is a handful, and a hostile count must not loop long. */
const MAX_CHAIN_LENGTH = 64;

export type JavaKeyStoreEntry =
  | { kind: 'private-key'; alias: string; created: Date; protectedKey: Uint8Array; chain: Uint8Array[] }
  | { kind: 'trusted-certificate'; alias: string; created: Date; certificate: Uint8Array }
  /** Entries kyman does not model (JCEKS secret keys, certificates of a type other than X.509), with why. */
  | { kind: 'skipped'; alias: string; created: Date; reason: string };

export interface JavaKeyStore {
  format: JavaKeyStoreFormat;
  version: 1 | 2;
  entries: JavaKeyStoreEntry[];
}

/** The container a file's first four bytes name, if it is a Java keystore. */
export function javaKeyStoreFormat(bytes: Uint8Array): JavaKeyStoreFormat | undefined {
  if (bytes.length < 8) return undefined;
  const magic = ((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0;
  const version = ((bytes[4] << 24) | (bytes[5] << 16) | (bytes[6] << 8) | bytes[7]) >>> 0;
  if (version !== 1 && version !== 2) return undefined;
  return magic === MAGIC.jks ? 'jks' : magic === MAGIC.jceks ? 'jceks' : undefined;
}

export const isJavaKeyStore = (bytes: Uint8Array): boolean => javaKeyStoreFormat(bytes) !== undefined;

/** What the header says, without a password or a walk through the entries. */
export function peekJavaKeyStore(bytes: Uint8Array): { format: JavaKeyStoreFormat; version: 1 | 2; entryCount?: number } | undefined {
  const format = javaKeyStoreFormat(bytes);
  if (!format) return undefined;
  const input = new DataInput(bytes, 'the keystore', 4);
  const version = input.i32() as 1 | 2;
  const count = input.remaining >= 4 ? input.i32() : -1;
  return { format, version, entryCount: count >= 0 ? count : undefined };
}

/** The SHA-1 integrity digest a keystore with this body and password ends with. */
export function keyStoreDigest(provider: CryptoProvider, body: Uint8Array, password: string): Uint8Array {
  const passwordBytes = utf16beBytes(password);
  const input = new Uint8Array(passwordBytes.length + DIGEST_WHITENER.length + body.length);
  input.set(passwordBytes);
  input.set(DIGEST_WHITENER, passwordBytes.length);
  input.set(body, passwordBytes.length + DIGEST_WHITENER.length);
  return provider.hash('SHA-1', input);
}

/**
 * Reads a JKS or JCEKS file and checks its digest with `password`. BAD_INPUT when the structure is
 * damaged; BAD_PASSWORD when the digest does not match, unless a private key opens with the same
 * password, which proves the password right and the file changed (BAD_INPUT).
 */
export function readJavaKeyStore(provider: CryptoProvider, bytes: Uint8Array, password: string, name: string): JavaKeyStore {
  const store = parseJavaKeyStore(bytes, name);
  const body = bytes.subarray(0, bytes.length - DIGEST_LENGTH);
  if (!equalBytes(keyStoreDigest(provider, body, password), bytes.subarray(bytes.length - DIGEST_LENGTH))) {
    // The digest cannot tell a wrong password from a changed file; a key that opens can (one is enough, and costs one key's PBE).
    const key = store.entries.find((e) => e.kind === 'private-key');
    if (key && recoverPrivateKey(provider, readProtectedKey(key.protectedKey, `the key "${key.alias}" in ${name}`), password)) {
      throw badInput(`${name} is damaged: its integrity digest does not match, though the password opens its key "${key.alias}"`);
    }
    throw badPassword(`wrong password for ${name} (or the file was changed: its integrity digest does not match)`);
  }
  return store;
}

/** The entries of a JKS or JCEKS file, structure checked, digest not: what can be said without a password. */
export function parseJavaKeyStore(bytes: Uint8Array, name: string): JavaKeyStore {
  const format = javaKeyStoreFormat(bytes);
  if (!format) throw badInput(`${name} is not a Java keystore (JKS or JCEKS)`);
  if (bytes.length < 12 + DIGEST_LENGTH) throw badInput(`${name} is cut short: a Java keystore holds at least its header and digest`);
  const input = new DataInput(bytes.subarray(0, bytes.length - DIGEST_LENGTH), name, 4);
  const version = input.i32('the version') as 1 | 2;
  const count = input.i32('the entry count');
  if (count < 0 || count > input.remaining / MIN_ENTRY_BYTES) throw badInput(`${name} is damaged: it says it holds ${count} entries`);
  const entries: JavaKeyStoreEntry[] = [];
  const aliases = new Set<string>();
  for (let i = 0; i < count; i++) {
    const tag = input.i32(`the tag of entry ${i + 1}`);
    const alias = input.utf(`the alias of entry ${i + 1}`);
    if (aliases.has(alias)) throw badInput(`${name} is damaged: the alias "${alias}" appears twice`);
    aliases.add(alias);
    const created = toDate(input.i64(`the date of "${alias}"`));
    const what = `"${alias}" in ${name}`;
    if (tag === TAG_PRIVATE_KEY) {
      const protectedKey = input.take(lengthOf(input, `the key of ${what}`), `the key of ${what}`);
      readProtectedKey(protectedKey, `the key of ${what}`);
      const chainLength = input.i32(`the chain length of ${what}`);
      if (chainLength < 0 || chainLength > MAX_CHAIN_LENGTH) throw badInput(`${name} is damaged: "${alias}" says its chain holds ${chainLength} certificates`);
      const chain: Uint8Array[] = [];
      let foreign: string | undefined;
      for (let c = 0; c < chainLength; c++) {
        const cert = readCertificate(input, version, `certificate ${c + 1} of ${what}`);
        if (cert.type !== 'X.509') foreign ??= cert.type;
        chain.push(cert.der);
      }
      if (foreign) entries.push({ kind: 'skipped', alias, created, reason: `its chain holds ${foreign} certificates, not X.509` });
      else if (chain.length === 0) entries.push({ kind: 'skipped', alias, created, reason: 'its private key comes without a certificate' });
      else entries.push({ kind: 'private-key', alias, created, protectedKey, chain });
    } else if (tag === TAG_TRUSTED_CERTIFICATE) {
      const cert = readCertificate(input, version, `the certificate of ${what}`);
      if (cert.type !== 'X.509') entries.push({ kind: 'skipped', alias, created, reason: `its certificate is of type ${cert.type}, not X.509` });
      else entries.push({ kind: 'trusted-certificate', alias, created, certificate: cert.der });
    } else if (tag === TAG_SECRET_KEY && format === 'jceks') {
      skipSerializedObject(input, `the secret key ${what}`);
      entries.push({ kind: 'skipped', alias, created, reason: 'it is a secret key, which a key database does not hold' });
    } else {
      throw badInput(`${name} is damaged: entry "${alias}" has the unknown tag ${tag}`);
    }
  }
  if (input.remaining !== 0) throw badInput(`${name} is damaged: ${input.remaining} bytes follow its last entry`);
  return { format, version, entries };
}

function lengthOf(input: DataInput, what: string): number {
  const length = input.i32(`the length of ${what}`);
  if (length < 0) throw badInput(`${what} has a negative length`);
  return length;
}

function readCertificate(input: DataInput, version: 1 | 2, what: string): { type: string; der: Uint8Array } {
  const type = version === 2 ? input.utf(`the type of ${what}`) : 'X.509';
  const der = input.take(lengthOf(input, what), what);
  if (type === 'X.509') {
    const outer = tryReadTlv(der, 0, der.length, TAG.SEQUENCE);
    if (!outer || outer.end !== der.length) throw badInput(`${what} is damaged: it is not a DER certificate`);
  }
  return { type, der };
}

function toDate(ms: bigint): Date {
  const n = Number(ms);
  return Number.isSafeInteger(n) ? new Date(n) : new Date(Number.NaN);
}
