import { Flags, Args } from '@oclif/core';
import * as path from 'node:path';
import { usage } from '../../core/errors.js';
import { exportEntry } from '../../core/keystore/transfer.js';
import { exportFormat } from '../../cli/file-kind.js';
import { forceFlag } from '../../cli/confirm.js';
import { isStdout, outputName, prepareOutput, writeOutput } from '../../cli/output-file.js';
import { KymanCommand, storeFlags } from '../../cli/base-command.js';
import { openStore } from '../../cli/key-database.js';
import { otherPassword } from '../../cli/password.js';
import { exportedText } from '../../cli/render.js';

export default class CertExport extends KymanCommand<typeof CertExport> {
  static override summary = 'Export an entry\'s certificate (and key) to a file.';
  static override description =
    'Formats: pem, der (one certificate), pkcs7 (a certificate bundle; pkcs7-pem in PEM armour), pkcs12 (certificate and private key). A private key is written encrypted unless --no-encrypt-key says otherwise: PEM as an encrypted PKCS #8 block (PBES2, AES-256), PKCS #12 as OpenSSL 3 writes it (or 3DES/RC2 with --legacy). gskkyman: "Export certificate to a file" and "Export certificate and key to a file".';
  static override examples = [
    '<%= config.bin %> <%= command.id %> web --db server.kdb --out web.pem',
    { description: 'Certificate, chain and key for another server', command: '<%= config.bin %> <%= command.id %> web --db server.kdb --out web.p12 --chain --export-pass env:P12_PASS' },
    { description: 'The certificate on standard output, for a pipe', command: '<%= config.bin %> <%= command.id %> web --db server.kdb --out - | openssl x509 -noout -subject' },
    { description: 'Certificate, chain and a plain key for nginx or HAProxy (warned; 0600)', command: '<%= config.bin %> <%= command.id %> web --db server.kdb --out web-plain.pem --with-key --no-encrypt-key --chain' },
    { description: 'The chain as PKCS #7 in PEM armour (openssl pkcs7 -print_certs reads it)', command: '<%= config.bin %> <%= command.id %> web --db server.kdb --out chain.p7c --format pkcs7-pem --chain' },
    { description: 'The chain as PKCS #7 (the .p7b name says so; --format pkcs7 for another name)', command: '<%= config.bin %> <%= command.id %> web --db server.kdb --out chain.p7b --chain' },
  ];
  static override args = { label: Args.string({ description: 'The entry\'s label.', required: true }) };
  static override flags = {
    ...storeFlags,
    out: Flags.string({ char: 'o', summary: 'The file to write (- for standard output; binary formats not to a terminal).', required: true, helpValue: 'FILE' }),
    format: Flags.string({
      summary: 'Output format (default: from the --out extension, .p12/.pfx PKCS #12, .der DER, .p7b PKCS #7, else PEM; wins over the extension, with a warning). pkcs7-pem: PKCS #7 in PEM armour, as openssl crl2pkcs7 writes it.',
      options: ['pem', 'der', 'pkcs7', 'pkcs7-pem', 'pkcs12'],
    }),
    'encrypt-key': Flags.boolean({ summary: 'PEM with --with-key: encrypt the key (default). --no-encrypt-key writes it plain, for servers that take no password (warned; the file is 0600).', allowNo: true, default: true }),
    'with-key': Flags.boolean({ summary: 'PEM: add the private key, encrypted under --export-pass. (PKCS #12 always carries the key.)' }),
    chain: Flags.boolean({ summary: 'Add the issuing certificates found in the database, leaf first.' }),
    'export-pass': Flags.string({ summary: 'Password for the exported key: env:VAR, file:PATH, fd:N, stdin or pass:TEXT. Default: asked twice.', helpValue: 'SPEC' }),
    legacy: Flags.boolean({ summary: 'PKCS #12 with 3DES and RC2 for old readers (weaker).' }),
    force: forceFlag,
  };

  async run() {
    const out = this.flags.out;
    const format = exportFormat(out, this.flags.format, (m) => this.note(m));
    await prepareOutput(out, { binary: format === 'der' || format === 'pkcs7' || format === 'pkcs12', force: this.flags.force, json: this.jsonEnabled() });
    const { store } = await openStore(this.flags, (m) => this.note(m));
    const entry = store.entry(this.args.label);
    const wantsKey = entry.hasPrivateKey && (format === 'pkcs12' || this.flags['with-key']);
    if (wantsKey && store.type === 'pkcs11') {
      throw usage(`the private key of "${entry.label}" is on token "${this.flags.token}" and never leaves it: export the certificate alone (--format pem, der or pkcs7), or copy the entry to another token with "kyman cert copy"`);
    }
    const plainKey = !this.flags['encrypt-key'];
    if (plainKey && !(format === 'pem' && this.flags['with-key'])) throw usage('--no-encrypt-key applies to a PEM key: give --format pem --with-key');
    if (plainKey) this.note(`the private key of "${entry.label}" is written unencrypted: anyone who can read ${outputName(out)} can use it`);
    const needsPassword = format === 'pkcs12' || (format === 'pem' && this.flags['with-key'] && entry.hasPrivateKey && !plainKey);
    let exportPassword: string | undefined;
    if (needsPassword) {
      const p = await otherPassword(this.flags['export-pass'], '--export-pass', path.basename(out), true);
      if (p.warning) this.note(p.warning);
      exportPassword = p.password;
    }
    if (this.flags.legacy) this.note('--legacy protects the key with 3DES and certificates with 40-bit RC2');
    const result = await exportEntry(store, this.args.label, { format, withKey: this.flags['with-key'], chain: this.flags.chain, exportPassword, legacy: this.flags.legacy, plainKey });
    // A file with a key in it is for its owner alone.
    await writeOutput(out, result.bytes, { secret: result.withKey });
    this.say(exportedText(outputName(out), format, result, plainKey), { aside: isStdout(out) });
    return { label: entry.label, out, format, certificates: result.certificates, withKey: result.withKey, keyEncrypted: result.withKey ? !plainKey : undefined };
  }
}
