import { Args } from '@oclif/core';
import { KymanCommand, storeFlags } from '../../cli/base-command.js';
import { confirmOrStop, forceFlag } from '../../cli/confirm.js';
import { openStore } from '../../cli/key-database.js';

export default class CertDelete extends KymanCommand<typeof CertDelete> {
  static override summary = 'Delete an entry (certificate and key) from the database.';
  static override description = 'Asks first on a terminal; scripts must say --force. gskkyman: "Delete certificate and key".';
  static override examples = [
    '<%= config.bin %> <%= command.id %> old-web --db server.kdb',
    { description: 'In a script', command: '<%= config.bin %> <%= command.id %> old-web --db server.kdb --force' },
  ];
  static override args = { label: Args.string({ description: 'The entry\'s label.', required: true }) };
  static override flags = { ...storeFlags, force: forceFlag };

  async run() {
    const { store } = await openStore(this.flags, (m) => this.note(m));
    const entry = store.entry(this.args.label);
    const what = `"${entry.label}"${entry.hasPrivateKey ? `${entry.isDefault ? ', the default key,' : ''} and its private key` : ''}`;
    await confirmOrStop({ question: `Delete ${what} from ${store.path}?`, action: `deleting ${what}`, declined: `"${entry.label}" was not deleted` }, this.flags.force);
    await store.delete(this.args.label);
    this.say(`Deleted ${what} from ${store.path}`);
    return { deleted: entry.label };
  }
}
