// gskkyman's Key Management Menu for an open database: entries, requests, self-signed certificates, imports, default key, stash.

import * as path from 'node:path';
import { parseKeySpec } from '../../core/crypto/provider.js';
import { softwareProvider } from '../../core/crypto/software.js';
import { usage } from '../../core/errors.js';
import { createSelfSignedEntry, DEFAULT_DAYS } from '../../core/keystore/create-entry.js';
import { readFileOrFail } from '../../core/keystore/file-io.js';
import { checkLabel } from '../../core/keystore/labels.js';
import { writeStashFile } from '../../core/keystore/stash.js';
import { importCertificates, importKeyPair } from '../../core/keystore/transfer.js';
import { readCertificate } from '../../core/pki/certificate/read.js';
import { isPkcs12 } from '../../core/pki/pkcs12.js';
import { withSpinner } from '../progress.js';
import { createdEntryText, importedText } from '../render.js';
import { entryMenu } from './entry-menu.js';
import { askKeyType, askNames, createNewRequest, manageRequests, messageOf, receiveRequested } from './request-menu.js';
import { askNumber, askPassword, askText, askYesNo } from './forms.js';
import { chooseFromMenu, commandLine, pause, runAction, showResult, type CommandWord } from './screen.js';
import { dbWords, PASS_ENV, type Session } from './session.js';

type KeyAction = 'keys' | 'certificates' | 'requests' | 'new-request' | 'receive' | 'self-signed' | 'import-cert' | 'import-key' | 'default' | 'stash' | 'record-length';

// gskkyman's own option numbers.
const ITEMS = [
  { key: '1', name: 'Manage keys and certificates', value: 'keys' },
  { key: '2', name: 'Manage certificates', value: 'certificates' },
  { key: '3', name: 'Manage certificate requests', value: 'requests' },
  { key: '4', name: 'Create new certificate request', value: 'new-request' },
  { key: '5', name: 'Receive requested certificate or a renewal certificate', value: 'receive' },
  { key: '6', name: 'Create a self-signed certificate', value: 'self-signed' },
  { key: '7', name: 'Import a certificate', value: 'import-cert' },
  { key: '8', name: 'Import a certificate and a private key', value: 'import-key' },
  { key: '9', name: 'Show the default key', value: 'default' },
  { key: '10', name: 'Store database password', value: 'stash' },
  { key: '11', name: 'Show database record length', value: 'record-length' },
] as const satisfies ReadonlyArray<{ key: string; name: string; value: KeyAction }>;

/** A token has no stash and no record length. */
const TOKEN_ITEMS = ITEMS.filter((i) => i.value !== 'stash' && i.value !== 'record-length');

export async function keyManagementMenu(session: Session): Promise<void> {
  for (;;) {
    const token = session.store.type === 'pkcs11';
    const action = await chooseFromMenu(token ? 'Token Key Management Menu' : 'Key Management Menu', token ? `Token: ${session.store.path}` : `Database: ${session.store.path}`, token ? TOKEN_ITEMS : ITEMS, { key: '0', name: 'Exit to Database Menu' });
    if (action === 'back') return;
    switch (action) {
      case 'keys':
        await chooseEntry(session, true);
        break;
      case 'certificates':
        await chooseEntry(session, false);
        break;
      case 'requests':
        await manageRequests(session);
        break;
      case 'new-request':
        await runAction(() => createNewRequest(session));
        await pause();
        break;
      case 'receive':
        await runAction(() => receiveRequested(session));
        await pause();
        break;
      case 'self-signed':
        await runAction(() => createSelfSigned(session));
        await pause();
        break;
      case 'import-cert':
        await runAction(() => importCertificate(session));
        await pause();
        break;
      case 'import-key':
        await runAction(() => importKey(session));
        await pause();
        break;
      case 'default':
        await runAction(() => showDefault(session));
        await pause();
        break;
      case 'stash':
        await runAction(() => storePassword(session));
        await pause();
        break;
      case 'record-length':
        await runAction(() => showRecordLength(session));
        await pause();
        break;
    }
  }
}

/** gskkyman's numbered label list: entries with keys, or certificates alone; a number opens the entry's menu. */
async function chooseEntry(session: Session, withKeys: boolean): Promise<void> {
  for (;;) {
    const entries = session.store.entries().filter((e) => e.hasPrivateKey === withKeys);
    if (entries.length === 0) {
      process.stdout.write(`\n${withKeys ? 'No keys and certificates' : 'No certificates without keys'} in ${session.store.path}.\n`);
      await pause();
      return;
    }
    const label = await chooseFromMenu(
      withKeys ? 'Key and Certificate List' : 'Certificate List',
      `Database: ${session.store.path}`,
      entries.map((e, i) => ({ key: String(i + 1), name: `${e.label}${e.isDefault ? ' (default)' : ''}`, value: e.label })),
      { key: '0', name: 'Return to Key Management Menu' },
    );
    if (label === 'back') return;
    await entryMenu(session, label);
  }
}

