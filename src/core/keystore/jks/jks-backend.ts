// Java keystores (JKS, JCEKS) as a read-only KeyStore backend: labels are the aliases.
//
// What a key database keeps, read from what Java keeps:
// - a trusted-certificate entry is a trusted certificate entry;
// - a private-key entry is a key entry (not trusted, as in PKCS #12) holding the first certificate
//   of its chain; the rest of the chain become certificate entries labelled from their subjects
//   (unless the file already holds them), the self-signed root trusted and intermediates not, as
//   `req receive --add-chain` and `pki apply` add a chain;
// - the first key entry is the default key, as for PKCS #12;
// - secret keys and non-X.509 certificates are skipped, each with a notice.
// Keys stay as Java protected them until asked for, so listing needs only the store password; a
// key opens with the key password when one is given, else (and failing that) the store password,
// as keytool's -srckeypass defaults. kyman does not write these formats: a change is refused, and
// `kyman db convert` makes a PKCS #12 file (which keytool reads) or a CMS one.

import { sameBytes } from '../../bytes.js';
import type { CryptoProvider } from '../../crypto/provider.js';
import { badPassword, usage } from '../../errors.js';
import { readCertificate } from '../../pki/certificate/index.js';
import type { DecodeOptions, FileBackend, StoredEntry, StoreImage } from '../backend.js';
import { labelFor } from '../labels.js';
import { readJavaKeyStore, type JavaKeyStoreEntry, type JavaKeyStoreFormat } from './keystore-file.js';
import { readProtectedKey, recoverPrivateKey } from './protected-key.js';

export interface JavaKeyStoreMeta {
  format: JavaKeyStoreFormat;
  version: 1 | 2;
}

/** What a Java keystore's key entry carries until its key is asked for. */
interface JavaKeyCarry {
  alias: string;
}

export const FORMAT_NAME: Readonly<Record<JavaKeyStoreFormat, string>> = { jks: 'JKS', jceks: 'JCEKS' };

/** Why a change to a Java keystore is refused, and what to do instead. */
export function readOnlyReason(name: string, format: JavaKeyStoreFormat): string {
  return `${name} is a Java keystore (${FORMAT_NAME[format]}), which kyman reads but does not write: convert it first with "kyman db convert ${name} ${name.replace(/\.[^.]*$/, '')}.p12" (keytool reads PKCS #12 too)`;
}

/** A private-key entry as a key store entry: its key left as Java protected it, until asked for. */
function keyEntryOf(e: Extract<JavaKeyStoreEntry, { kind: 'private-key' }>): StoredEntry {
  return { label: e.alias, kind: 'key-pair', certificate: e.chain[0], encryptedKey: e.protectedKey, trusted: false, isDefault: false, carry: { alias: e.alias } satisfies JavaKeyCarry };
}

const skippedNotice = (name: string, e: { alias: string; reason: string }) => `${name}: entry "${e.alias}" is skipped: ${e.reason}`;

/** The key store entries of a Java keystore's contents, in file order, chain certificates after their key. */
export function entriesOf(provider: CryptoProvider, bytes: Uint8Array, password: string, name: string, onNotice?: (message: string) => void): StoreImage<JavaKeyStoreMeta> {
  const store = readJavaKeyStore(provider, bytes, password, name);
  const aliases = new Set(store.entries.map((e) => e.alias));
  const entries: StoredEntry[] = [];
  const holds = (der: Uint8Array) => entries.some((e) => e.certificate && sameBytes(e.certificate, der));
  const taken = (label: string) => aliases.has(label) || entries.some((e) => e.label === label);
  // Certificates that have an entry of their own are not repeated for a chain that holds them too.
  const own = store.entries.flatMap((e) => (e.kind === 'trusted-certificate' ? [e.certificate] : e.kind === 'private-key' ? [e.chain[0]] : []));
  for (const e of store.entries) {
    if (e.kind === 'skipped') {
      onNotice?.(skippedNotice(name, e));
      entries.push({ label: e.alias, kind: 'other', trusted: false, isDefault: false });
    } else if (e.kind === 'trusted-certificate') {
      entries.push({ label: e.alias, kind: 'certificate', certificate: e.certificate, trusted: true, isDefault: false });
    } else {
      entries.push(keyEntryOf(e));
      for (const der of e.chain.slice(1)) {
        if (holds(der) || own.some((c) => sameBytes(c, der))) continue;
        entries.push({ label: labelFor(der, taken), kind: 'certificate', certificate: der, trusted: readCertificate(provider, der).selfSigned, isDefault: false });
      }
    }
  }
  const firstKey = entries.find((e) => e.kind === 'key-pair');
  if (firstKey) firstKey.isDefault = true;
  return { entries, meta: { format: store.format, version: store.version } };
}

