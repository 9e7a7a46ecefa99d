import { openPendingRequests } from '../../core/keystore/requests/open.js';
import { KymanCommand, commonFlags, tokenFlags } from '../../cli/base-command.js';
import { lockTimeoutMs, openStore } from '../../cli/key-database.js';
import { table } from '../../cli/output.js';

export default class ReqList extends KymanCommand<typeof ReqList> {
  static override summary = 'List the pending certificate requests of a key database.';
  static override description =
    'One line per request still waiting for its certificate: label, key type, subject, and whether it renews a key entry. gskkyman: "Manage certificate requests".';
  static override examples = ['<%= config.bin %> <%= command.id %> --db server.kdb', { description: 'For scripts', command: '<%= config.bin %> <%= command.id %> --db server.kdb --json' }];
  static override flags = { db: commonFlags.db, pass: commonFlags.pass, ...tokenFlags };

  async run() {
    const { store, password } = await openStore(this.flags, (m) => this.note(m));
    const requests = await openPendingRequests(store, { password, lockTimeoutMs: lockTimeoutMs() });
    const rows = requests.list().map((r) => ({ label: r.label, keyType: r.keyType, subject: r.subject, subjectAltNames: [...r.subjectAltNames], renewal: r.renewal }));
    if (!this.jsonEnabled()) {
      if (rows.length === 0) this.say(`No certificate requests are pending for ${store.path}.`);
      else
        this.say(
          table(rows, [
            { header: 'LABEL', get: (r) => r.label },
            { header: 'KEY', get: (r) => r.keyType },
            { header: 'SUBJECT', get: (r) => r.subject },
            { header: 'RENEWAL', get: (r) => (r.renewal ? 'yes' : '') },
          ]),
        );
    }
    return { path: store.path, requestDatabase: requests.path, requests: rows };
  }
}
