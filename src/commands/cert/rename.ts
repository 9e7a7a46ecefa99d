import { Args } from '@oclif/core';
import { KymanCommand, storeFlags } from '../../cli/base-command.js';
import { confirmOrStop, forceFlag } from '../../cli/confirm.js';
import { openStore } from '../../cli/key-database.js';

export default class CertRename extends KymanCommand<typeof CertRename> {
  static override summary = 'Change an entry\'s label.';
  static override description = 'A new label that another entry has replaces that entry only when you say so: asked on a terminal, --force in scripts. gskkyman: "Change label".';
  static override examples = [
    '<%= config.bin %> <%= command.id %> web web-2026 --db server.kdb',
    { description: 'Put the renewed entry in the old one\'s place, deleting the old one', command: '<%= config.bin %> <%= command.id %> web-new web --db server.kdb --force' },
  ];
  static override args = {
    label: Args.string({ description: 'The current label.', required: true }),
    newLabel: Args.string({ name: 'new-label', description: 'The new label.', required: true }),
  };
  static override flags = { ...storeFlags, force: forceFlag };

  async run() {
    const { store } = await openStore(this.flags, (m) => this.note(m));
    const { label, newLabel } = this.args;
    store.entry(label);
    if (newLabel !== label && store.has(newLabel)) {
      const what = `the entry "${newLabel}"${store.entry(newLabel).hasPrivateKey ? ' and its private key' : ''}`;
      await confirmOrStop({ question: `"${newLabel}" exists: delete ${what} and rename "${label}" to it?`, action: `replacing ${what}`, declined: `"${label}" was not renamed`, conflict: `label "${newLabel}" already exists in ${store.path}: give --force to replace that entry` }, this.flags.force);
      await store.delete(newLabel);
    }
    const entry = await store.rename(label, newLabel);
    this.say(`Renamed "${this.args.label}" to "${entry.label}"`);
    return { from: this.args.label, to: entry.label };
  }
}
