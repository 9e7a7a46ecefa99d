import { Args, Flags } from '@oclif/core';
import { softwareProvider } from '../../core/crypto/software.js';
import { openPendingRequests } from '../../core/keystore/requests/open.js';
import { readCertificationRequest } from '../../core/pki/csr.js';
import { encodePem } from '../../core/pki/pem.js';
import { KymanCommand, commonFlags, tokenFlags } from '../../cli/base-command.js';
import { lockTimeoutMs, openStore } from '../../cli/key-database.js';
import { requestJson, requestText } from '../../cli/request.js';

export default class ReqShow extends KymanCommand<typeof ReqShow> {
  static override summary = 'Show a pending certificate request.';
  static override description = 'Subject, key, requested alternative names and whether the request\'s signature verifies; with --pem, the request itself.';
  static override examples = ['<%= config.bin %> <%= command.id %> web --db server.kdb', { description: 'With the PEM, to paste into a CA\'s web form', command: '<%= config.bin %> <%= command.id %> web --db server.kdb --pem' }];
  static override args = { label: Args.string({ description: 'Label of the pending request.', required: true }) };
  static override flags = { db: commonFlags.db, pass: commonFlags.pass, ...tokenFlags, pem: Flags.boolean({ summary: 'Also print the request as PEM.' }) };

  async run() {
    const { store, password } = await openStore(this.flags, (m) => this.note(m));
    const requests = await openPendingRequests(store, { password, lockTimeoutMs: lockTimeoutMs() });
    const pending = requests.get(this.args.label);
    const info = readCertificationRequest(softwareProvider(), pending.request);
    const extra: Array<readonly [string, string | undefined]> = [['Label', pending.label], ['Renewal', pending.renewal ? `yes: replaces the certificate of "${pending.label}"` : undefined]];
    this.say(requestText(info, extra) + (this.flags.pem ? `\n${encodePem('CERTIFICATE REQUEST', info.der)}` : ''));
    return { label: pending.label, renewal: pending.renewal, request: requestJson(info) };
  }
}
