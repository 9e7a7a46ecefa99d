import { Args, Flags } from '@oclif/core';
import { usage } from '../../core/errors.js';
import { KymanCommand, storeFlags } from '../../cli/base-command.js';
import { openStore } from '../../cli/key-database.js';

export default class CertTrust extends KymanCommand<typeof CertTrust> {
  static override summary = 'Set whether a certificate is trusted as an anchor for chains.';
  static override description = 'gskkyman: "Set certificate trust status".';
  static override examples = ['<%= config.bin %> <%= command.id %> "Example Root CA" --on --db server.kdb', '<%= config.bin %> <%= command.id %> old-ca --off --db server.kdb'];
  static override args = { label: Args.string({ description: 'The entry\'s label.', required: true }) };
  static override flags = {
    ...storeFlags,
    on: Flags.boolean({ summary: 'Trust it.', exclusive: ['off'] }),
    off: Flags.boolean({ summary: 'Do not trust it.', exclusive: ['on'] }),
  };

  async run() {
    if (!this.flags.on && !this.flags.off) throw usage('say --on or --off');
    const { store } = await openStore(this.flags, (m) => this.note(m));
    const entry = await store.setTrusted(this.args.label, this.flags.on === true);
    this.say(`"${entry.label}" is ${entry.trusted ? 'trusted' : 'not trusted'}`);
    return { label: entry.label, trusted: entry.trusted };
  }
}
