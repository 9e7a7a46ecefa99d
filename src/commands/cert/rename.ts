import { Args } from '@oclif/core';
import { KymanCommand, storeFlags } from '../../cli/base-command.js';
import { openStore } from '../../cli/key-database.js';

export default class CertRename extends KymanCommand<typeof CertRename> {
  static override summary = 'Change an entry\'s label.';
  static override description = 'gskkyman: "Change label".';
  static override examples = ['<%= config.bin %> <%= command.id %> web web-2026 --db server.kdb'];
  static override args = {
    label: Args.string({ description: 'The current label.', required: true }),
    newLabel: Args.string({ name: 'new-label', description: 'The new label.', required: true }),
  };
  static override flags = storeFlags;

  async run() {
    const { store } = await openStore(this.flags, (m) => this.note(m));
    const entry = await store.rename(this.args.label, this.args.newLabel);
    this.say(`Renamed "${this.args.label}" to "${entry.label}"`);
    return { from: this.args.label, to: entry.label };
  }
}
