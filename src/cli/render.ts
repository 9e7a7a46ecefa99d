// How certificates and entries look to a person: openssl-x509-like text and list rows.

import type { TokenDetails, TokenObject } from '../core/crypto/pkcs11-tokens.js';
import { describeKey } from '../core/crypto/provider.js';
import type { ImportResult } from '../core/keystore/transfer.js';
import type { KeyStoreEntry } from '../core/keystore/types.js';
import { summarizeCertificate } from '../core/pki/certificate/read.js';
import type { CertificateInfo } from '../core/pki/certificate/types.js';
import { dateText, dayText, fields, out, table } from './output.js';

export function keyText(info: CertificateInfo): string {
  const k = info.publicKey;
  return k.type === 'other' ? k.algorithmOid : describeKey({ type: k.type, curve: k.curve, bits: k.bits, parameterSet: k.parameterSet });
}

/** Expired, not yet valid, or days left, for a person's eye. */
export function validityNote(info: { notBefore?: Date; notAfter: Date }, now = new Date()): string {
  if (info.notAfter.getTime() < now.getTime()) return out.red('expired');
  if (info.notBefore && info.notBefore.getTime() > now.getTime()) return out.yellow('not yet valid');
  const days = Math.floor((info.notAfter.getTime() - now.getTime()) / 86_400_000);
  return days < 30 ? out.yellow(`${days} days left`) : `${days} days left`;
}

/** What `openssl x509 -text` tells a person, in kyman's layout. */
export function certificateText(info: CertificateInfo, extra: ReadonlyArray<readonly [string, string | undefined]> = []): string {
  const lines: Array<readonly [string, string | undefined]> = [
    ...extra,
    ['Subject', info.subject || '(empty)'],
    ['Issuer', info.issuer || '(empty)'],
    ['Serial number', info.serialNumber],
    ['Version', String(info.version)],
    ['Not before', dateText(info.notBefore)],
    ['Not after', `${dateText(info.notAfter)}  (${validityNote(info)})`],
    ['Public key', keyText(info)],
    ['Signature', info.signatureAlgorithm],
    ['Self-signed', info.selfSigned ? 'yes' : 'no'],
  ];
  for (const ext of info.extensions) lines.push([`${ext.name}${ext.critical ? ' (critical)' : ''}`, ext.value]);
  lines.push(['SHA-1 fingerprint', info.fingerprints.sha1], ['SHA-256 fingerprint', info.fingerprints.sha256]);
  return fields(lines);
}

/** A certificate as JSON: everything readCertificate knows, bytes as base64 PEM-free DER. */
export function certificateJson(info: CertificateInfo) {
  const { der, publicKey, ...rest } = info;
  const { spki: _spki, ...key } = publicKey;
  return { ...rest, publicKey: key, der: Buffer.from(der).toString('base64') };
}

// What the commands print after they act, shared with the interactive menu so both say the same.

export interface EntryRow {
  label: string;
  kind: 'key' | 'certificate';
  keyType: string;
  subject: string;
  notBefore: Date;
  notAfter: Date;
  /** Whole days until notAfter; negative once expired. */
  daysLeft: number;
  trusted: boolean;
  isDefault: boolean;
}

/** Below this many days left, the status is shown in yellow (gskkyman and most monitors warn at a month). */
export const EXPIRY_WARNING_DAYS = 30;
const DAY_MS = 86_400_000;

/** Whole days from `now` until `notAfter`, negative once it has passed. */
export const daysLeft = (notAfter: Date, now = Date.now()) => Math.floor((notAfter.getTime() - now) / DAY_MS);

/** `expired`, `not yet valid` or `expires in 12 d`: words, so the status reads without colour. */
export function expiryStatus(r: { notBefore: Date; notAfter: Date }, now = Date.now()): string {
  if (r.notAfter.getTime() < now) return 'expired';
  if (r.notBefore.getTime() > now) return 'not yet valid';
  return `expires in ${daysLeft(r.notAfter, now)} d`;
}

/** The rows `cert list` shows, one per entry. */
export function entryRows(entries: readonly KeyStoreEntry[], now = Date.now()): EntryRow[] {
  return entries.map((e) => {
    const s = summarizeCertificate(e.certificate);
    return { label: e.label, kind: e.hasPrivateKey ? 'key' : 'certificate', keyType: s.keyType, subject: s.subject, notBefore: s.notBefore, notAfter: s.notAfter, daysLeft: daysLeft(s.notAfter, now), trusted: e.trusted, isDefault: e.isDefault };
  });
}

