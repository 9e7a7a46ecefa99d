import { Args, Flags } from '@oclif/core';
import { convertKeyStore } from '../../core/keystore/convert.js';
import { commonFlags, KymanCommand } from '../../cli/base-command.js';
import { openDatabase } from '../../cli/key-database.js';
import { readPasswordSpec } from '../../cli/password.js';
import { fields } from '../../cli/output.js';
import { newDatabaseType } from '../../cli/file-kind.js';

export default class DbConvert extends KymanCommand<typeof DbConvert> {
  static override summary = 'Convert a key database between CMS (.kdb) and PKCS #12 (.p12), or a Java keystore (.jks, .jceks) to either.';
  static override description =
    'Copies every entry into a new file, keeping labels, trust status and the default key. Keys are re-encrypted under the target\'s password (the source password unless --new-pass is given). The source is never changed.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> server.kdb server.p12',
    { description: 'A copy of a CMS database with larger records (the extension says CMS)', command: '<%= config.bin %> <%= command.id %> old.kdb new.kdb --record-length 10000' },
    { description: 'PKCS #12 to CMS with a new password', command: '<%= config.bin %> <%= command.id %> keys.p12 keys.kdb --pass env:P12_PASS --new-pass env:KDB_PASS' },
    { description: 'A Java keystore to PKCS #12, one key having its own password (keytool -keypass)', command: '<%= config.bin %> <%= command.id %> store.jks store.p12 --pass env:STORE_PASS --jks-key-pass env:KEY_PASS' },
  ];
  static override args = {
    source: Args.string({ description: 'The database to read.', required: true }),
    target: Args.string({ description: 'The new database to write.', required: true }),
  };
  static override flags = {
    pass: Flags.string({ summary: 'Source password source (default: its stash file, then a prompt).', helpValue: 'SPEC' }),
    'new-pass': Flags.string({ summary: 'Target password source (default: the source password).', helpValue: 'SPEC' }),
    type: Flags.string({ summary: 'Target type (default: from the target\'s extension, .kdb CMS, .p12/.pfx PKCS #12, else the other type than the source).', options: ['cms', 'pkcs12'] }),
    'record-length': Flags.integer({ summary: 'CMS target record length (default: the source\'s, or 5000).' }),
    legacy: Flags.boolean({ summary: 'PKCS #12 target with 3DES/RC2 for old readers (weaker).' }),
    'jks-key-pass': commonFlags['jks-key-pass'],
  };

  async run() {
    const { store, password } = await openDatabase({ db: this.args.source, pass: this.flags.pass, 'jks-key-pass': this.flags['jks-key-pass'] }, (m) => this.note(m));
    let targetPassword = password;
    if (this.flags['new-pass'] !== undefined) {
      const p = readPasswordSpec(this.flags['new-pass'], '--new-pass');
      if (p.warning) this.note(p.warning);
      targetPassword = p.password;
    }
    const type = newDatabaseType(this.args.target, this.flags.type, store.type === 'cms' ? 'pkcs12' : 'cms', (m) => this.note(m));
    if (this.flags.legacy) this.note('--legacy protects keys with 3DES and certificates with 40-bit RC2');
    const target = await convertKeyStore(store, this.args.target, { type, password: targetPassword, recordLength: this.flags['record-length'], legacy: this.flags.legacy });
    const info = target.info();
    this.say(
      `Converted ${store.path} → ${target.path}\n` +
        fields([
          ['Type', type === 'cms' ? `CMS, version ${info.version}, record length ${info.recordLength}` : 'PKCS #12'],
          ['Entries', String(info.entryCount)],
          ['Private keys', String(info.keyCount)],
          ['Default key', target.defaultEntry()?.label ?? '(none)'],
        ]),
    );
    return { source: store.path, target: target.path, type, entries: info.entryCount, keys: info.keyCount, defaultKey: target.defaultEntry()?.label };
  }
}
