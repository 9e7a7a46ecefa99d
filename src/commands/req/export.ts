import { Args, Flags } from '@oclif/core';
import { openPendingRequests } from '../../core/keystore/requests/open.js';
import { KymanCommand, commonFlags, tokenFlags } from '../../cli/base-command.js';
import { lockTimeoutMs, openStore } from '../../cli/key-database.js';
import { writeRequestFile } from '../../cli/request.js';
import { forceFlag } from '../../cli/confirm.js';
import { isStdout, outputName } from '../../cli/output-file.js';

export default class ReqExport extends KymanCommand<typeof ReqExport> {
  static override summary = 'Write a pending certificate request to a file again.';
  static override description = 'The request as it was made (PEM by default); the key stays in the request database.';
  static override examples = ['<%= config.bin %> <%= command.id %> web --db server.kdb --out web.csr', { description: 'In DER', command: '<%= config.bin %> <%= command.id %> web --db server.kdb --out web.der --der' }, { description: 'To standard output, for a CA\'s web form or a pipe', command: '<%= config.bin %> <%= command.id %> web --db server.kdb --out -' }];
  static override args = { label: Args.string({ description: 'Label of the pending request.', required: true }) };
  static override flags = {
    db: commonFlags.db,
    pass: commonFlags.pass,
    ...tokenFlags,
    out: Flags.string({ char: 'o', summary: 'The file to write (- for standard output).', required: true, helpValue: 'FILE' }),
    der: Flags.boolean({ summary: 'Write DER instead of PEM.' }),
    force: forceFlag,
  };

  async run() {
    const { store, password } = await openStore(this.flags, (m) => this.note(m));
    const requests = await openPendingRequests(store, { password, lockTimeoutMs: lockTimeoutMs() });
    const pending = requests.get(this.args.label);
    await writeRequestFile(this.flags.out, undefined, { ...this.flags, json: this.jsonEnabled() });
    await writeRequestFile(this.flags.out, pending.request, { ...this.flags, force: true });
    this.say(`Wrote the request "${pending.label}" to ${outputName(this.flags.out)} (${this.flags.der ? 'DER' : 'PEM'}).`, { aside: isStdout(this.flags.out) });
    return { label: pending.label, out: this.flags.out, format: this.flags.der ? 'der' : 'pem' };
  }
}