/** `cert list`'s table, or the line saying there is nothing to list. */
export function entryListText(file: string, rows: readonly EntryRow[], now = Date.now()): string {
  if (rows.length === 0) return `${file} has no entries.`;
  return table(rows, [
    { header: 'LABEL', get: (r) => (r.isDefault ? out.bold(r.label) : r.label) },
    { header: 'KIND', get: (r) => r.kind },
    { header: 'KEY', get: (r) => r.keyType },
    { header: 'SUBJECT', get: (r) => r.subject, flex: true },
    { header: 'EXPIRES', get: (r) => (r.notAfter.getTime() < now ? out.red(dayText(r.notAfter)) : dayText(r.notAfter)) },
    { header: 'TRUSTED', get: (r) => (r.trusted ? 'yes' : 'no') },
    { header: 'DEFAULT', get: (r) => (r.isDefault ? 'yes' : '') },
    {
      header: 'STATUS',
      get: (r) => {
        const status = expiryStatus(r, now);
        return r.notAfter.getTime() < now ? out.red(status) : r.daysLeft < EXPIRY_WARNING_DAYS || r.notBefore.getTime() > now ? out.yellow(status) : status;
      },
    },
  ]);
}

/** `cert show`: an entry's flags, then its certificate. */
export function entryText(entry: KeyStoreEntry, info: CertificateInfo): string {
  return certificateText(info, [
    ['Label', entry.label],
    ['Private key', entry.hasPrivateKey ? 'yes' : 'no'],
    ['Trusted', entry.trusted ? 'yes' : 'no'],
    ['Default', entry.isDefault ? 'yes' : 'no'],
  ]);
}

/** `cert create`: the new entry and its certificate. */
export function createdEntryText(file: string, entry: KeyStoreEntry, info: CertificateInfo): string {
  return `Created "${entry.label}" in ${file}${entry.isDefault ? ' (default key)' : ''}\n` + certificateText(info);
}

/** `cert import`: a table of what was added, and a line for each certificate already there. */
export function importedText(file: string, result: ImportResult): { rows: ImportedRow[]; text: string } {
  const rows: ImportedRow[] = result.added.map((e) => ({ label: e.label, kind: e.hasPrivateKey ? 'key' : 'certificate', subject: summarizeCertificate(e.certificate).subject, trusted: e.trusted, isDefault: e.isDefault }));
  const lines = [
    `Imported into ${file}:\n` +
      table(rows, [
        { header: 'LABEL', get: (r) => r.label },
        { header: 'KIND', get: (r) => r.kind },
        { header: 'SUBJECT', get: (r) => r.subject, flex: true },
        { header: 'TRUSTED', get: (r) => (r.trusted ? 'yes' : 'no') },
        { header: 'DEFAULT', get: (r) => (r.isDefault ? 'yes' : '') },
      ]),
    ...result.skipped.map((s) => `Already present as "${s.label}": ${s.subject}`),
  ];
  return { rows, text: lines.join('\n') };
}

export interface ImportedRow {
  label: string;
  kind: 'key' | 'certificate';
  subject: string;
  trusted: boolean;
  isDefault: boolean;
}

/** `cert export`: what went into the file. */
export function exportedText(file: string, format: string, result: { certificates: number; withKey: boolean }, plainKey = false): string {
  return `Wrote ${file}: ${result.certificates} certificate${result.certificates === 1 ? '' : 's'}${result.withKey ? ` and the private key (${plainKey ? 'NOT encrypted' : 'encrypted'})` : ''}, ${format}`;
}

/** `db create`: the new file's type, record length, stash and mode. */
export function createdDatabaseText(file: string, d: { type: 'cms' | 'pkcs12'; version?: number; recordLength?: number; legacy?: boolean; stash?: string; mode: string; passwordExpires?: string }): string {
  return (
    `Created ${file}\n` +
    fields([
      ['Type', d.type === 'cms' ? `CMS key database, version ${d.version}` : `PKCS #12${d.legacy ? ' (legacy)' : ''}`],
      ['Record length', d.recordLength?.toString()],
      ['Stash file', d.stash],
      ['Mode', d.mode],
      ['Password expires', d.passwordExpires],
    ])
  );
}

/** `token show`'s text: the token's details, then its objects; `pinHint` says how this reader gives a PIN (a flag, or a menu answer). */
export function tokenText(token: TokenDetails, withPrivate: boolean, pinHint = 'the PIN'): string {
  const head = fields([
    ['Label', token.label],
    ['Module', token.module],
    ['Manufacturer', token.manufacturer],
    ['Model', token.model],
    ['Serial', token.serialNumber],
    ['User PIN set', token.userPinInitialized ? 'yes' : 'no'],
    ['PIN length', `${token.minPinLength}–${token.maxPinLength}`],
    ['Mechanisms', token.mechanisms.join(' ')],
    ['Objects', `${token.objects.length}${withPrivate ? '' : ` public (give ${pinHint} to see private ones)`}`],
  ]);
  if (!token.objects.length) return head;
  return `${head}\n\n${table<TokenObject>(token.objects, [
    { header: 'Class', get: (o) => o.class },
    { header: 'Label', get: (o) => o.label, flex: true },
    { header: 'ID', get: (o) => o.id },
  ])}`;
}
