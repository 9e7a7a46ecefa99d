// How certificates and entries look to a person: openssl-x509-like text and list rows.

import { describeKey, type CertificateInfo } from '../core/index.js';
import { dateText, fields, out } from './output.js';

export function keyText(info: CertificateInfo): string {
  const k = info.publicKey;
  return k.type === 'other' ? k.algorithmOid : describeKey({ type: k.type, curve: k.curve, bits: k.bits });
}

/** Expired, not yet valid, or days left, for a person's eye. */
export function validityNote(info: { notBefore?: Date; notAfter: Date }, now = new Date()): string {
  if (info.notAfter.getTime() < now.getTime()) return out.red('expired');
  if (info.notBefore && info.notBefore.getTime() > now.getTime()) return out.yellow('not yet valid');
  const days = Math.floor((info.notAfter.getTime() - now.getTime()) / 86_400_000);
  return days < 30 ? out.yellow(`${days} days left`) : `${days} days left`;
}

/** What `openssl x509 -text` tells a person, in kyman's layout. */
export function certificateText(info: CertificateInfo, extra: ReadonlyArray<readonly [string, string | undefined]> = []): string {
  const lines: Array<readonly [string, string | undefined]> = [
    ...extra,
    ['Subject', info.subject || '(empty)'],
    ['Issuer', info.issuer || '(empty)'],
    ['Serial number', info.serialNumber],
    ['Version', String(info.version)],
    ['Not before', dateText(info.notBefore)],
    ['Not after', `${dateText(info.notAfter)}  (${validityNote(info)})`],
    ['Public key', keyText(info)],
    ['Signature', info.signatureAlgorithm],
    ['Self-signed', info.selfSigned ? 'yes' : 'no'],
  ];
  for (const ext of info.extensions) lines.push([`${ext.name}${ext.critical ? ' (critical)' : ''}`, ext.value]);
  lines.push(['SHA-1 fingerprint', info.fingerprints.sha1], ['SHA-256 fingerprint', info.fingerprints.sha256]);
  return fields(lines);
}

/** A certificate as JSON: everything readCertificate knows, bytes as base64 PEM-free DER. */
export function certificateJson(info: CertificateInfo) {
  const { der, publicKey, ...rest } = info;
  const { spki: _spki, ...key } = publicKey;
  return { ...rest, publicKey: key, der: Buffer.from(der).toString('base64') };
}