async function createSelfSigned(session: Session): Promise<void> {
  const { store } = session;
  const label = await askText({
    message: 'Enter label (press Escape to go back):',
    check: (v) => messageOf(checkLabel)(v) ?? (store.has(v) ? `label "${v}" already exists in ${path.basename(store.path)}` : undefined),
  });
  const { subject, sans } = await askNames({ subject: `CN=${label}` });
  const keyText = await askKeyType();
  const days = await askNumber({ message: 'Enter certificate validity in days:', default: DEFAULT_DAYS, min: 1, max: 36500 });
  const ca = await askYesNo('Is this a certificate authority (CA) certificate?', false);
  const makeDefault = await askYesNo('Set the key as the default key?', store.defaultEntry() === undefined);
  // Every answer is in: only now is anything generated or written.
  const spec = parseKeySpec(keyText)!;
  const entry = await withSpinner(`Generating a ${keyText} key and certificate`, () =>
    createSelfSignedEntry(store, label, { subject, subjectAltNames: sans, key: spec, days, ca, isDefault: makeDefault ? true : undefined }),
  );
  const info = readCertificate(softwareProvider(), entry.certificate);
  const words: CommandWord[] = ['kyman', 'cert', 'create', label, ...(await dbWords(store.path)), '--subject', { q: subject }];
  for (const san of sans) words.push('--san', san);
  words.push('--key', keyText, '--days', String(days), ca && '--ca', makeDefault && '--default');
  showResult(createdEntryText(store.path, entry, info), commandLine(words));
}


async function importCertificate(session: Session): Promise<void> {
  const { store } = session;
  const file = await askText({ message: 'Enter import file name (PEM, DER or PKCS #7; press Escape to go back):' });
  const bytes = await readFileOrFail(file);
  if (isPkcs12(bytes)) throw usage(`${file} is a PKCS #12 file: use "Import a certificate and a private key"`);
  const label = await askText({ message: 'Enter label (Enter to name it from the subject):', optional: true, check: messageOf(checkLabel) });
  const trusted = await askYesNo('Trust CA certificates from this file?', true);
  const result = await importCertificates(store, bytes, { label: label || undefined, trusted });
  showResult(
    importedText(store.path, result).text,
    commandLine(['kyman', 'cert', 'import', file, ...(await dbWords(store.path)), !!label && '--label', label || undefined, !trusted && '--no-trust']),
  );
}

async function importKey(session: Session): Promise<void> {
  const { store } = session;
  const file = await askText({ message: 'Enter import file name (PKCS #12, or a certificate file; press Escape to go back):' });
  const bytes = await readFileOrFail(file);
  let keyFileName: string | undefined;
  let keyFile: Uint8Array | undefined;
  let importPassword: string | undefined;
  if (!isPkcs12(bytes)) {
    keyFileName = await askText({ message: 'Enter the private key file name:' });
    keyFile = await readFileOrFail(keyFileName);
    const encrypted = /ENCRYPTED PRIVATE KEY|Proc-Type: 4,ENCRYPTED/.test(Buffer.from(keyFile).toString('latin1'));
    if (encrypted) importPassword = await askPassword(`Password for ${path.basename(keyFileName)}:`);
  } else {
    importPassword = await askPassword(`Password for ${path.basename(file)}:`);
  }
  const label = await askText({ message: 'Enter label (Enter for the file\'s name for it or the subject):', optional: true, check: messageOf(checkLabel) });
  const makeDefault = await askYesNo('Set the key as the default key?', store.defaultEntry() === undefined);
  const withChain = await askYesNo('Also add the chain certificates that come with it?', false);
  const result = await importKeyPair(store, bytes, {
    keyFile,
    keyFileName: keyFileName && path.basename(keyFileName),
    importPassword,
    label: label || undefined,
    isDefault: makeDefault ? true : undefined,
    withChain,
  });
  showResult(
    importedText(store.path, result).text,
    commandLine([
      'kyman', 'cert', 'import', file,
      !!keyFileName && '--key-file', keyFileName,
      ...(await dbWords(store.path)),
      importPassword !== undefined && '--import-pass', importPassword !== undefined && 'env:IMPORT_PASS',
      !!label && '--label', label || undefined,
      makeDefault && '--default',
      withChain && '--with-chain',
    ]),
  );
}

async function showDefault(session: Session): Promise<void> {
  const { store } = session;
  const current = store.defaultEntry();
  showResult(current ? `Default key: ${current.label}` : `${store.path} has no default key.`, commandLine(['kyman', 'cert', 'default', ...(await dbWords(store.path))]));
}

async function storePassword(session: Session): Promise<void> {
  // The session's password opened the database, so the stash never holds a wrong one.
  const stash = await writeStashFile(session.store.path, session.password);
  showResult(
    `Wrote ${stash} (mode 0600). Anyone who can read it can recover the password.`,
    commandLine(['kyman', 'db', 'stash', '--db', session.store.path, '--pass', `env:${PASS_ENV}`]),
  );
}

async function showRecordLength(session: Session): Promise<void> {
  const { store } = session;
  if (store.type !== 'cms') throw usage(`${store.path} is a PKCS #12 file: only CMS databases have a record length`);
  showResult(`${store.path}: record length ${store.info().recordLength} bytes`, commandLine(['kyman', 'db', 'record-length', ...(await dbWords(store.path))]));
}
