// gskkyman's Key and Certificate Menu for one entry: show, default, trust, copy, export, delete, relabel, issue, renew.

import * as path from 'node:path';
import { parseKeySpec } from '../../core/crypto/provider.js';
import { softwareProvider } from '../../core/crypto/software.js';
import { KymanError } from '../../core/errors.js';
import { DEFAULT_DAYS } from '../../core/keystore/create-entry.js';
import { trustMaterialOf } from '../../core/keystore/credentials.js';
import { readFileOrFail, writeFileAtomic, fileExists } from '../../core/keystore/file-io.js';
import { issueEntry, signRequest } from '../../core/keystore/issue.js';
import { checkLabel } from '../../core/keystore/labels.js';
import { copyEntry, exportEntry, type ExportFormat } from '../../core/keystore/transfer.js';
import { summarizeCertificate, readCertificate } from '../../core/pki/certificate/read.js';
import { encodePem } from '../../core/pki/pem.js';
import { CERTIFICATE_PROFILES } from '../../core/pki/profile.js';
import { validateChain } from '../../core/pki/validate.js';
import { fields } from '../output.js';
import { withSpinner } from '../progress.js';
import { certificateText, entryText, exportedText, keyText } from '../render.js';
import { anchorTest, validationText } from '../validation.js';
import { askChoice, askNewPassword, askNumber, askText, askYesNo } from './forms.js';
import { askKeyType, askNames, messageOf, renewalRequest } from './request-menu.js';
import { chooseFromMenu, commandLine, pause, runAction, showResult, type CommandWord } from './screen.js';
import { askToken, dbWords, openSession, openTokenSession, PASS_ENV, PIN_ENV, type Session } from './session.js';

type EntryAction = 'show' | 'key' | 'default' | 'trust' | 'copy' | 'export' | 'export-key' | 'delete' | 'rename' | 'issue' | 'renew' | 'sign' | 'validate';

interface EntryItem {
  name: string;
  value: EntryAction;
  /** Shown only for entries with a private key. */
  keyOnly?: boolean;
  /** Shown only for entries whose certificate is a CA's. */
  caOnly?: boolean;
}

const ITEMS: readonly EntryItem[] = [
  { name: 'Show certificate information', value: 'show' },
  { name: 'Show key information', value: 'key', keyOnly: true },
  { name: 'Set key as default', value: 'default', keyOnly: true },
  { name: 'Set certificate trust status', value: 'trust' },
  { name: 'Copy certificate and key to another database or token', value: 'copy' },
  { name: 'Export certificate to a file', value: 'export' },
  { name: 'Export certificate and key to a file', value: 'export-key', keyOnly: true },
  { name: 'Delete certificate and key', value: 'delete' },
  { name: 'Change label', value: 'rename' },
  { name: 'Create a signed certificate and key', value: 'issue', keyOnly: true, caOnly: true },
  { name: 'Create a certificate renewal request', value: 'renew', keyOnly: true },
  { name: 'Sign a certificate request', value: 'sign', keyOnly: true, caOnly: true },
  { name: 'Validate certificate', value: 'validate' },
];

/** The menu for the entry `label`; returns when the person goes back or the entry is gone. */
export async function entryMenu(session: Session, startLabel: string): Promise<void> {
  let label = startLabel;
  for (;;) {
    if (!session.store.has(label)) return;
    const current = session.store.entry(label);
    const hasKey = current.hasPrivateKey;
    const isCA = summarizeCertificate(current.certificate).isCA;
    const items = ITEMS.filter((i) => (hasKey || !i.keyOnly) && (isCA || !i.caOnly)).map((i, n) => ({
      key: String(n + 1),
      // gskkyman says "certificate" alone for an entry without a key.
      name: hasKey ? i.name : i.name.replace(' and key', ''),
      value: i.value,
    }));
    const action = await chooseFromMenu(hasKey ? 'Key and Certificate Menu' : 'Certificate Menu', `Label: ${label}`, items, { key: '0', name: 'Return to the list' });
    if (action === 'back') return;
    await runAction(async () => {
      switch (action) {
        case 'show':
          return showCertificate(session, label);
        case 'key':
          return showKey(session, label);
        case 'default':
          return setDefault(session, label);
        case 'trust':
          return setTrust(session, label);
        case 'copy':
          return copyToOther(session, label);
        case 'export':
          return exportToFile(session, label, false);
        case 'export-key':
          return exportToFile(session, label, true);
        case 'delete':
          return deleteEntry(session, label);
        case 'rename':
          label = await renameEntry(session, label);
          return;
        case 'issue':
          return issueSigned(session, label);
        case 'renew':
          return renewalRequest(session, label);
        case 'sign':
          return signRequestFile(session, label);
        case 'validate':
          return validateEntry(session, label);
      }
    });
    await pause();
  }
}