/**
 * The PKCS #8 key of a Java keystore's key entry: with the key password when given, else (or when
 * it does not open it) the store password. BAD_PASSWORD naming --jks-key-pass when neither opens it:
 * the store digest already proved the file whole, so only the password can be wrong.
 */
export function recoverEntryKey(provider: CryptoProvider, entry: StoredEntry, password: string, options: DecodeOptions, name: string): Uint8Array {
  const alias = (entry.carry as JavaKeyCarry | undefined)?.alias ?? entry.label;
  const key = readProtectedKey(entry.encryptedKey!, `the key of "${alias}" in ${name}`);
  const candidates = options.keyPassword !== undefined && options.keyPassword !== password ? [options.keyPassword, password] : [password];
  for (const candidate of candidates) {
    const pkcs8 = recoverPrivateKey(provider, key, candidate);
    if (pkcs8) return pkcs8;
  }
  throw badPassword(
    options.keyPassword === undefined
      ? `the private key "${alias}" in ${name} has a password of its own: give it with --jks-key-pass`
      : `wrong key password for "${alias}" in ${name}: neither --jks-key-pass nor the store password opens it`,
  );
}

/**
 * What `cert import` takes from a Java keystore, as from a PKCS #12 file: its first key entry (the
 * key recovered as recoverEntryKey does, the rest of its chain as `others`), or, from a keystore
 * of trusted certificates alone, those certificates.
 */
export function javaKeyStoreImport(
  provider: CryptoProvider,
  bytes: Uint8Array,
  password: string,
  options: DecodeOptions,
  name: string,
): { key: { alias: string; certificate: Uint8Array; pkcs8: Uint8Array; others: Uint8Array[] } } | { certificates: { alias: string; certificate: Uint8Array }[] } {
  const store = readJavaKeyStore(provider, bytes, password, name);
  for (const e of store.entries) if (e.kind === 'skipped') options.onNotice?.(skippedNotice(name, e));
  const first = store.entries.find((e) => e.kind === 'private-key');
  if (!first) return { certificates: store.entries.flatMap((e) => (e.kind === 'trusted-certificate' ? [{ alias: e.alias, certificate: e.certificate }] : [])) };
  return { key: { alias: first.alias, certificate: first.chain[0], pkcs8: recoverEntryKey(provider, keyEntryOf(first), password, options, name), others: first.chain.slice(1) } };
}

function javaKeyStoreBackend(format: JavaKeyStoreFormat): FileBackend<JavaKeyStoreMeta> {
  const refuse = (name: string): never => {
    throw usage(readOnlyReason(name, format));
  };
  return {
    type: format,
    readOnly: (name) => readOnlyReason(name, format),
    decode: (provider, bytes, password, name, options) => entriesOf(provider, bytes, password, name, options?.onNotice),
    decryptKey: recoverEntryKey,
    encode: (_provider, _image, _password, name) => refuse(name),
    keyProtection: () => refuse('the Java keystore'),
    describe: (meta) => ({ version: meta.version }),
  };
}

export const jksBackend = javaKeyStoreBackend('jks');
export const jceksBackend = javaKeyStoreBackend('jceks');
