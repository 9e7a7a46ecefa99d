import { Args, Flags } from '@oclif/core';
import { renewRequest } from '../../core/keystore/requests/actions.js';
import { openPendingRequests } from '../../core/keystore/requests/open.js';
import { KymanCommand, storeFlags } from '../../cli/base-command.js';
import { lockTimeoutMs, openStore } from '../../cli/key-database.js';
import { requestJson, requestText, writeRequestFile } from '../../cli/request.js';
import { forceFlag } from '../../cli/confirm.js';
import { isStdout, outputName } from '../../cli/output-file.js';

export default class ReqRenew extends KymanCommand<typeof ReqRenew> {
  static override summary = 'Create a renewal request for a key entry, from its existing key pair.';
  static override description =
    'The request carries the current certificate\'s subject and alternative names unless --subject or --san are given. "kyman req receive" then replaces the certificate under the same label, keeping the key. gskkyman: "Create a certificate renewal request".';
  static override examples = ['<%= config.bin %> <%= command.id %> web --db server.kdb --out web-renew.csr'];
  static override args = { label: Args.string({ description: 'Label of the key entry to renew.', required: true }) };
  static override flags = {
    ...storeFlags,
    subject: Flags.string({ summary: 'A new subject (RFC 4514); default: the current certificate\'s.', helpValue: 'DN' }),
    san: Flags.string({ summary: 'Subject alternative names (repeatable); default: the current certificate\'s.', multiple: true, helpValue: 'SPEC' }),
    out: Flags.string({ char: 'o', summary: 'The file to write the request to (- for standard output).', required: true, helpValue: 'FILE' }),
    der: Flags.boolean({ summary: 'Write DER instead of PEM.' }),
    force: forceFlag,
  };

  async run() {
    const { store, password } = await openStore(this.flags, (m) => this.note(m));
    const requests = await openPendingRequests(store, { password, lockTimeoutMs: lockTimeoutMs() });
    await writeRequestFile(this.flags.out, undefined, { ...this.flags, json: this.jsonEnabled() });
    const created = await renewRequest(store, requests, this.args.label, { subject: this.flags.subject, subjectAltNames: this.flags.san });
    await writeRequestFile(this.flags.out, created.request, { ...this.flags, force: true });
    this.say(`Created renewal request "${created.label}"; wrote ${outputName(this.flags.out)}\n` + requestText(created.info), { aside: isStdout(this.flags.out) });
    return { label: created.label, out: this.flags.out, renewal: true, request: requestJson(created.info) };
  }
}
