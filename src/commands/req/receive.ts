import { Args, Flags } from '@oclif/core';
import { readFileOrFail } from '../../core/keystore/file-io.js';
import { receiveCertificate } from '../../core/keystore/requests/actions.js';
import { openPendingRequests } from '../../core/keystore/requests/open.js';
import { KymanCommand, storeFlags } from '../../cli/base-command.js';
import { lockTimeoutMs, openStore } from '../../cli/key-database.js';

export default class ReqReceive extends KymanCommand<typeof ReqReceive> {
  static override summary = 'Receive the certificate a CA issued for a pending request.';
  static override description =
    'FILE holds the certificate (PEM or DER) or a PKCS #7 chain with it. The pending request whose key the certificate certifies becomes a key entry under the same label (for a renewal, the certificate replaces the old one). Other certificates in the file that the database lacks are listed, or added with --add-chain: the root trusted, intermediates not (as pki apply does). gskkyman: "Receive requested certificate or a renewal certificate".';
  static override examples = [
    '<%= config.bin %> <%= command.id %> web.crt --db server.kdb',
    { description: 'A PKCS #7 chain from the CA, adding its CA certificates', command: '<%= config.bin %> <%= command.id %> web.p7b --db server.kdb --add-chain' },
  ];
  static override args = { file: Args.string({ description: 'Certificate file: PEM, DER or PKCS #7.', required: true }) };
  static override flags = { ...storeFlags, 'add-chain': Flags.boolean({ summary: 'Add the file\'s CA certificates that the database lacks: the root trusted, intermediates not.' }) };

  async run() {
    const bytes = await readFileOrFail(this.args.file, 'certificate file');
    const { store, password } = await openStore(this.flags, (m) => this.note(m));
    const requests = await openPendingRequests(store, { password, lockTimeoutMs: lockTimeoutMs() });
    const result = await receiveCertificate(store, requests, bytes, { addChain: this.flags['add-chain'] });
    const lines = [
      result.renewed
        ? `Renewed "${result.label}" in ${store.path}: new certificate for ${result.subject}, same key.`
        : `Received "${result.label}" into ${store.path}: ${result.subject}, with the key of its request.`,
    ];
    for (const c of result.chain) lines.push(c.added ? `Added CA certificate "${c.label}" (${c.subject})${c.label !== undefined && store.entry(c.label).trusted ? ' as trusted' : ', not trusted (an intermediate)'}.` : `Not in the database: ${c.subject} (give --add-chain to add it).`);
    this.say(lines.join('\n'));
    return result;
  }
}
