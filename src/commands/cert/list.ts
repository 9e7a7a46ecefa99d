import { Flags } from '@oclif/core';
import { EXIT_CODES } from '../../core/errors.js';
import { KymanCommand, commonFlags, tokenFlags } from '../../cli/base-command.js';
import { openStore } from '../../cli/key-database.js';
import { entryListText, entryRows } from '../../cli/render.js';

export default class CertList extends KymanCommand<typeof CertList> {
  static override summary = 'List the entries of a key database.';
  static override description =
    'One line per entry: label, whether it holds a private key or a certificate only, key type, subject, expiry, trust status, the default key, and a status (expired, not yet valid, expires in N d) that reads without colour. gskkyman: "Manage keys and certificates".';
  static override examples = [
    '<%= config.bin %> <%= command.id %> --db server.kdb',
    { description: 'For scripts', command: '<%= config.bin %> <%= command.id %> --db server.kdb --json' },
    { description: 'A cron job: exit 1, listing them, when a certificate expires within 30 days (or has)', command: '<%= config.bin %> <%= command.id %> --db server.kdb --expiring 30 || mail -s "renew" admin' },
  ];
  static override flags = {
    db: commonFlags.db,
    pass: commonFlags.pass,
    ...tokenFlags,
    expiring: Flags.integer({ summary: 'Only entries that expire within DAYS days or have expired; exit 1 when there are any (for cron jobs).', min: 0, max: 36500, helpValue: 'DAYS' }),
  };

  async run() {
    const { store } = await openStore(this.flags, (m) => this.note(m));
    const within = this.flags.expiring;
    const rows = entryRows(store.entries()).filter((r) => within === undefined || r.daysLeft < within);
    if (!this.jsonEnabled()) {
      this.say(within !== undefined && rows.length === 0 ? `No entry of ${store.path} expires within ${within} days.` : entryListText(store.path, rows));
    }
    // Something expiring is what a cron job wants to hear about: it is the "said no" exit.
    if (within !== undefined && rows.length > 0) process.exitCode = EXIT_CODES.FAILED;
    return { path: store.path, entries: rows.map((r) => ({ ...r, notBefore: r.notBefore.toISOString(), notAfter: r.notAfter.toISOString() })) };
  }
}
