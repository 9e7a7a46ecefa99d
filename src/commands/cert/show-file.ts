import { Args, Flags } from '@oclif/core';
import { softwareProvider } from '../../core/crypto/software.js';
import { readFileOrFail } from '../../core/keystore/file-io.js';
import { readCertificateFile } from '../../core/pki/certificate-file.js';
import { readCertificate } from '../../core/pki/certificate/read.js';
import { encodePem } from '../../core/pki/pem.js';
import { KymanCommand } from '../../cli/base-command.js';
import { certificateJson, certificateText } from '../../cli/render.js';

export default class CertShowFile extends KymanCommand<typeof CertShowFile> {
  static override summary = 'Show the certificates in a file (PEM, DER or PKCS #7), no database needed.';
  static override description = 'gskkyman: "Display certificate file".';
  static override examples = ['<%= config.bin %> <%= command.id %> server.pem', '<%= config.bin %> <%= command.id %> chain.p7b --json'];
  static override args = { file: Args.string({ description: 'The certificate file.', required: true }) };
  static override flags = { pem: Flags.boolean({ summary: 'Print the certificates as PEM instead.' }) };

  async run() {
    const ders = readCertificateFile(await readFileOrFail(this.args.file));
    const infos = ders.map((der) => readCertificate(softwareProvider(), der));
    if (this.flags.pem) this.say(ders.map((d) => encodePem('CERTIFICATE', d)).join(''));
    else
      this.say(
        infos
          .map((info, i) => certificateText(info, ders.length > 1 ? [['Certificate', `${i + 1} of ${ders.length}`]] : []))
          .join('\n\n'),
      );
    return { file: this.args.file, certificates: infos.map(certificateJson) };
  }
}
