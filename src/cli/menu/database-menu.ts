// gskkyman's Database Menu: create, open, re-password, resize or delete a key database, or read a certificate file.

import { deleteToken, initToken, showToken } from '../../core/crypto/pkcs11-tokens.js';
import { softwareProvider } from '../../core/crypto/software.js';
import { notFound, usage } from '../../core/errors.js';
import { DEFAULT_RECORD_LENGTH } from '../../core/keystore/cms/cms-file.js';
import { createKeyStore, MAX_RECORD_LENGTH, MIN_RECORD_LENGTH } from '../../core/keystore/create.js';
import { deleteKeyStore, peekKeyDatabase } from '../../core/keystore/database-files.js';
import { readFileOrFail, fileExists } from '../../core/keystore/file-io.js';
import { changeRecordLength } from '../../core/keystore/maintenance.js';
import { changeKeyStorePassword } from '../../core/keystore/password-change.js';
import { MAX_PASSWORD_EXPIRY_DAYS } from '../../core/keystore/password-expiry.js';
import { stashPathFor } from '../../core/keystore/stash.js';
import { readCertificateFile } from '../../core/pki/certificate-file.js';
import { readCertificate } from '../../core/pki/certificate/read.js';
import { certificateText, createdDatabaseText, tokenText } from '../render.js';
import { askChoice, askNewPassword, askNumber, askPassword, askText, askYesNo } from './forms.js';
import { keyManagementMenu } from './key-management-menu.js';
import { chooseFromMenu, commandLine, pause, runAction, showResult } from './screen.js';
import { askToken, dbWords, openSession, openTokenSession, PASS_ENV, PIN_ENV, type Session } from './session.js';

type DatabaseAction = 'create' | 'open' | 'password' | 'record-length' | 'delete' | 'show-file' | 'create-token' | 'delete-token' | 'manage-token' | 'show-token';

const ITEMS = [
  { key: '1', name: 'Create new database', value: 'create' },
  { key: '2', name: 'Open database', value: 'open' },
  { key: '3', name: 'Change database password', value: 'password' },
  { key: '4', name: 'Change database record length', value: 'record-length' },
  { key: '5', name: 'Delete database', value: 'delete' },
  { key: '6', name: 'Display certificate file', value: 'show-file' },
  { key: '7', name: 'Create new token', value: 'create-token' },
  { key: '8', name: 'Delete token', value: 'delete-token' },
  { key: '9', name: 'Manage token', value: 'manage-token' },
  { key: '10', name: 'Show token information', value: 'show-token' },
] as const satisfies ReadonlyArray<{ key: string; name: string; value: DatabaseAction }>;

/** The database file last named, offered as the default to the next question that asks for one. */
let lastDatabase: string | undefined = process.env.KYMAN_DB || undefined;

async function askDatabase(message = 'Enter key database name (press Escape to go back):', mustExist = true): Promise<string> {
  const file = await askText({ message, default: lastDatabase });
  if (mustExist && !(await fileExists(file))) throw notFound(`${file} does not exist`);
  lastDatabase = file;
  return file;
}

/** The top menu; returns when the person exits. `database` opens straight into its key management menu. */
export async function databaseMenu(database?: string): Promise<void> {
  if (database) {
    lastDatabase = database;
    let session: Session | undefined;
    if (await runAction(async () => void (session = await openSession(database)))) await keyManagementMenu(session!);
  }
  for (;;) {
    const action = await chooseFromMenu('Database Menu', undefined, ITEMS, { key: '0', name: 'Exit program' }, true);
    if (action === 'back') return;
    switch (action) {
      case 'create': {
        let session: Session | undefined;
        if (await runAction(async () => void (session = await createDatabase()))) {
          await pause();
          await keyManagementMenu(session!);
        } else await pause();
        break;
      }
      case 'open': {
        let session: Session | undefined;
        if (await runAction(async () => void (session = await openSession(await askDatabase())))) await keyManagementMenu(session!);
        else await pause();
        break;
      }
      case 'password':
        await runAction(changePassword);
        await pause();
        break;
      case 'record-length':
        await runAction(changeLength);
        await pause();
        break;
      case 'delete':
        await runAction(deleteDatabase);
        await pause();
        break;
      case 'show-file':
        await runAction(showCertificateFile);
        await pause();
        break;
      case 'create-token':
        await runAction(createToken);
        await pause();
        break;
      case 'delete-token':
        await runAction(wipeToken);
        await pause();
        break;
      case 'manage-token': {
        let session: Session | undefined;
        if (await runAction(async () => void (session = await openTokenSession(await askToken())))) {
          try {
            await keyManagementMenu(session!);
          } finally {
            session!.store.close();
          }
        } else await pause();
        break;
      }
      case 'show-token':
        await runAction(showTokenInformation);
        await pause();
        break;
    }
  }
}

