// Moving certificates and keys in and out of key databases: PEM, DER, PKCS #7 and PKCS #12.

import * as path from 'node:path';
import { sameBytes } from '../bytes.js';
import type { CryptoProvider, PrivateKeyHandle } from '../crypto/provider.js';
import { softwareProvider } from '../crypto/software.js';
import { badInput, conflict, usage } from '../errors.js';
import { OID } from '../der/oids.js';
import { readCertificate, summarizeCertificate, publicKeyMatches } from '../pki/certificate/index.js';
import { readCertificateFile } from '../pki/certificate-file.js';
import { orderChain } from '../pki/chain.js';
import { encodePem } from '../pki/pem.js';
import { decryptPrivateKeyInfo, encryptPrivateKeyInfo } from '../pki/pbe.js';
import { writePkcs7 } from '../pki/pkcs7.js';
import { isPkcs12, readPkcs12, writePkcs12, type Pkcs12Bag } from '../pki/pkcs12.js';
import { javaKeyStoreImport } from './jks/jks-backend.js';
import { javaKeyStoreFormat } from './jks/keystore-file.js';
import { encryptedPrivateKeyPem, readPrivateKeyFile, EXPORT_KEY_PROTECTION } from '../pki/private-key.js';
import { labelFor } from './labels.js';
import type { KeyStore, KeyStoreEntry } from './types.js';

export interface ImportResult {
  added: KeyStoreEntry[];
  /** Certificates in the file that the database already held (by content), with their labels. */
  skipped: { label: string; subject: string }[];
}

export interface ImportCertificatesOptions {
  /** Label for the first certificate; the rest are named from their subjects. */
  label?: string;
  trusted?: boolean;
  /** Of several certificates, trust only CA and self-signed ones, so a leaf that came with its chain does not anchor itself. */
  anchorsOnly?: boolean;
}

/** Adds every certificate of a PEM, DER or PKCS #7 file; ones already present are skipped and reported. */
export async function importCertificates(store: KeyStore, bytes: Uint8Array, options: ImportCertificatesOptions = {}): Promise<ImportResult> {
  return addCertificates(store, readCertificateFile(bytes), options);
}

/** A certificate that may anchor a chain: a CA or a self-signed one. */
function mayAnchor(der: Uint8Array): boolean {
  const info = readCertificate(softwareProvider(), der);
  return info.isCA || info.selfSigned;
}

async function addCertificates(store: KeyStore, certificates: readonly Uint8Array[], options: ImportCertificatesOptions): Promise<ImportResult> {
  const result: ImportResult = { added: [], skipped: [] };
  for (const [i, der] of certificates.entries()) {
    const existing = store.entries().find((e) => sameBytes(e.certificate, der));
    if (existing) {
      if (certificates.length === 1) throw conflict(`this certificate is already in ${path.basename(store.path)} as "${existing.label}"`);
      result.skipped.push({ label: existing.label, subject: summarizeCertificate(der).subject });
      continue;
    }
    const label = i === 0 && options.label ? options.label : labelFor(der, (l) => store.has(l));
    const trusted = options.trusted === false ? false : !options.anchorsOnly || certificates.length === 1 || mayAnchor(der);
    result.added.push(await store.addCertificate(label, der, { trusted }));
  }
  return result;
}

export interface ImportKeyPairOptions {
  /** The key file (PEM or DER PKCS #8) when the certificate file holds no key. */
  keyFile?: Uint8Array;
  keyFileName?: string;
  /** Password of the PKCS #12 file or of an encrypted key file. */
  importPassword?: string;
  label?: string;
  isDefault?: boolean;
  /** A Java keystore's key password, when its key has one of its own (default: --import-pass). */
  keyPassword?: string;
  /** The imported file's name, for messages. */
  fileName?: string;
  /** Told of entries a Java keystore holds that are left out (secret keys). */
  onNotice?: (message: string) => void;
  /** Add the other certificates (the chain) of a PKCS #12 file or Java keystore too: the root trusted, intermediates not. */
  withChain?: boolean;
  provider?: CryptoProvider;
}

/**
 * Imports a certificate and its private key: from a PKCS #12 file (its first key entry), or
 * from a certificate file plus a PKCS #8 key file.
 */
