import { Args, Flags } from '@oclif/core';
import * as path from 'node:path';
import { KEY_SPECS, parseKeySpec } from '../../core/crypto/provider.js';
import { softwareProvider } from '../../core/crypto/software.js';
import { usage } from '../../core/errors.js';
import { createSelfSignedEntry } from '../../core/keystore/create-entry.js';
import { readFileOrFail } from '../../core/keystore/file-io.js';
import { readCertificate } from '../../core/pki/certificate/read.js';
import { readPrivateKeyFile } from '../../core/pki/private-key.js';
import { readPasswordSpec } from '../../cli/password.js';
import { KymanCommand, storeFlags } from '../../cli/base-command.js';
import { certificateFlagExamples, certificateFlagOptions, certificateFlags } from '../../cli/certificate-flags.js';
import { existingTokenKey, openStore } from '../../cli/key-database.js';
import { withSpinner } from '../../cli/progress.js';
import { certificateJson, createdEntryText } from '../../cli/render.js';

export default class CertCreate extends KymanCommand<typeof CertCreate> {
  static override summary = 'Create a key pair and a self-signed certificate in the database.';
  static override description =
    'The private key is generated in software and stored encrypted under the database password, or, with --token, generated on the token, where it stays (sensitive, not extractable). With --key-file the certificate is made for a software key one already has (stored encrypted like any other). With --existing-key the certificate is made for a key already on the token under the same label (one made by pkcs11-tool, say). Defaults: EC P-256, 365 days, an end-entity certificate for TLS servers and clients. gskkyman: "Create a self-signed certificate".';
  static override examples = [
    '<%= config.bin %> <%= command.id %> web --db server.kdb --subject "CN=www.example.com,O=Example,C=US" --san dns:www.example.com --default',
    { description: 'The key on a PKCS #11 token', command: 'PIN=1234 <%= config.bin %> <%= command.id %> web --token web-hsm --pin env:PIN --subject "CN=www.example.com" --san dns:www.example.com' },
    { description: 'A certificate for a key another tool made (openssl genpkey), kept encrypted in the database', command: '<%= config.bin %> <%= command.id %> web --db server.kdb --subject "CN=www.example.com" --key-file web.key' },
    { description: 'A root CA with an RSA key for ten years', command: '<%= config.bin %> <%= command.id %> root-ca --db ca.kdb --subject "CN=Example Root CA,O=Example" --ca --key rsa:3072 --days 3650' },
    { description: 'A post-quantum ML-DSA-65 root CA (in a CMS database made with --record-length 7000: the entry needs some 6,000 bytes)', command: '<%= config.bin %> <%= command.id %> pq-root --db pq.kdb --subject "CN=Example PQ Root" --ca --key ml-dsa-65' },
    ...certificateFlagExamples('<%= config.bin %> <%= command.id %> signer --db server.kdb --subject CN=signer'),
  ];
  static override args = { label: Args.string({ description: 'Label of the new entry.', required: true }) };
  static override flags = {
    ...storeFlags,
    ...certificateFlags,
    subject: Flags.string({ summary: 'Subject distinguished name (RFC 4514), e.g. "CN=www.example.com,O=Example,C=US".', required: true, helpValue: 'DN' }),
    san: Flags.string({ summary: 'Subject alternative name: dns:NAME, ip:ADDR, email:ADDR or uri:URI. Repeatable.', multiple: true, helpValue: 'SPEC' }),
    key: Flags.string({ summary: 'Key type.', options: [...KEY_SPECS], default: 'ec:p256' }),
    days: Flags.integer({ summary: 'Days the certificate is valid.', default: 365, min: 1, max: 36500 }),
    ca: Flags.boolean({ summary: 'Make a CA certificate (basic constraints cA, keyCertSign).' }),
    'path-length': Flags.integer({ summary: 'CA only: how many intermediate CAs may follow.', min: 0, dependsOn: ['ca'] }),
    default: Flags.boolean({ summary: 'Make it the default key.' }),
    'key-file': Flags.string({ summary: 'Certify this software key (PEM or DER PKCS #8, encrypted or not, or a traditional RSA/EC key) instead of making one; it is stored encrypted in the database.', helpValue: 'FILE', exclusive: ['existing-key'] }),
    'import-pass': Flags.string({ summary: 'Password of an encrypted --key-file: env:VAR, file:PATH, fd:N, stdin or pass:TEXT.', helpValue: 'SPEC', dependsOn: ['key-file'] }),
    'existing-key': Flags.boolean({ summary: 'With --token: certify the key already on the token under this label instead of making one.' }),
  };

  async run() {
    const spec = parseKeySpec(this.flags.key);
    if (!spec) throw usage(`--key ${this.flags.key} is not a key type: use one of ${KEY_SPECS.join(', ')}`);
    const { store } = await openStore(this.flags, (m) => this.note(m));
    let existingKey = this.flags['existing-key'] ? existingTokenKey(store, this.args.label) : undefined;
    if (this.flags['key-file'] !== undefined) {
      if (store.type === 'pkcs11') throw usage('--key-file certifies a software key into a key database file: for a key on a token use --existing-key');
      const keyPass = this.flags['import-pass'] === undefined ? undefined : readPasswordSpec(this.flags['import-pass'], '--import-pass');
      if (keyPass?.warning) this.note(keyPass.warning);
      const file = this.flags['key-file'];
      const pkcs8 = readPrivateKeyFile(softwareProvider(), await readFileOrFail(file), keyPass?.password, path.basename(file));
      existingKey = softwareProvider().importPrivateKey(pkcs8);
    }
    const entry = await withSpinner(existingKey ? 'Making the certificate' : `Generating a ${this.flags.key} key and certificate`, () =>
      createSelfSignedEntry(store, this.args.label, {
        ...certificateFlagOptions(this.flags),
        subject: this.flags.subject,
        subjectAltNames: this.flags.san,
        key: spec,
        existingKey,
        days: this.flags.days,
        ca: this.flags.ca,
        pathLength: this.flags['path-length'],
        isDefault: this.flags.default ? true : undefined,
      }),
    );
    const info = readCertificate(softwareProvider(), entry.certificate);
    this.say(createdEntryText(store.path, entry, info));
    return { label: entry.label, isDefault: entry.isDefault, certificate: certificateJson(info) };
  }
}
