import { Args, Flags } from '@oclif/core';
import { createKeyStore } from '../../core/keystore/create.js';
import { peekKeyDatabase } from '../../core/keystore/database-files.js';
import { describePasswordExpiry, MAX_PASSWORD_EXPIRY_DAYS, readPasswordExpiry } from '../../core/keystore/password-expiry.js';
import { systemTrustStore } from '../../core/tools/trust-store.js';
import { KymanCommand } from '../../cli/base-command.js';
import { newPassword } from '../../cli/password.js';
import { createdDatabaseText } from '../../cli/render.js';
import { newDatabaseType } from '../../cli/file-kind.js';

export default class DbCreate extends KymanCommand<typeof DbCreate> {
  static override summary = 'Create a new, empty key database.';
  static override description =
    'Creates an IBM CMS key database (.kdb, version 6 as GSKit 8 writes it) or a PKCS #12 file, readable and writable only by you (mode 0600). gskkyman: "Create new database".';
  static override examples = [
    { description: 'A CMS database with a stash file, password from a variable', command: '<%= config.bin %> <%= command.id %> server.kdb --pass env:KDB_PASS --stash' },
    { description: 'A PKCS #12 key database (the extension says so)', command: '<%= config.bin %> <%= command.id %> keys.p12 --pass file:pw.txt' },
    { description: 'PKCS #12 under another name', command: '<%= config.bin %> <%= command.id %> keys.bin --type pkcs12 --pass file:pw.txt' },
    { description: 'Starting with the system\'s CA certificates, trusted (gskkyman: a database with the usual CA certificates)', command: '<%= config.bin %> <%= command.id %> client.kdb --pass env:KDB_PASS --stash --with-system-cas' },
    { description: 'A password that expires in 90 days (gskkyman asks for the expiration)', command: '<%= config.bin %> <%= command.id %> server.kdb --pass env:KDB_PASS --pass-expire 90' },
    { description: 'A CMS database with larger records, for long certificate chains', command: '<%= config.bin %> <%= command.id %> big.kdb --record-length 10000 --pass stdin' },
  ];
  static override args = { file: Args.string({ description: 'The database file to create.', required: true }) };
  static override flags = {
    type: Flags.string({ summary: 'Database type (default: from the extension, .p12/.pfx PKCS #12, else CMS); wins over the extension, with a warning.', options: ['cms', 'pkcs12'] }),
    'record-length': Flags.integer({ summary: 'CMS record length in bytes (default 5000, as gskkyman).' }),
    stash: Flags.boolean({ summary: 'Also write the password to a stash file (name.sth) for unattended use.' }),
    pass: Flags.string({ summary: 'New database password source: env:VAR, file:PATH, fd:N, stdin or pass:TEXT. Default: asked twice.', helpValue: 'SPEC' }),
    legacy: Flags.boolean({ summary: 'PKCS #12 only: use 3DES and RC2 for readers that predate AES (weaker).' }),
    'pass-expire': Flags.integer({ summary: `Days until the password expires (gskkyman's "password expiration", gsk8capicmd -expire): 0 or absent, never; at most ${MAX_PASSWORD_EXPIRY_DAYS}. Kept in name.kyman.json beside the database.`, helpValue: 'DAYS' }),
    'with-system-cas': Flags.boolean({ summary: 'Start with the system\'s CA certificates as trusted entries (SSL_CERT_FILE, else the distribution\'s bundle, and SSL_CERT_DIR, as OpenSSL finds them); expired ones are left out.' }),
  };

  async run() {
    const { file } = this.args;
    const pw = await newPassword(this.flags.pass, '--pass', file);
    if (pw.warning) this.note(pw.warning);
    if (this.flags.legacy) this.note('--legacy protects keys with 3DES and certificates with 40-bit RC2: use it only for readers that cannot read AES');
    const type = newDatabaseType(file, this.flags.type, 'cms', (m) => this.note(m));
    const cas = this.flags['with-system-cas'] ? systemTrustStore(process.env) : undefined;
    const store = await createKeyStore(file, { type, password: pw.password, recordLength: this.flags['record-length'], legacy: this.flags.legacy, stash: this.flags.stash, passwordExpiryDays: this.flags['pass-expire'], ...(cas ? { trustedCertificates: cas.all() } : {}) });
    const added = store.entries().length;
    store.close();
    const summary = await peekKeyDatabase(file);
    const expiry = await readPasswordExpiry(file);
    const result = {
      path: file,
      type,
      version: summary.version,
      recordLength: summary.recordLength,
      stash: this.flags.stash ? file.replace(/\.[^./\\]*$/, '') + '.sth' : undefined,
      passwordExpires: expiry?.expires,
      ...(cas ? { systemCas: { sources: cas.sources, offered: cas.size, added } } : {}),
    };
    this.say(createdDatabaseText(file, { type, version: summary.version, recordLength: summary.recordLength, legacy: this.flags.legacy, stash: result.stash, mode: summary.mode, passwordExpires: expiry ? describePasswordExpiry(expiry) : undefined }));
    if (cas) this.say(`${added} trusted CA certificates from ${cas.sources.join(', ')}${cas.size > added ? ` (${cas.size - added} left out: expired, not yet valid, not a CA or repeated)` : ''}`);
    return result;
  }
}