export async function importKeyPair(store: KeyStore, bytes: Uint8Array, options: ImportKeyPairOptions = {}): Promise<ImportResult> {
  const provider = options.provider ?? softwareProvider();
  let certificate: Uint8Array;
  let pkcs8: Uint8Array;
  let handle: PrivateKeyHandle;
  let friendlyName: string | undefined;
  let others: Uint8Array[] = [];
  if (javaKeyStoreFormat(bytes) && !options.keyFile) {
    if (options.importPassword === undefined) throw usage('give the Java keystore\'s store password with --import-pass');
    const found = javaKeyStoreImport(provider, bytes, options.importPassword, { keyPassword: options.keyPassword, onNotice: options.onNotice }, options.fileName ?? 'the Java keystore');
    if ('certificates' in found) return addCertificates(store, found.certificates.map((c) => c.certificate), { label: options.label ?? found.certificates[0]?.alias, trusted: true });
    ({ certificate, pkcs8, others } = found.key);
    handle = provider.importPrivateKey(pkcs8);
    friendlyName = found.key.alias;
  } else if (isPkcs12(bytes) && !options.keyFile) {
    if (options.importPassword === undefined) throw usage('give the PKCS #12 file\'s password with --import-pass');
    const p12 = readPkcs12(provider, bytes, options.importPassword);
    const key = p12.bags.find((b) => b.type === 'key');
    const certs = p12.bags.filter((b) => b.type === 'certificate');
    // A PKCS #12 of certificates alone (keytool's trusted entries): import them as CA certificates.
    if (!key) return addCertificates(store, certs.map((c) => c.data), { label: options.label ?? certs[0]?.friendlyName, trusted: true });
    pkcs8 = key.encrypted ? decryptPrivateKeyInfo(provider, key.data, options.importPassword) : key.data;
    handle = provider.importPrivateKey(pkcs8);
    const mine = certs.find((c) => publicKeyMatches(c.data, handle.spki));
    if (!mine) throw badInput('the PKCS #12 file holds no certificate for its private key');
    certificate = mine.data;
    friendlyName = key.friendlyName ?? mine.friendlyName;
    others = certs.filter((c) => c !== mine).map((c) => c.data);
  } else {
    if (!options.keyFile) throw usage('a certificate file needs its private key: give --key-file, or import a PKCS #12 file');
    const certs = readCertificateFile(bytes);
    pkcs8 = readPrivateKeyFile(provider, options.keyFile, options.importPassword, options.keyFileName);
    handle = provider.importPrivateKey(pkcs8);
    const mine = certs.find((c) => publicKeyMatches(c, handle.spki));
    if (!mine) throw badInput(`the private key in ${options.keyFileName ?? 'the key file'} does not belong to any certificate in the file`);
    certificate = mine;
    others = certs.filter((c) => c !== mine);
  }
  const label = options.label ?? (friendlyName && !store.has(friendlyName) ? friendlyName : labelFor(certificate, (l) => store.has(l)));
  const result: ImportResult = { added: [await store.addKeyPair(label, certificate, handle, { isDefault: options.isDefault })], skipped: [] };
  if (options.withChain) {
    for (const der of orderChain(provider, certificate, others).slice(1)) {
      const existing = store.entries().find((e) => sameBytes(e.certificate, der));
      if (existing) result.skipped.push({ label: existing.label, subject: summarizeCertificate(der).subject });
      // The root trusted, intermediates not, as `req receive --add-chain` and `pki apply` add a chain.
      else result.added.push(await store.addCertificate(labelFor(der, (l) => store.has(l)), der, { trusted: readCertificate(provider, der).selfSigned }));
    }
  }
  return result;
}

export type ExportFormat = 'pem' | 'der' | 'pkcs7' | 'pkcs7-pem' | 'pkcs12';

export interface ExportOptions {
  format: ExportFormat;
  /** PEM: add the private key (encrypted under exportPassword). PKCS #12 always carries the key when there is one. */
  withKey?: boolean;
  /** Add the issuers found in the database, leaf first. */
  chain?: boolean;
  exportPassword?: string;
  /** PKCS #12 with 3DES/RC2, for old readers. */
  legacy?: boolean;
  /** PEM: write the key as a plain PKCS #8 block, for servers that cannot take a password (nginx, HAProxy); asked for by name only. */
  plainKey?: boolean;
  provider?: CryptoProvider;
}

export interface ExportResult {
  bytes: Uint8Array;
  certificates: number;
  withKey: boolean;
}