async function showCertificate(session: Session, label: string): Promise<void> {
  const entry = session.store.entry(label);
  const info = readCertificate(softwareProvider(), entry.certificate);
  showResult(entryText(entry, info), commandLine(['kyman', 'cert', 'show', label, ...(await dbWords(session.store.path))]));
}

async function showKey(session: Session, label: string): Promise<void> {
  const entry = session.store.entry(label);
  const info = readCertificate(softwareProvider(), entry.certificate);
  showResult(
    fields([
      ['Label', entry.label],
      ['Key type', keyText(info)],
      ['Default key', entry.isDefault ? 'yes' : 'no'],
      ['Trusted', entry.trusted ? 'yes' : 'no'],
      ['Certificate expires', info.notAfter.toISOString().slice(0, 10)],
      ['Key fingerprint', `SHA-256 of the certificate ${info.fingerprints.sha256}`],
    ]),
    commandLine(['kyman', 'cert', 'list', ...(await dbWords(session.store.path))]),
  );
}

async function setDefault(session: Session, label: string): Promise<void> {
  const entry = await session.store.setDefault(label);
  showResult(`"${entry.label}" is now the default key of ${session.store.path}`, commandLine(['kyman', 'cert', 'default', label, ...(await dbWords(session.store.path))]));
}

async function setTrust(session: Session, label: string): Promise<void> {
  const current = session.store.entry(label);
  const trusted = await askChoice(
    `"${label}" is ${current.trusted ? 'trusted' : 'not trusted'}. Set it:`,
    [
      { value: true, name: 'Trusted' },
      { value: false, name: 'Not trusted' },
    ],
    !current.trusted,
  );
  const entry = await session.store.setTrusted(label, trusted);
  showResult(`"${entry.label}" is ${entry.trusted ? 'trusted' : 'not trusted'}`, commandLine(['kyman', 'cert', 'trust', label, trusted ? '--on' : '--off', ...(await dbWords(session.store.path))]));
}

async function copyToOther(session: Session, label: string): Promise<void> {
  const entry = session.store.entry(label);
  const where = await askChoice<'db' | 'token'>(
    'Copy to:',
    [
      { value: 'db', name: 'Another key database' },
      { value: 'token', name: 'A token (the private key becomes unextractable there)' },
    ],
    'db',
  );
  let certificateOnly = false;
  // A file's keys always copy; only a token's are asked for (not a file's, which would decrypt the key twice).
  if (entry.hasPrivateKey && session.store.type === 'pkcs11' && !(await session.store.privateKey(label)).extractable) {
    certificateOnly = await askYesNo(`The private key of "${label}" cannot leave ${session.store.path}. Copy the certificate alone?`, true);
    if (!certificateOnly) {
      showResult(`"${label}" was not copied.`);
      return;
    }
  }
  const other = where === 'token' ? await openTokenSession(await askToken()) : await openSession(await askText({ message: 'Enter the name of the database to copy it to (press Escape to go back):' }));
  try {
    const copied = await copyEntry(session.store, label, other.store, { certificateOnly });
    const to = (await dbWords(other.store.path)).map((w) => (w === '--db' ? '--to-db' : w === '--token' ? '--to-token' : w === '--pass' ? '--to-pass' : w === '--pin' ? '--to-pin' : w === `env:${PASS_ENV}` ? 'env:TARGET_PASS' : w === `env:${PIN_ENV}` ? 'env:TARGET_PIN' : w));
    showResult(
      `Copied "${label}"${copied.hasPrivateKey ? ' and its private key' : ''} from ${session.store.path} to ${other.store.path}`,
      commandLine(['kyman', 'cert', 'copy', label, ...(await dbWords(session.store.path)), ...to, certificateOnly && '--cert-only']),
    );
  } finally {
    if (other.store.type === 'pkcs11') other.store.close();
  }
}

