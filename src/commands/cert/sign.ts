import { Args, Flags } from '@oclif/core';
import { readFileOrFail } from '../../core/keystore/file-io.js';
import { signRequest } from '../../core/keystore/issue.js';
import { encodePem } from '../../core/pki/pem.js';
import { CERTIFICATE_PROFILES } from '../../core/pki/profile.js';
import { forceFlag } from '../../cli/confirm.js';
import { isStdout, outputName, prepareOutput, writeOutput } from '../../cli/output-file.js';
import { KymanCommand, storeFlags } from '../../cli/base-command.js';
import { certificateFlagExamples, certificateFlagOptions, certificateFlags } from '../../cli/certificate-flags.js';
import { openStore } from '../../cli/key-database.js';
import { certificateJson, certificateText } from '../../cli/render.js';

export default class CertSign extends KymanCommand<typeof CertSign> {
  static override summary = 'Sign a certificate request (PKCS #10) with a CA entry of the database.';
  static override description =
    'The request (PEM or DER, from kyman req, openssl req or keytool -certreq) must carry a valid signature. The certificate gets a 128-bit random serial number, subject and authority key identifiers, the key usage and extended key usage of --profile (server: serverAuth; client: clientAuth; any: both; ca: a CA certificate with keyCertSign and cRLSign), and the subject alternative names of the request unless --san is given. It never outlasts the CA certificate. A request asking for a CA certificate is refused unless --profile ca. The database is not changed. gskkyman: "Sign a certificate request".';
  static override examples = [
    '<%= config.bin %> <%= command.id %> server.csr --db ca.kdb --ca root-ca --out server.pem --profile server --days 90',
    { description: 'From a pipe to a pipe', command: 'openssl req -new -key k.pem -subj /CN=web | <%= config.bin %> <%= command.id %> /dev/stdin --db ca.kdb --ca root-ca --out - > web.pem' },
    { description: 'An intermediate CA, DER', command: '<%= config.bin %> <%= command.id %> sub-ca.csr --db ca.kdb --ca root-ca --out sub-ca.der --der --profile ca --days 1825' },
    { description: 'Other names than the request asks for', command: '<%= config.bin %> <%= command.id %> web.csr --db ca.kdb --ca root-ca --out web.pem --san dns:www.example.com --san dns:example.com' },
    ...certificateFlagExamples('<%= config.bin %> <%= command.id %> signer.csr --db ca.kdb --ca root-ca --out signer.pem'),
  ];
  static override args = { request: Args.string({ description: 'The certificate request file (PEM or DER).', required: true }) };
  static override flags = {
    ...storeFlags,
    ...certificateFlags,
    ca: Flags.string({ summary: 'Label of the CA entry (certificate and private key) that signs.', required: true, helpValue: 'LABEL' }),
    out: Flags.string({ char: 'o', summary: 'The certificate file to write (- for standard output).', required: true, helpValue: 'FILE' }),
    profile: Flags.string({ summary: 'What the certificate is for.', options: [...CERTIFICATE_PROFILES], default: 'any' }),
    days: Flags.integer({ summary: 'Days the certificate is valid (never beyond the CA certificate).', default: 365, min: 1, max: 36500 }),
    san: Flags.string({ summary: 'Subject alternative name instead of the requested ones: dns:NAME, ip:ADDR, email:ADDR or uri:URI. Repeatable.', multiple: true, helpValue: 'SPEC' }),
    'path-length': Flags.integer({ summary: 'With --profile ca: how many intermediate CAs may follow.', min: 0 }),
    'rsa-pss': Flags.boolean({ summary: 'Sign with RSASSA-PSS when the CA key is RSA (default PKCS #1 v1.5).' }),
    der: Flags.boolean({ summary: 'Write DER instead of PEM.' }),
    force: forceFlag,
  };

  async run() {
    const out = this.flags.out;
    await prepareOutput(out, { binary: Boolean(this.flags.der), force: this.flags.force, json: this.jsonEnabled() });
    const request = await readFileOrFail(this.args.request);
    const { store } = await openStore(this.flags, (m) => this.note(m));
    const result = await signRequest(store, this.flags.ca, new Uint8Array(request), {
        ...certificateFlagOptions(this.flags),
      profile: this.flags.profile,
      days: this.flags.days,
      subjectAltNames: this.flags.san,
      pathLength: this.flags['path-length'],
      rsaPss: this.flags['rsa-pss'],
    });
    await writeOutput(out, this.flags.der ? result.certificate : new TextEncoder().encode(encodePem('CERTIFICATE', result.certificate)), { secret: false });
    this.say(`Wrote ${outputName(out)} (${this.flags.der ? 'DER' : 'PEM'}), signed by "${this.flags.ca}"\n` + certificateText(result.info), { aside: isStdout(out) });
    return { out, ca: this.flags.ca, profile: this.flags.profile, format: this.flags.der ? 'der' : 'pem', certificate: certificateJson(result.info) };
  }
}
