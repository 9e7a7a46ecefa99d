import { Args, Flags } from '@oclif/core';
import { usage } from '../../core/errors.js';
import { copyEntry } from '../../core/keystore/transfer.js';
import { readCertificate } from '../../core/pki/certificate/read.js';
import { KymanCommand, storeFlags } from '../../cli/base-command.js';
import { openStore, usesToken } from '../../cli/key-database.js';
import { certificateJson } from '../../cli/render.js';

export default class CertCopy extends KymanCommand<typeof CertCopy> {
  static override summary = 'Copy an entry (certificate and key) to another key database or to a token.';
  static override description =
    'A private key copies from a database file to another file (re-encrypted under its password) or onto a token, where it becomes sensitive and unextractable; it never copies out of a token, so from a token only the certificate copies, with --cert-only. A certificate alone copied to a token is a trust anchor there. gskkyman: "Copy certificate and key to another database" and "… to another token".';
  static override examples = [
    '<%= config.bin %> <%= command.id %> web --db server.kdb --to-token web-hsm --to-pin env:PIN',
    { description: 'To another database under a new label', command: '<%= config.bin %> <%= command.id %> web --db server.kdb --to-db backup.p12 --to-pass env:BACKUP_PASS --label web-2026' },
    { description: 'A token entry\'s certificate into a database', command: '<%= config.bin %> <%= command.id %> web --token web-hsm --pin env:PIN --to-db clients.kdb --cert-only' },
  ];
  static override args = { label: Args.string({ description: 'The entry to copy.', required: true }) };
  static override flags = {
    ...storeFlags,
    'to-db': Flags.string({ summary: 'The key database file to copy into.', helpValue: 'FILE', exactlyOne: ['to-db', 'to-token'] }),
    'to-pass': Flags.string({ summary: 'Password source of --to-db. Default: its stash file, then a prompt.', helpValue: 'SPEC' }),
    'to-token': Flags.string({ summary: 'The token (by label) to copy into.', helpValue: 'LABEL', exactlyOne: ['to-db', 'to-token'] }),
    'to-module': Flags.string({ summary: 'The PKCS #11 library of --to-token. Default: --module\'s.', helpValue: 'PATH' }),
    'to-pin': Flags.string({ summary: 'User PIN source of --to-token. Default: a prompt.', helpValue: 'SPEC' }),
    label: Flags.string({ summary: 'The label of the copy. Default: the same label.', helpValue: 'LABEL' }),
    'cert-only': Flags.boolean({ summary: 'Copy the certificate alone, without the private key.' }),
    default: Flags.boolean({ summary: 'Make the copy the target\'s default key.' }),
  };

  async run() {
    const f = this.flags;
    if (f['to-db'] && (f['to-pin'] || f['to-module'])) throw usage('--to-pin and --to-module apply to --to-token');
    if (f['to-token'] && f['to-pass']) throw usage('--to-pass applies to --to-db; a token takes --to-pin');
    // Before a second login to the same token; copyEntry refuses any store copied onto itself.
    if (f['to-token'] !== undefined && usesToken(f) && f['to-token'] === f.token) throw usage('the target is the same token as the source: use "kyman cert rename" to change a label');
    const warn = (m: string) => this.note(m);
    const { store: source } = await openStore(f, warn);
    const { store: target } = f['to-token']
      ? await openStore({ token: f['to-token'], module: f['to-module'] ?? f.module, pin: f['to-pin'] }, warn)
      : await openStore({ db: f['to-db'], pass: f['to-pass'] }, warn);
    try {
      const entry = await copyEntry(source, this.args.label, target, { label: f.label, certificateOnly: f['cert-only'], isDefault: f.default || undefined });
      const what = entry.hasPrivateKey ? 'certificate and private key' : 'certificate';
      this.say(`Copied "${this.args.label}" (${what}) to ${target.path} as "${entry.label}"${entry.isDefault ? ' (default key)' : ''}`);
      return { from: { path: source.path, label: this.args.label }, to: { path: target.path, label: entry.label }, withKey: entry.hasPrivateKey, isDefault: entry.isDefault, certificate: certificateJson(readCertificate(target.provider, entry.certificate)) };
    } finally {
      target.close();
      source.close();
    }
  }
}