const FORMATS: ReadonlyArray<{ value: ExportFormat; name: string; withKey: boolean; certOnly: boolean; ext: string }> = [
  { value: 'pem', name: 'PEM (Base64)', withKey: true, certOnly: true, ext: 'pem' },
  { value: 'der', name: 'DER (binary ASN.1), one certificate', withKey: false, certOnly: true, ext: 'der' },
  { value: 'pkcs7', name: 'PKCS #7 (certificate bundle)', withKey: false, certOnly: true, ext: 'p7b' },
  { value: 'pkcs12', name: 'PKCS #12 (certificate and key)', withKey: true, certOnly: false, ext: 'p12' },
];

async function exportToFile(session: Session, label: string, withKey: boolean): Promise<void> {
  const { store } = session;
  const formats = FORMATS.filter((f) => (withKey ? f.withKey : f.certOnly));
  const format = await askChoice(
    'Select export format:',
    formats.map((f) => ({ value: f.value, name: f.name })),
    withKey ? 'pkcs12' : 'pem',
  );
  const ext = FORMATS.find((f) => f.value === format)!.ext;
  const out = await askText({ message: 'Enter export file name:', default: `${label.replace(/[^A-Za-z0-9._-]+/g, '_')}.${ext}` });
  const chain = format !== 'der' && (await askYesNo('Add the issuing certificates found in the database?', false));
  const force = await askToReplace(out);
  const exportPassword = withKey ? await askNewPassword(path.basename(out)) : undefined;
  // Every answer is in: only now is a file written.
  const result = await exportEntry(store, label, { format, withKey: withKey && format === 'pem', chain, exportPassword });
  await writeFileAtomic(out, result.bytes, result.withKey ? 0o600 : 0o644);
  showResult(
    exportedText(out, format, result),
    commandLine([
      'kyman', 'cert', 'export', label, ...(await dbWords(store.path)), '--out', out,
      format !== 'pem' && '--format', format !== 'pem' && format,
      withKey && format === 'pem' && '--with-key',
      chain && '--chain',
      withKey && '--export-pass', withKey && 'env:EXPORT_PASS',
      force && '--force',
    ]),
  );
}

async function deleteEntry(session: Session, label: string): Promise<void> {
  const entry = session.store.entry(label);
  const sure = await askYesNo(`Delete "${label}"${entry.hasPrivateKey ? ' and its private key' : ''}?`, false);
  if (!sure) {
    showResult(`"${label}" was not deleted.`);
    return;
  }
  await session.store.delete(label);
  showResult(`Deleted "${entry.label}"${entry.hasPrivateKey ? ' and its private key' : ''} from ${session.store.path}`, commandLine(['kyman', 'cert', 'delete', label, ...(await dbWords(session.store.path))]));
}

async function renameEntry(session: Session, label: string): Promise<string> {
  const newLabel = await askText({
    message: 'Enter new label (press Escape to go back):',
    check: (v) => {
      try {
        checkLabel(v);
      } catch (error) {
        return (error as Error).message;
      }
      return v !== label && session.store.has(v) ? `label "${v}" already exists` : undefined;
    },
  });
  const entry = await session.store.rename(label, newLabel);
  showResult(`Renamed "${label}" to "${entry.label}"`, commandLine(['kyman', 'cert', 'rename', label, entry.label, ...(await dbWords(session.store.path))]));
  return entry.label;
}