/** The bytes of an entry exported in the asked format; nothing is written by this function. */
export async function exportEntry(store: KeyStore, label: string, options: ExportOptions): Promise<ExportResult> {
  const provider = options.provider ?? softwareProvider();
  const entry = store.entry(label);
  const chain = options.chain
    ? orderChain(
        provider,
        entry.certificate,
        store.entries().map((e) => e.certificate),
      )
    : [entry.certificate];
  const wantsKey = options.format === 'pkcs12' ? entry.hasPrivateKey : options.withKey === true;
  if (wantsKey && !entry.hasPrivateKey) throw usage(`"${label}" has no private key to export`);
  if (options.withKey && (options.format === 'der' || options.format === 'pkcs7' || options.format === 'pkcs7-pem')) {
    throw usage(`the ${options.format} format holds certificates only: export the key with --format pem or pkcs12`);
  }
  if (options.plainKey && options.format !== 'pem') throw usage('only PEM carries a plain key: use --format pem');
  if (wantsKey && !options.exportPassword && !(options.plainKey && options.format === 'pem')) throw usage('a private key is never written in the clear unless asked for by name: give --export-pass (or --no-encrypt-key for PEM)');
  if (options.format === 'der' && chain.length > 1) throw usage('DER holds one certificate: use --format pkcs7 or pem for a chain');
  let pkcs8: Uint8Array | undefined;
  if (wantsKey) {
    const key = await store.privateKey(label);
    if (!key.extractable) {
      throw usage(`the private key of "${label}" is on a token and never leaves it: export the certificate alone (${options.format === 'pkcs12' ? '--format pem or der' : 'without --with-key'})`);
    }
    pkcs8 = provider.exportPrivateKey(key);
  }
  switch (options.format) {
    case 'der':
      return { bytes: entry.certificate, certificates: 1, withKey: false };
    case 'pem': {
      let text = chain.map((c) => encodePem('CERTIFICATE', c)).join('');
      if (pkcs8) text += options.plainKey ? encodePem('PRIVATE KEY', pkcs8) : encryptedPrivateKeyPem(provider, pkcs8, options.exportPassword!);
      return { bytes: new TextEncoder().encode(text), certificates: chain.length, withKey: !!pkcs8 };
    }
    case 'pkcs7':
      return { bytes: writePkcs7(chain), certificates: chain.length, withKey: false };
    case 'pkcs7-pem':
      // openssl crl2pkcs7 and pkcs7 -print_certs read and write this armour.
      return { bytes: new TextEncoder().encode(encodePem('PKCS7', writePkcs7(chain))), certificates: chain.length, withKey: false };
    case 'pkcs12': {
      const password = options.exportPassword;
      if (!password) throw usage('a PKCS #12 file needs a password: give --export-pass');
      const bags: Pkcs12Bag[] = [];
      const localKeyId = provider.hash('SHA-1', entry.certificate);
      if (pkcs8) {
        const protection = options.legacy ? ({ scheme: 'pkcs12-3des', iterations: 2048, saltLength: 8 } as const) : { ...EXPORT_KEY_PROTECTION, iterations: 2048 };
        bags.push({ type: 'key', encrypted: true, data: encryptPrivateKeyInfo(provider, pkcs8, password, protection), friendlyName: label, localKeyId });
      }
      // A certificate alone carries keytool's trusted-usage attribute, so Java sees a trustedCertEntry.
      bags.push({ type: 'certificate', data: entry.certificate, friendlyName: label, localKeyId: pkcs8 ? localKeyId : undefined, trustedUsage: pkcs8 ? undefined : [OID.anyExtendedKeyUsage] });
      for (const c of chain.slice(1)) bags.push({ type: 'certificate', data: c });
      return { bytes: writePkcs12(provider, bags, password, { legacy: options.legacy }), certificates: chain.length, withKey: !!pkcs8 };
    }
    default:
      throw usage(`unknown export format "${options.format as string}": use pem, der, pkcs7 or pkcs12`);
  }
}

export interface CopyEntryOptions {
  /** The label in the target; default the same label. */
  label?: string;
  /** Copy the certificate alone, without its key. */
  certificateOnly?: boolean;
  /** Make the copy the target's default key. */
  isDefault?: boolean;
}

/**
 * gskkyman's "copy certificate and key to another database or token". A private key copies from
 * a file to a file or onto a token, where it becomes sensitive and unextractable; it never copies
 * out of a token, so an entry there copies as its certificate alone, and only when asked.
 */
export async function copyEntry(source: KeyStore, label: string, target: KeyStore, options: CopyEntryOptions = {}): Promise<KeyStoreEntry> {
  const where = (s: KeyStore) => (s.type === 'pkcs11' ? s.path : path.resolve(s.path));
  if (where(source) === where(target)) throw usage('the target is the same key store as the source: use "kyman cert rename" to change a label');
  const entry = source.entry(label);
  const newLabel = options.label ?? label;
  const key = entry.hasPrivateKey && !options.certificateOnly ? await source.privateKey(label) : undefined;
  if (key && !key.extractable) {
    throw usage(`the private key of "${label}" is on ${source.path} and never leaves it: give --cert-only to copy the certificate alone`);
  }
  if (target.has(newLabel)) throw conflict(`label "${newLabel}" already exists in ${target.path}: give another with --label`);
  if (key) return target.addKeyPair(newLabel, entry.certificate, key, { isDefault: options.isDefault });
  if (options.isDefault) throw usage('only an entry with its private key can be the default key');
  // A certificate alone on a token is a trust anchor by nature; in a file it keeps its trust status.
  return target.addCertificate(newLabel, entry.certificate, target.type === 'pkcs11' ? {} : { trusted: entry.trusted });
}
