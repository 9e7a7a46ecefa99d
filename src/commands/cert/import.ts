import { Args, Flags } from '@oclif/core';
import * as path from 'node:path';
import { readFileOrFail } from '../../core/keystore/file-io.js';
import { isJavaKeyStore } from '../../core/keystore/jks/keystore-file.js';
import { importCertificates, importKeyPair } from '../../core/keystore/transfer.js';
import { isPkcs12 } from '../../core/pki/pkcs12.js';
import { KymanCommand, storeFlags } from '../../cli/base-command.js';
import { jksKeyPassword, openStore } from '../../cli/key-database.js';
import { otherPassword, readPasswordSpec } from '../../cli/password.js';
import { importedText } from '../../cli/render.js';

/** A private key's PEM block, of any kind (PKCS #8, encrypted PKCS #8, traditional RSA or EC). */
const PEM_PRIVATE_KEY = /-----BEGIN (?:ENCRYPTED |RSA |EC )?PRIVATE KEY-----/;
/** How far into a file to look for that block: PEM bundles are small, and a DER file never matches. */
const MAX_PEM_SCAN = 1 << 20;

export default class CertImport extends KymanCommand<typeof CertImport> {
  static override summary = 'Import certificates, or a certificate with its private key, into the database.';
  static override description =
    'Certificates come from PEM, DER or PKCS #7 files (each one added, labelled from its subject unless --label is given; of several, only CA and self-signed ones are trusted). A certificate and its key come from a PKCS #12 file, a PEM file that holds both, or from a certificate file with --key-file (PKCS #8, plain or encrypted, or a traditional RSA/EC key). gskkyman: "Import a certificate" and "Import a certificate and a private key".';
  static override examples = [
    { description: 'A CA certificate, trusted', command: '<%= config.bin %> <%= command.id %> root.pem --db server.kdb --label "Example Root CA"' },
    { description: 'A key pair from PKCS #12', command: '<%= config.bin %> <%= command.id %> server.p12 --db server.kdb --import-pass env:P12_PASS --default' },
    { description: 'A certificate and a PEM key', command: '<%= config.bin %> <%= command.id %> server.pem --key-file server.key --db server.kdb --label web' },
    { description: 'One PEM file with the key, the certificate and its chain (the key is found in it)', command: '<%= config.bin %> <%= command.id %> haproxy.pem --db server.kdb --with-chain' },
  ];
  static override args = { file: Args.string({ description: 'Certificate file (PEM, DER, PKCS #7) or PKCS #12 file.', required: true }) };
  static override flags = {
    ...storeFlags,
    'key-file': Flags.string({ summary: 'The private key for the certificate (PEM or DER PKCS #8).', helpValue: 'FILE' }),
    'import-pass': Flags.string({ summary: 'Password of the PKCS #12 file or encrypted key file: env:VAR, file:PATH, fd:N, stdin or pass:TEXT.', helpValue: 'SPEC' }),
    label: Flags.string({ summary: 'Label of the (first) new entry; default: the PKCS #12 friendly name or the subject\'s CN.' }),
    trust: Flags.boolean({ summary: 'Mark imported CA certificates trusted (default on; --no-trust to store them untrusted).', allowNo: true, default: true }),
    default: Flags.boolean({ summary: 'Make an imported key the default key.' }),
    'with-chain': Flags.boolean({ summary: 'Also add the chain certificates that come with a key (PKCS #12, Java keystore or PEM bundle): the root trusted, intermediates not.' }),
  };

  async run() {
    const { file } = this.args;
    const bytes = await readFileOrFail(file);
    // A PEM file holding the key beside the certificate (as many servers keep them) is a key pair, not a certificate.
    const keyInside = !this.flags['key-file'] && PEM_PRIVATE_KEY.test(new TextDecoder('latin1').decode(bytes.subarray(0, MAX_PEM_SCAN)));
    const keyFile = this.flags['key-file'] ? await readFileOrFail(this.flags['key-file']) : keyInside ? bytes : undefined;
    const { store } = await openStore(this.flags, (m) => this.note(m));
    let result;
    if (keyFile || isPkcs12(bytes) || isJavaKeyStore(bytes)) {
      let importPassword: string | undefined;
      if (this.flags['import-pass'] !== undefined) {
        const p = readPasswordSpec(this.flags['import-pass'], '--import-pass');
        if (p.warning) this.note(p.warning);
        importPassword = p.password;
      } else if (!keyFile) {
        importPassword = (await otherPassword(undefined, '--import-pass', path.basename(file), false)).password;
      }
      result = await importKeyPair(store, bytes, {
        keyFile,
        keyFileName: this.flags['key-file'] ? path.basename(this.flags['key-file']) : keyInside ? path.basename(file) : undefined,
        importPassword,
        label: this.flags.label,
        isDefault: this.flags.default ? true : undefined,
        withChain: this.flags['with-chain'],
        keyPassword: jksKeyPassword(this.flags['jks-key-pass'], (m) => this.note(m)),
        fileName: path.basename(file),
        onNotice: (m) => this.note(m),
      });
    } else {
      result = await importCertificates(store, bytes, { label: this.flags.label, trusted: this.flags.trust, anchorsOnly: true });
    }
    const { rows, text } = importedText(store.path, result);
    this.say(text);
    return { path: store.path, added: rows, skipped: result.skipped };
  }
}
