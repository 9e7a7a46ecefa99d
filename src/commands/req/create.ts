import { Args, Flags } from '@oclif/core';
import { KEY_SPECS, parseKeySpec } from '../../core/crypto/provider.js';
import { usage } from '../../core/errors.js';
import { createRequest } from '../../core/keystore/requests/actions.js';
import { openPendingRequests } from '../../core/keystore/requests/open.js';
import { KymanCommand, storeFlags } from '../../cli/base-command.js';
import { existingTokenKey, lockTimeoutMs, openStore } from '../../cli/key-database.js';
import { withSpinner } from '../../cli/progress.js';
import { requestJson, requestText, writeRequestFile } from '../../cli/request.js';
import { forceFlag } from '../../cli/confirm.js';
import { isStdout, outputName } from '../../cli/output-file.js';

export default class ReqCreate extends KymanCommand<typeof ReqCreate> {
  static override summary = 'Create a key pair and a certificate request (PKCS #10) for a CA to sign.';
  static override description =
    'The private key waits, encrypted under the database password, in the request database (name.rdb beside a .kdb; inside the file for a .p12), or on the token with --token, until "kyman req receive" brings the signed certificate back. gskkyman: "Create new certificate request".';
  static override examples = [
    '<%= config.bin %> <%= command.id %> web --db server.kdb --subject "CN=www.example.com,O=Example,C=US" --san dns:www.example.com --out web.csr',
    { description: 'An RSA key, the request in DER', command: '<%= config.bin %> <%= command.id %> web --db server.kdb --subject "CN=www.example.com" --key rsa:3072 --out web.der --der' },
  ];
  static override args = { label: Args.string({ description: 'Label the key and, later, its certificate get.', required: true }) };
  static override flags = {
    ...storeFlags,
    subject: Flags.string({ summary: 'Subject distinguished name (RFC 4514), e.g. "CN=www.example.com,O=Example,C=US".', required: true, helpValue: 'DN' }),
    san: Flags.string({ summary: 'Subject alternative name: dns:NAME, ip:ADDR, email:ADDR or uri:URI. Repeatable.', multiple: true, helpValue: 'SPEC' }),
    key: Flags.string({ summary: 'Key type.', options: [...KEY_SPECS], default: 'ec:p256' }),
    out: Flags.string({ char: 'o', summary: 'The file to write the request to (- for standard output).', required: true, helpValue: 'FILE' }),
    der: Flags.boolean({ summary: 'Write DER instead of PEM.' }),
    force: forceFlag,
    'existing-key': Flags.boolean({ summary: 'With --token: the request is for the key already on the token under this label instead of a new one.' }),
  };

  async run() {
    const spec = parseKeySpec(this.flags.key);
    if (!spec) throw usage(`--key ${this.flags.key} is not a key type: use one of ${KEY_SPECS.join(', ')}`);
    const { store, password } = await openStore(this.flags, (m) => this.note(m));
    const requests = await openPendingRequests(store, { password, lockTimeoutMs: lockTimeoutMs() });
    // The output file is checked before the key is made, so a refusal changes nothing.
    await writeRequestFile(this.flags.out, undefined, { ...this.flags, json: this.jsonEnabled() });
    const key = this.flags['existing-key'] ? existingTokenKey(store, this.args.label) : spec;
    const created = await withSpinner(`Generating a ${this.flags.key} key and request`, () =>
      createRequest(store, requests, this.args.label, { subject: this.flags.subject, subjectAltNames: this.flags.san, key }),
    );
    await writeRequestFile(this.flags.out, created.request, { ...this.flags, force: true });
    this.say(`Created request "${created.label}" (key kept in ${created.file}); wrote ${outputName(this.flags.out)}\n` + requestText(created.info), { aside: isStdout(this.flags.out) });
    return { label: created.label, out: this.flags.out, requestDatabase: created.file, request: requestJson(created.info) };
  }
}
