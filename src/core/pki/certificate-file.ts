// Certificates from a file in whatever form people have them: PEM, DER certificate or PKCS #7 bundle.

import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate } from '@peculiar/asn1-x509';
import * as asn1js from 'asn1js';
import { badInput } from '../errors.js';
import { decodePem, isPem } from './pem.js';
import { isPkcs12 } from './pkcs12.js';
import { PKCS7_LABELS, derOptions, isPkcs7, readPkcs7Der } from './pkcs7.js';

/** PEM labels that hold one certificate (RFC 7468 §5.1, and what older tools wrote). */
const CERTIFICATE_LABELS: ReadonlySet<string> = new Set(['CERTIFICATE', 'X509 CERTIFICATE', 'X.509 CERTIFICATE']);
/** OpenSSL's "trusted certificate": the certificate followed by its X509_CERT_AUX trust settings. */
const TRUSTED_LABEL = 'TRUSTED CERTIFICATE';

/**
 * The certificates (DER) in a file: PEM with one or more CERTIFICATE, TRUSTED CERTIFICATE or
 * PKCS7/CMS blocks (other blocks, such as a private key beside the certificate, are skipped);
 * a DER certificate; or a DER PKCS #7 bundle. Order is kept. Throws BAD_INPUT when the file is
 * none of these.
 */
export function readCertificateFile(bytes: Uint8Array): Uint8Array[] {
  if (bytes.length === 0) throw badInput('the certificate file is empty');
  // PEM text may start with any byte (a '0' in a comment line is 0x30), so look for armour first.
  if (isPem(bytes)) return readPemCertificates(bytes);
  if (isPkcs7(bytes)) return readPkcs7Der(bytes);
  if (isPkcs12(bytes)) throw badInput('this is a PKCS #12 file (certificates and keys under a password), not a certificate file');
  if (bytes[0] === 0x30) return [checkCertificate(singleValue(bytes), 'the file')];
  throw badInput('not a certificate file: expected PEM (BEGIN CERTIFICATE or PKCS7), a DER certificate or a DER PKCS #7 bundle');
}

function readPemCertificates(bytes: Uint8Array): Uint8Array[] {
  const blocks = decodePem(bytes);
  const certs: Uint8Array[] = [];
  const skipped = new Set<string>();
  blocks.forEach((block, i) => {
    const where = `PEM block ${i + 1} (${block.label})`;
    if (CERTIFICATE_LABELS.has(block.label)) certs.push(checkCertificate(block.der, where));
    else if (block.label === TRUSTED_LABEL) certs.push(checkCertificate(firstValue(block.der, where), where));
    else if (PKCS7_LABELS.has(block.label)) certs.push(...readPkcs7Der(block.der));
    else skipped.add(block.label);
  });
  if (certs.length === 0) {
    const found = blocks.length === 0 ? 'no PEM blocks' : `only ${[...skipped].join(', ')}`;
    throw badInput(`no certificate in the PEM text (found ${found})`);
  }
  return certs;
}

/** The first TLV of `der`, as a view. */
function firstValue(der: Uint8Array, where: string): Uint8Array {
  const r = asn1js.fromBER(der, { ...derOptions(der.length).berOptions, copyInput: false });
  if (r.offset === -1) throw badInput(`${where} is not DER: ${r.result.error}`);
  return der.subarray(0, r.offset);
}

/** The one DER value of a DER file; trailing whitespace (a newline some editors add) is allowed. */
function singleValue(der: Uint8Array): Uint8Array {
  const value = firstValue(der, 'the file');
  for (let i = value.length; i < der.length; i++) {
    if (![0x0a, 0x0d, 0x20, 0x09, 0x00].includes(der[i])) throw badInput('the DER certificate is followed by other data');
  }
  return value;
}

function checkCertificate(der: Uint8Array, where: string): Uint8Array {
  try {
    AsnConvert.parse(der, Certificate, derOptions(der.length));
  } catch (e) {
    throw badInput(`${where} is not an X.509 certificate, or it is damaged`, e);
  }
  return der;
}
