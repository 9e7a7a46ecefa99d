import { writeStashFile } from '../../core/keystore/stash.js';
import { KymanCommand, commonFlags } from '../../cli/base-command.js';
import { openDatabase } from '../../cli/key-database.js';

export default class DbStash extends KymanCommand<typeof DbStash> {
  static override summary = 'Store the database password in a stash file (name.sth).';
  static override description =
    'The stash lets servers and scripts open the database unattended. It is obfuscation, not encryption: anyone who can read the file can recover the password, so it is created readable by you alone (0600). Written in GSKit\'s version 8 format. gskkyman: "Store database password".';
  static override examples = ['<%= config.bin %> <%= command.id %> --db server.kdb --pass env:KDB_PASS'];
  static override flags = { db: commonFlags.db, pass: commonFlags.pass };

  async run() {
    // Opening checks the password, so a stash never holds a wrong one.
    const { store, password } = await openDatabase(this.flags, (m) => this.note(m));
    const stash = await writeStashFile(store.path, password);
    this.say(`Wrote ${stash} (mode 0600). Anyone who can read it can recover the password.`);
    return { path: store.path, stash };
  }
}