async function createDatabase(): Promise<Session> {
  const file = await askText({ message: 'Enter key database name (press Escape to go back):', default: 'key.kdb' });
  if (await fileExists(file)) throw usage(`${file} already exists: choose another name, or delete it first`);
  const type = await askChoice<'cms' | 'pkcs12'>(
    'Database type:',
    [
      { value: 'cms', name: 'CMS key database (.kdb), as gskkyman writes it' },
      { value: 'pkcs12', name: 'PKCS #12 file (.p12)' },
    ],
    file.toLowerCase().endsWith('.p12') || file.toLowerCase().endsWith('.pfx') ? 'pkcs12' : 'cms',
  );
  const recordLength =
    type === 'cms'
      ? await askNumber({ message: 'Enter record length:', default: DEFAULT_RECORD_LENGTH, min: MIN_RECORD_LENGTH, max: MAX_RECORD_LENGTH })
      : undefined;
  const password = await askNewPassword(file);
  // gskkyman asks for the password's expiration here; 0 keeps it for ever.
  const passwordExpiryDays = await askNumber({ message: 'Enter password expiration in days (0 for none):', default: 0, min: 0, max: MAX_PASSWORD_EXPIRY_DAYS });
  const stash = await askYesNo('Store the password in a stash file for unattended use?', false);
  // Every answer is in: only now is anything written.
  const store = await createKeyStore(file, { type, password, recordLength, stash, passwordExpiryDays });
  lastDatabase = file;
  const summary = await peekKeyDatabase(file);
  showResult(
    createdDatabaseText(file, { type, version: summary.version, recordLength: summary.recordLength, stash: stash ? stashPathFor(file) : undefined, mode: summary.mode }),
    commandLine([
      'kyman', 'db', 'create', file,
      type !== 'cms' && '--type', type !== 'cms' && type,
      recordLength !== undefined && recordLength !== DEFAULT_RECORD_LENGTH && '--record-length', recordLength !== undefined && recordLength !== DEFAULT_RECORD_LENGTH && String(recordLength),
      '--pass', `env:${PASS_ENV}`,
      passwordExpiryDays > 0 && '--pass-expire', passwordExpiryDays > 0 && String(passwordExpiryDays),
      stash && '--stash',
    ]),
  );
  return { store, password };
}

async function changePassword(): Promise<void> {
  const file = await askDatabase();
  const session = await openSession(file);
  const password = await askNewPassword(file);
  const { stash } = await changeKeyStorePassword(session.store, password);
  showResult(
    `Changed the password of ${file}${stash ? `; rewrote the stash file ${stash}` : ''}.`,
    // Shown before the change took place, a stash held the old password; the command reads it the same way.
    commandLine(['kyman', 'db', 'passwd', '--db', file, ...(stash ? [] : ['--pass', `env:${PASS_ENV}`]), '--new-pass', 'env:NEW_KDB_PASS']),
  );
}

async function changeLength(): Promise<void> {
  const file = await askDatabase();
  const { store } = await openSession(file);
  if (store.type !== 'cms') throw usage(`${file} is a PKCS #12 file: only CMS databases have a record length`);
  const before = store.info().recordLength!;
  process.stdout.write(`Current record length: ${before}\n`);
  const length = await askNumber({ message: 'Enter new record length:', default: before, min: MIN_RECORD_LENGTH, max: MAX_RECORD_LENGTH });
  await changeRecordLength(store, length);
  showResult(`${file}: record length ${before} → ${length} bytes`, commandLine(['kyman', 'db', 'record-length', String(length), ...(await dbWords(file))]));
}

async function deleteDatabase(): Promise<void> {
  const file = await askDatabase();
  await peekKeyDatabase(file);
  const sure = await askYesNo(`Delete ${file}, its request database and its stash file?`, false);
  if (!sure) {
    showResult(`${file} was not deleted.`);
    return;
  }
  const removed = await deleteKeyStore(file);
  if (lastDatabase === file) lastDatabase = undefined;
  showResult(`Deleted ${removed.join(', ')}`, commandLine(['kyman', 'db', 'delete', file, '--force']));
}

async function showCertificateFile(): Promise<void> {
  const file = await askText({ message: 'Enter certificate file name (press Escape to go back):' });
  const ders = readCertificateFile(await readFileOrFail(file));
  const text = ders
    .map((der, i) => certificateText(readCertificate(softwareProvider(), der), ders.length > 1 ? [['Certificate', `${i + 1} of ${ders.length}`]] : []))
    .join('\n\n');
  showResult(text, commandLine(['kyman', 'cert', 'show-file', file]));
}

async function createToken(): Promise<void> {
  const label = await askText({ message: 'Enter token label (press Escape to go back):' });
  const soPin = await askNewPassword(`the SO PIN of token "${label}"`);
  const userPin = await askNewPassword(`the user PIN of token "${label}"`);
  const token = initToken(undefined, { label, soPin, userPin });
  showResult(
    `Initialized token "${token.label}" (${token.manufacturer} ${token.model}, serial ${token.serialNumber})`,
    commandLine(['kyman', 'token', 'init', '--label', label, '--so-pin', 'env:SO_PIN', '--pin', `env:${PIN_ENV}`]),
  );
}

async function wipeToken(): Promise<void> {
  const label = await askToken();
  const sure = await askYesNo(`Destroy every key and certificate on token "${label}"?`, false);
  if (!sure) {
    showResult(`Token "${label}" was not changed.`);
    return;
  }
  const soPin = await askPassword(`SO PIN for token "${label}":`);
  const result = deleteToken(undefined, label, soPin);
  showResult(
    `Wiped token "${label}": ${result.objectsDestroyed} public object(s) and every private one destroyed`,
    commandLine(['kyman', 'token', 'delete', label, '--so-pin', 'env:SO_PIN', '--force']),
  );
}

async function showTokenInformation(): Promise<void> {
  const label = await askToken();
  const withPrivate = await askYesNo('Log in to list private objects too?', false);
  const pin = withPrivate ? await askPassword(`User PIN for token "${label}":`) : undefined;
  showResult(tokenText(showToken(undefined, label, pin), withPrivate), commandLine(['kyman', 'token', 'show', label, ...(withPrivate ? ['--pin', `env:${PIN_ENV}`] : [])]));
}
