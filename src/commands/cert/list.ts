import { KymanCommand, commonFlags, tokenFlags } from '../../cli/base-command.js';
import { openStore } from '../../cli/key-database.js';
import { entryListText, entryRows } from '../../cli/render.js';

export default class CertList extends KymanCommand<typeof CertList> {
  static override summary = 'List the entries of a key database.';
  static override description =
    'One line per entry: label, whether it holds a private key or a certificate only, key type, subject, expiry, trust status and the default key. gskkyman: "Manage keys and certificates".';
  static override examples = ['<%= config.bin %> <%= command.id %> --db server.kdb', { description: 'For scripts', command: '<%= config.bin %> <%= command.id %> --db server.kdb --json' }];
  static override flags = { db: commonFlags.db, pass: commonFlags.pass, ...tokenFlags };

  async run() {
    const { store } = await openStore(this.flags, (m) => this.note(m));
    const rows = entryRows(store.entries());
    if (!this.jsonEnabled()) this.say(entryListText(store.path, rows));
    return { path: store.path, entries: rows.map((r) => ({ ...r, notAfter: r.notAfter.toISOString() })) };
  }
}
