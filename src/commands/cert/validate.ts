import { Args, Flags } from '@oclif/core';
import { softwareProvider } from '../../core/crypto/software.js';
import { notFound, usage } from '../../core/errors.js';
import { trustMaterialOf } from '../../core/keystore/credentials.js';
import { fileExists, readFileOrFail } from '../../core/keystore/file-io.js';
import type { KeyStore } from '../../core/keystore/types.js';
import { readCertificateFile } from '../../core/pki/certificate-file.js';
import { validateChain } from '../../core/pki/validate.js';
import { KymanCommand, commonFlags, tokenFlags } from '../../cli/base-command.js';
import { openStore } from '../../cli/key-database.js';
import { anchorTest, validationText } from '../../cli/validation.js';

async function readCertificates(file: string): Promise<Uint8Array[]> {
  return readCertificateFile(await readFileOrFail(file));
}

export default class CertValidate extends KymanCommand<typeof CertValidate> {
  static override summary = 'Build and validate a certificate chain up to a trusted root.';
  static override description =
    'The certificate is an entry LABEL of --db, or a FILE (PEM, DER or PKCS #7; with several certificates, the first is the leaf and the rest may be intermediates). Trust anchors are the trusted entries of --db and the certificates of --ca-file. The chain is checked as RFC 5280 §6 says (signatures, validity, basic constraints, path length, key usage, name constraints, critical extensions), the leaf for its purpose, and with --host its names as RFC 6125 says. Exit 0 when valid, 1 when not (with the first reason), as `openssl verify` does with 0 and 2. gskkyman: "Validate certificate".';
  static override examples = [
    '<%= config.bin %> <%= command.id %> web --db server.kdb --purpose server --host www.example.com',
    { description: 'A file against a CA bundle, at a given time', command: '<%= config.bin %> <%= command.id %> chain.pem --ca-file roots.pem --at 2030-01-01' },
    { description: 'For scripts', command: '<%= config.bin %> <%= command.id %> server.pem --ca-file ca.pem --json' },
  ];
  static override args = { certificate: Args.string({ description: 'An entry label in --db, or a certificate file.', required: true }) };
  static override flags = {
    db: commonFlags.db,
    pass: commonFlags.pass,
    ...tokenFlags,
    'ca-file': Flags.string({ summary: 'Trusted CA certificates (PEM, DER or PKCS #7). Repeatable.', multiple: true, helpValue: 'FILE' }),
    purpose: Flags.string({ summary: 'What the leaf is for: serverAuth, clientAuth, or any purpose.', options: ['server', 'client', 'any'], default: 'any' }),
    host: Flags.string({ summary: 'The host name or IP address the certificate must name (RFC 6125).', helpValue: 'NAME' }),
    at: Flags.string({ summary: 'Check validity at this time (ISO 8601, e.g. 2030-01-01 or 2030-01-01T12:00:00Z) instead of now.', helpValue: 'DATE' }),
  };

  async run() {
    const at = this.flags.at === undefined ? new Date() : new Date(this.flags.at);
    if (Number.isNaN(at.getTime())) throw usage(`--at ${this.flags.at} is not a date: use ISO 8601, e.g. 2030-01-01T00:00:00Z`);
    const target = this.args.certificate;
    let store: KeyStore | undefined;
    if (this.flags.db || this.flags.token) store = (await openStore(this.flags, (m) => this.note(m))).store;

    let leaf: Uint8Array;
    const intermediates: Uint8Array[] = [];
    const anchors: Uint8Array[] = [];
    if (store?.has(target)) {
      leaf = store.entry(target).certificate;
    } else {
      if (!(await fileExists(target))) throw notFound(store ? `no entry labelled "${target}" in ${store.path}, and no file ${target}` : `${target} does not exist`);
      const [first, ...rest] = await readCertificates(target);
      leaf = first;
      intermediates.push(...rest);
    }
    if (store) {
      const material = trustMaterialOf(store);
      anchors.push(...material.anchors);
      intermediates.push(...material.intermediates);
    }
    for (const file of this.flags['ca-file'] ?? []) anchors.push(...(await readCertificates(file)));
    if (anchors.length === 0) throw usage('no trust anchors: give --ca-file FILE, or --db with trusted entries');

    const purpose = this.flags.purpose as 'server' | 'client' | 'any';
    const result = validateChain(softwareProvider(), leaf, { trustAnchors: anchors, intermediates, purpose, host: this.flags.host, at });
    const isAnchor = anchorTest(anchors);
    if (!this.jsonEnabled()) this.say(validationText(result, isAnchor, at, this.flags.at !== undefined));
    // The operation ran and said no: exit 1, with the chain still shown (DESIGN.md exit codes).
    if (!result.valid) process.exitCode = 1;
    return {
      valid: result.valid,
      at: at.toISOString(),
      purpose,
      ...(this.flags.host === undefined ? {} : { host: this.flags.host }),
      chain: result.chain.map((c) => ({
        subject: c.subject,
        issuer: c.issuer,
        serialNumber: c.serialNumber,
        notBefore: c.notBefore.toISOString(),
        notAfter: c.notAfter.toISOString(),
        isCA: c.isCA,
        anchor: isAnchor(c),
        sha256: c.fingerprints.sha256,
      })),
      ...(result.reason ? { reason: result.reason } : {}),
    };
  }
}
