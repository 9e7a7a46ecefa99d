import { Args } from '@oclif/core';
import { KymanCommand, storeFlags } from '../../cli/base-command.js';
import { openStore } from '../../cli/key-database.js';

export default class CertDefault extends KymanCommand<typeof CertDefault> {
  static override summary = 'Show the default key, or make an entry the default key.';
  static override description = 'Servers and clients use the default key when no label is given. gskkyman: "Show the default key" and "Set key as default".';
  static override examples = ['<%= config.bin %> <%= command.id %> --db server.kdb', '<%= config.bin %> <%= command.id %> web --db server.kdb'];
  static override args = { label: Args.string({ description: 'The entry to make the default; omit to show the current one.' }) };
  static override flags = storeFlags;

  async run() {
    const { store } = await openStore(this.flags, (m) => this.note(m));
    if (this.args.label === undefined) {
      const current = store.defaultEntry();
      this.say(current ? `Default key: ${current.label}` : `${store.path} has no default key.`);
      if (!current) process.exitCode = 1;
      return { default: current?.label ?? null };
    }
    const entry = await store.setDefault(this.args.label);
    this.say(`"${entry.label}" is now the default key of ${store.path}`);
    return { default: entry.label };
  }
}