/** Create a signed certificate and key: a new key pair under a new label, its certificate signed by this CA entry. */
async function issueSigned(session: Session, caLabel: string): Promise<void> {
  const { store } = session;
  const label = await askText({
    message: 'Enter label for the new certificate (press Escape to go back):',
    check: (v) => messageOf(checkLabel)(v) ?? (store.has(v) ? `label "${v}" already exists in ${path.basename(store.path)}` : undefined),
  });
  const { subject, sans } = await askNames({ subject: `CN=${label}` });
  const keyText = await askKeyType();
  const profile = await askChoice('Select what the certificate is for:', PROFILE_CHOICES, 'any');
  const days = await askNumber({ message: 'Enter certificate validity in days:', default: DEFAULT_DAYS, min: 1, max: 36500 });
  const makeDefault = await askYesNo('Set the key as the default key?', store.defaultEntry() === undefined);
  // Every answer is in: only now is a key made and anything written.
  const entry = await withSpinner(`Generating a ${keyText} key and a certificate signed by "${caLabel}"`, () =>
    issueEntry(store, label, caLabel, { subject, subjectAltNames: sans, key: parseKeySpec(keyText)!, profile, days, isDefault: makeDefault ? true : undefined }),
  );
  const info = readCertificate(softwareProvider(), entry.certificate);
  const words: CommandWord[] = ['kyman', 'cert', 'issue', label, ...(await dbWords(store.path)), '--ca', caLabel, '--subject', { q: subject }];
  for (const san of sans) words.push('--san', san);
  words.push('--key', keyText, '--profile', profile, '--days', String(days), makeDefault && '--default');
  showResult(`Created "${entry.label}" in ${store.path}, signed by "${caLabel}"${entry.isDefault ? ' (default key)' : ''}\n` + certificateText(info), commandLine(words));
}

/** The profiles a CA signs for, in the order gskkyman's users meet them. */
const PROFILE_CHOICES = CERTIFICATE_PROFILES.map((p) => ({ value: p as string, name: p }));

/** Sign a certificate request: a PKCS #10 file signed by this CA entry into a certificate file; the database is not changed. */
async function signRequestFile(session: Session, caLabel: string): Promise<void> {
  const { store } = session;
  const requestFile = await askText({ message: 'Enter certificate request file name (PEM or DER; press Escape to go back):' });
  const request = await readFileOrFail(requestFile);
  const profile = await askChoice('Select what the certificate is for:', PROFILE_CHOICES, 'server');
  const days = await askNumber({ message: 'Enter certificate validity in days:', default: DEFAULT_DAYS, min: 1, max: 36500 });
  const out = await askText({ message: 'Enter certificate file name:', default: `${path.basename(requestFile).replace(/\.(csr|req|p10|pem|der)$/i, '')}.pem` });
  const force = await askToReplace(out);
  // Every answer is in: only now is anything signed and written.
  const result = await signRequest(store, caLabel, new Uint8Array(request), { profile, days });
  await writeFileAtomic(out, new TextEncoder().encode(encodePem('CERTIFICATE', result.certificate)), 0o644);
  showResult(
    `Wrote ${out} (PEM), signed by "${caLabel}"\n` + certificateText(result.info),
    commandLine(['kyman', 'cert', 'sign', requestFile, ...(await dbWords(store.path)), '--ca', caLabel, '--out', out, '--profile', profile, '--days', String(days), force && '--force']),
  );
}

/** An existing file is replaced only when the person says so; otherwise nothing is written. */
async function askToReplace(file: string): Promise<boolean> {
  if (!(await fileExists(file))) return false;
  if (await askYesNo(`${file} already exists. Replace it?`, false)) return true;
  throw new KymanError('CONFLICT', `${file} already exists: choose another name`);
}

const PURPOSES = [
  { value: 'any', name: 'Any purpose' },
  { value: 'server', name: 'A TLS server (serverAuth)' },
  { value: 'client', name: 'A TLS client (clientAuth)' },
] as const;

/** Validate certificate: the entry's chain up to the database's trusted entries, as `kyman cert validate` builds it. */
async function validateEntry(session: Session, label: string): Promise<void> {
  const { store } = session;
  const purpose = await askChoice<'any' | 'server' | 'client'>('Select what the certificate must be good for:', PURPOSES, 'any');
  const host = await askText({ message: 'Enter the host name it must name (Enter for none):', optional: true });
  const material = trustMaterialOf(store);
  const at = new Date();
  const result = validateChain(softwareProvider(), store.entry(label).certificate, { trustAnchors: material.anchors, intermediates: material.intermediates, purpose, host: host || undefined, at });
  showResult(
    validationText(result, anchorTest(material.anchors), at, false),
    commandLine(['kyman', 'cert', 'validate', label, ...(await dbWords(store.path)), purpose !== 'any' && '--purpose', purpose !== 'any' && purpose, !!host && '--host', host || undefined]),
  );
}
