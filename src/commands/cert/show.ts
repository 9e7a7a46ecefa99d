import { Args, Flags } from '@oclif/core';
import { softwareProvider } from '../../core/crypto/software.js';
import { readCertificate } from '../../core/pki/certificate/read.js';
import { encodePem } from '../../core/pki/pem.js';
import { KymanCommand, commonFlags, tokenFlags } from '../../cli/base-command.js';
import { openStore } from '../../cli/key-database.js';
import { certificateJson, entryText } from '../../cli/render.js';

export default class CertShow extends KymanCommand<typeof CertShow> {
  static override summary = 'Show an entry\'s certificate in full.';
  static override description =
    'Subject, issuer, serial, validity, key, signature algorithm, decoded extensions and SHA-1/SHA-256 fingerprints, as openssl x509 -text tells them. gskkyman: "Show certificate information".';
  static override examples = ['<%= config.bin %> <%= command.id %> server --db server.kdb', { description: 'The certificate as PEM', command: '<%= config.bin %> <%= command.id %> server --db server.kdb --pem' }];
  static override args = { label: Args.string({ description: 'The entry\'s label.', required: true }) };
  static override flags = { db: commonFlags.db, pass: commonFlags.pass, ...tokenFlags, pem: Flags.boolean({ summary: 'Print the certificate as PEM instead.' }) };

  async run() {
    const { store } = await openStore(this.flags, (m) => this.note(m));
    const entry = store.entry(this.args.label);
    const info = readCertificate(softwareProvider(), entry.certificate);
    if (this.flags.pem) this.say(encodePem('CERTIFICATE', entry.certificate));
    else
      this.say(entryText(entry, info));
    return { label: entry.label, hasPrivateKey: entry.hasPrivateKey, trusted: entry.trusted, isDefault: entry.isDefault, certificate: certificateJson(info) };
  }
}
