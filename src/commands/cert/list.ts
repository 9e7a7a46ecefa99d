import { summarizeCertificate } from '../../core/index.js';
import { KymanCommand, commonFlags } from '../../cli/base-command.js';
import { openDatabase } from '../../cli/key-database.js';
import { dayText, out, table } from '../../cli/output.js';

export default class CertList extends KymanCommand<typeof CertList> {
  static override summary = 'List the entries of a key database.';
  static override description =
    'One line per entry: label, whether it holds a private key or a certificate only, key type, subject, expiry, trust status and the default key. gskkyman: "Manage keys and certificates".';
  static override examples = ['<%= config.bin %> <%= command.id %> --db server.kdb', { description: 'For scripts', command: '<%= config.bin %> <%= command.id %> --db server.kdb --json' }];
  static override flags = { db: commonFlags.db, pass: commonFlags.pass };

  async run() {
    const { store } = await openDatabase(this.flags, (m) => this.note(m));
    const now = Date.now();
    const rows = store.entries().map((e) => {
      const s = summarizeCertificate(e.certificate);
      return { label: e.label, kind: e.hasPrivateKey ? 'key' : 'certificate', keyType: s.keyType, subject: s.subject, notAfter: s.notAfter, trusted: e.trusted, isDefault: e.isDefault };
    });
    if (!this.jsonEnabled()) {
      if (rows.length === 0) this.say(`${store.path} has no entries.`);
      else
        this.say(
          table(rows, [
            { header: 'LABEL', get: (r) => (r.isDefault ? out.bold(r.label) : r.label) },
            { header: 'KIND', get: (r) => r.kind },
            { header: 'KEY', get: (r) => r.keyType },
            { header: 'SUBJECT', get: (r) => r.subject, flex: true },
            { header: 'EXPIRES', get: (r) => (r.notAfter.getTime() < now ? out.red(dayText(r.notAfter)) : dayText(r.notAfter)) },
            { header: 'TRUSTED', get: (r) => (r.trusted ? 'yes' : 'no') },
            { header: 'DEFAULT', get: (r) => (r.isDefault ? 'yes' : '') },
          ]),
        );
    }
    return { path: store.path, entries: rows.map((r) => ({ ...r, notAfter: r.notAfter.toISOString() })) };
  }
}
