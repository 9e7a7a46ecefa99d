import { Args } from '@oclif/core';
import { KymanCommand, storeFlags } from '../../cli/base-command.js';
import { openStore } from '../../cli/key-database.js';

export default class CertDelete extends KymanCommand<typeof CertDelete> {
  static override summary = 'Delete an entry (certificate and key) from the database.';
  static override description = 'gskkyman: "Delete certificate and key".';
  static override examples = ['<%= config.bin %> <%= command.id %> old-web --db server.kdb'];
  static override args = { label: Args.string({ description: 'The entry\'s label.', required: true }) };
  static override flags = storeFlags;

  async run() {
    const { store } = await openStore(this.flags, (m) => this.note(m));
    const entry = store.entry(this.args.label);
    await store.delete(this.args.label);
    this.say(`Deleted "${entry.label}"${entry.hasPrivateKey ? ' and its private key' : ''} from ${store.path}`);
    return { deleted: entry.label };
  }
}
