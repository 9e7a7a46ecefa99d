import { Args, Flags } from '@oclif/core';
import { KEY_SPECS, parseKeySpec } from '../../core/crypto/provider.js';
import { softwareProvider } from '../../core/crypto/software.js';
import { usage } from '../../core/errors.js';
import { issueEntry } from '../../core/keystore/issue.js';
import { labelFor } from '../../core/keystore/labels.js';
import type { KeyStore } from '../../core/keystore/types.js';
import { readCertificate } from '../../core/pki/certificate/read.js';
import { CERTIFICATE_PROFILES } from '../../core/pki/profile.js';
import { KymanCommand, storeFlags } from '../../cli/base-command.js';
import { certificateFlagExamples, certificateFlagOptions, certificateFlags } from '../../cli/certificate-flags.js';
import { openDatabase, openStore } from '../../cli/key-database.js';
import { withSpinner } from '../../cli/progress.js';
import { certificateJson, certificateText } from '../../cli/render.js';

export default class CertIssue extends KymanCommand<typeof CertIssue> {
  static override summary = 'Create a key pair and a certificate signed by a CA entry of the same database.';
  static override description =
    'The CA entry (certificate and private key) signs the new certificate: 128-bit random serial, key identifiers, the key usage and extended key usage of --profile, never valid beyond the CA certificate. The new key is stored encrypted under the database password. gskkyman: "Create a signed certificate and key".';
  static override examples = [
    '<%= config.bin %> <%= command.id %> web --db server.kdb --ca root-ca --subject "CN=www.example.com,O=Example" --san dns:www.example.com --profile server --default',
    { description: 'A client certificate with an RSA key, signed with RSASSA-PSS', command: '<%= config.bin %> <%= command.id %> alice --db clients.kdb --ca root-ca --subject "CN=Alice" --profile client --key rsa:3072 --rsa-pss' },
    ...certificateFlagExamples('<%= config.bin %> <%= command.id %> signer --db ca.kdb --ca root-ca --subject CN=signer'),
    { description: 'The CA in a database of its own, with its own password', command: '<%= config.bin %> <%= command.id %> web --db server.kdb --ca root-ca --ca-db ca.kdb --ca-pass env:CA_PASS --subject CN=www.example.com --profile server' },
  ];
  static override args = { label: Args.string({ description: 'Label of the new entry.', required: true }) };
  static override flags = {
    ...storeFlags,
    ...certificateFlags,
    ca: Flags.string({ summary: 'Label of the CA entry (certificate and private key) that signs.', required: true, helpValue: 'LABEL' }),
    'ca-db': Flags.string({ summary: 'The key database that holds the CA entry, when it is not --db (the CA certificate is then copied into --db, untrusted unless it is a root, so the chain is there).', helpValue: 'FILE' }),
    'ca-pass': Flags.string({ summary: 'Password source of --ca-db: env:VAR, file:PATH, fd:N, stdin or pass:TEXT. Default: its stash file, then a prompt.', helpValue: 'SPEC', dependsOn: ['ca-db'] }),
    subject: Flags.string({ summary: 'Subject distinguished name (RFC 4514), e.g. "CN=www.example.com,O=Example,C=US".', required: true, helpValue: 'DN' }),
    san: Flags.string({ summary: 'Subject alternative name: dns:NAME, ip:ADDR, email:ADDR or uri:URI. Repeatable.', multiple: true, helpValue: 'SPEC' }),
    key: Flags.string({ summary: 'Key type.', options: [...KEY_SPECS], default: 'ec:p256' }),
    profile: Flags.string({ summary: 'What the certificate is for.', options: [...CERTIFICATE_PROFILES], default: 'any' }),
    days: Flags.integer({ summary: 'Days the certificate is valid (never beyond the CA certificate).', default: 365, min: 1, max: 36500 }),
    'path-length': Flags.integer({ summary: 'With --profile ca: how many intermediate CAs may follow.', min: 0 }),
    'rsa-pss': Flags.boolean({ summary: 'Sign with RSASSA-PSS when the CA key is RSA (default PKCS #1 v1.5).' }),
    default: Flags.boolean({ summary: 'Make it the default key.' }),
  };

  async run() {
    const spec = parseKeySpec(this.flags.key);
    if (!spec) throw usage(`--key ${this.flags.key} is not a key type: use one of ${KEY_SPECS.join(', ')}`);
    const { store } = await openStore(this.flags, (m) => this.note(m));
    const caStore = this.flags['ca-db'] === undefined ? undefined : (await openDatabase({ db: this.flags['ca-db'], pass: this.flags['ca-pass'] }, (m) => this.note(m))).store;
    const entry = await withSpinner(`Generating a ${this.flags.key} key and a certificate signed by "${this.flags.ca}"`, () =>
      issueEntry(store, this.args.label, this.flags.ca, {
        ...certificateFlagOptions(this.flags),
        subject: this.flags.subject,
        subjectAltNames: this.flags.san,
        key: spec,
        profile: this.flags.profile,
        days: this.flags.days,
        pathLength: this.flags['path-length'],
        rsaPss: this.flags['rsa-pss'],
        isDefault: this.flags.default ? true : undefined,
        caStore,
      }),
    );
    if (caStore) await this.copyCaCertificate(store, caStore.entry(this.flags.ca).certificate);
    const info = readCertificate(softwareProvider(), entry.certificate);
    this.say(`Created "${entry.label}" in ${store.path}, signed by "${this.flags.ca}"${entry.isDefault ? ' (default key)' : ''}\n` + certificateText(info));
    return { label: entry.label, ca: this.flags.ca, profile: this.flags.profile, isDefault: entry.isDefault, certificate: certificateJson(info) };
  }

  /** The CA certificate beside what it signed, so the chain is in the database: trusted only when it is a root. */
  private async copyCaCertificate(store: KeyStore, der: Uint8Array): Promise<void> {
    if (store.entries().some((e) => Buffer.from(e.certificate).equals(der))) return;
    const ca = readCertificate(softwareProvider(), der);
    const label = store.has(this.flags.ca) ? labelFor(der, (l) => store.has(l)) : this.flags.ca;
    await store.addCertificate(label, der, { trusted: ca.selfSigned });
    this.note(`copied the CA certificate into ${store.path} as "${label}"${ca.selfSigned ? ', trusted' : ', not trusted (an intermediate: trust its root)'}`);
  }
}
