import { Args } from '@oclif/core';
import { KymanError, usage } from '../../core/errors.js';
import { peekKeyDatabase } from '../../core/keystore/database-files.js';
import { openKeyStore } from '../../core/keystore/open.js';
import { stashedPassword } from '../../core/keystore/password-change.js';
import { describePasswordExpiry, passwordDaysLeft, readPasswordExpiry } from '../../core/keystore/password-expiry.js';
import { stashPathFor } from '../../core/keystore/stash.js';
import { KymanCommand, commonFlags } from '../../cli/base-command.js';
import { readPasswordSpec } from '../../cli/password.js';
import { wrongPassword } from '../../cli/key-database.js';
import { fields, out } from '../../cli/output.js';

export default class DbInfo extends KymanCommand<typeof DbInfo> {
  static override summary = 'Show what a key database is: type, version, record length, entries, integrity, stash.';
  static override description =
    'The header is read without a password; with one (--pass or the stash) the password and the integrity check are verified and keys are counted.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> server.kdb',
    { description: 'For scripts', command: '<%= config.bin %> <%= command.id %> --db server.kdb --json' },
  ];
  static override args = { file: Args.string({ description: 'The database file (or use --db).' }) };
  static override flags = { db: commonFlags.db, pass: commonFlags.pass };

  async run() {
    const file = this.args.file ?? this.flags.db;
    if (!file) throw usage('no key database given: name the file or use --db');
    const summary = await peekKeyDatabase(file);
    const stash = await stashedPassword(file).catch(() => undefined);
    let password: string | undefined;
    if (this.flags.pass !== undefined) {
      const p = readPasswordSpec(this.flags.pass, '--pass');
      if (p.warning) this.note(p.warning);
      password = p.password;
    } else password = stash?.password;
    let integrity: 'verified' | 'not checked' | 'failed' = 'not checked';
    let integrityNote: string | undefined;
    let entries: number | undefined = summary.entryCount;
    let keys: number | undefined;
    let defaultKey: string | undefined;
    if (password !== undefined && (summary.fileType ?? 'key') === 'key') {
      try {
        const store = await openKeyStore(file, { password });
        const info = store.info();
        integrity = 'verified';
        entries = info.entryCount;
        keys = info.keyCount;
        defaultKey = store.defaultEntry()?.label;
      } catch (error) {
        // A wrong password is the caller's mistake, not the file's: exit 3, as every command.
        if (error instanceof KymanError && error.code === 'BAD_PASSWORD') throw wrongPassword(error, file, this.flags.pass !== undefined ? 'flag' : 'stash');
        if (!(error instanceof KymanError) || error.code !== 'BAD_INPUT') throw error;
        integrity = 'failed';
        integrityNote = error.message;
      }
    }
    const wider = widerThanOwner(summary.mode);
    const now = new Date();
    const expiry = await readPasswordExpiry(file);
    const result = {
      path: file,
      type: summary.type,
      fileType: summary.fileType,
      version: summary.version,
      recordLength: summary.recordLength,
      entries,
      keys,
      defaultKey,
      integrity,
      integrityError: integrityNote,
      stash: stash ? stash.path : undefined,
      passwordExpires: expiry ? expiry.expires : null,
      passwordDaysLeft: expiry ? passwordDaysLeft(expiry.expires, now) : null,
      size: summary.size,
      mode: summary.mode,
      modeWiderThan0600: wider !== undefined,
    };
    const kind =
      summary.type === 'cms'
        ? `CMS ${summary.fileType === 'key' ? 'key database' : summary.fileType === 'request' ? 'request database' : 'CRL file'}, version ${summary.version}`
        : summary.type === 'pkcs12'
          ? 'PKCS #12'
          : `Java keystore (${summary.type === 'jks' ? 'JKS' : 'JCEKS'}, version ${summary.version}), read only: kyman db convert makes a .p12 or .kdb of it`;
    this.say(
      fields([
        ['File', file],
        ['Type', kind],
        ['Record length', summary.recordLength?.toString()],
        ['Entries', entries?.toString()],
        ['Private keys', keys?.toString()],
        ['Default key', keys === undefined ? undefined : (defaultKey ?? '(none)')],
        [
          'Integrity',
          integrity === 'verified'
            ? out.green('verified')
            : integrity === 'failed'
              ? out.red(`FAILED: ${integrityNote}`)
              : 'not checked (no password: give --pass or create a stash)',
        ],
        ['Password expires', (summary.fileType ?? 'key') === 'key' ? describePasswordExpiry(expiry, now) : undefined],
        ['Stash file', stash ? stash.path : `none (${stashPathFor(file)} not found)`],
        ['Size', `${summary.size} bytes`],
        ['Mode', summary.mode + (wider ? out.yellow(`  (wider than 0600: ${wider}; kept as it is, chmod 600 to close it)`) : '')],
      ]),
    );
    if (integrity === 'failed') {
      process.exitCode = 1;
    }
    return result;
  }
}

/** Who besides the owner may read or write a file of this mode (octal text), or undefined when no one. */
function widerThanOwner(mode: string): string | undefined {
  const bits = Number.parseInt(mode, 8);
  const who = [bits & 0o060 ? 'its group' : '', bits & 0o006 ? 'everyone' : ''].filter(Boolean);
  if (!who.length) return undefined;
  return `${who.join(' and ')} may ${bits & 0o022 ? (bits & 0o044 ? 'read and write' : 'write') : 'read'} it`;
}
