import { Args } from '@oclif/core';
import { openPendingRequests } from '../../core/keystore/requests/open.js';
import { KymanCommand, commonFlags, tokenFlags } from '../../cli/base-command.js';
import { confirmOrStop, forceFlag } from '../../cli/confirm.js';
import { lockTimeoutMs, openStore } from '../../cli/key-database.js';

export default class ReqDelete extends KymanCommand<typeof ReqDelete> {
  static override summary = 'Delete a pending certificate request and its private key.';
  static override description =
    'Asks first on a terminal; scripts must say --force. The key is gone for good: a certificate a CA issues for this request afterwards cannot be received. A renewal request\'s key stays in the key database. gskkyman: "Delete certificate request and key".';
  static override examples = ['<%= config.bin %> <%= command.id %> web --db server.kdb', { description: 'In a script', command: '<%= config.bin %> <%= command.id %> web --db server.kdb --force' }];
  static override args = { label: Args.string({ description: 'Label of the pending request.', required: true }) };
  static override flags = { db: commonFlags.db, pass: commonFlags.pass, ...tokenFlags, force: forceFlag };

  async run() {
    const { store, password } = await openStore(this.flags, (m) => this.note(m));
    const requests = await openPendingRequests(store, { password, lockTimeoutMs: lockTimeoutMs() });
    const pending = requests.get(this.args.label);
    await confirmOrStop({ question: `Delete the pending request "${pending.label}" and its private key?`, action: `deleting the pending request "${pending.label}"`, declined: `the pending request "${pending.label}" was not deleted` }, this.flags.force);
    await requests.delete(pending.label);
    this.say(`Deleted the pending request "${pending.label}" from ${requests.path}.`);
    return { label: pending.label, requestDatabase: requests.path };
  }
}
