// The extensions kyman writes into certificates and requests (RFC 5280 §4.2), with the DER writer.

import { AsnConvert } from '@peculiar/asn1-schema';
import { GeneralName, KeyUsageFlags } from '@peculiar/asn1-x509';
import { usage } from '../../errors.js';
import * as DER from '../../der/writer.js';
import { OID } from '../../der/oids.js';
import { parseIpAddress, parseSubjectAltName } from '../general-name.js';
import type { CertificateOptions, PublicKeyInfo } from './types.js';
import { EKU_BY_NAME, EXTENDED_KEY_USAGES, KEY_USAGE_BY_NAME, KEY_USAGES } from './usages.js';

/** RFC 5280 §4.1 Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }. */
export function encodeExtension(extnID: string, critical: boolean, value: Uint8Array): Uint8Array {
  return DER.sequence(DER.oid(extnID), critical ? DER.BOOLEAN_TRUE : DER.EMPTY, DER.octetString(value));
}

/** RFC 5280 §4.2.1.3 KeyUsage, a named BIT STRING: trailing zero bits dropped (X.690 §11.2.2). */
function keyUsageDer(flags: number): Uint8Array {
  // KeyUsageFlags gives bit n of the BIT STRING the value 2^n.
  let bits = 0;
  for (let f = flags; f; f >>>= 1) bits++;
  const octets = new Uint8Array(Math.ceil(bits / 8));
  for (let n = 0; n < bits; n++) if (flags & (1 << n)) octets[n >> 3] |= 0x80 >> (n & 7);
  return DER.tlv(DER.TAG.BIT_STRING, Uint8Array.of(octets.length * 8 - bits), octets);
}

const ASCII = /^[\x00-\x7f]*$/;

/**
 * A GeneralName (RFC 5280 §4.2.1.6) of the four kinds parseSubjectAltName makes, as the schema
 * classes write it: IA5String and OCTET STRING contents under implicit context tags. Anything
 * else, or a CHOICE with more than one member set, goes through the schema classes.
 */
export function encodeGeneralName(gn: GeneralName): Uint8Array {
  if (Object.values(gn).filter((v) => v !== undefined).length === 1) {
    if (gn.dNSName !== undefined && ASCII.test(gn.dNSName)) return DER.tlv(0x82, Buffer.from(gn.dNSName, 'latin1'));
    if (gn.rfc822Name !== undefined && ASCII.test(gn.rfc822Name)) return DER.tlv(0x81, Buffer.from(gn.rfc822Name, 'latin1'));
    if (gn.uniformResourceIdentifier !== undefined && ASCII.test(gn.uniformResourceIdentifier)) return DER.tlv(0x86, Buffer.from(gn.uniformResourceIdentifier, 'latin1'));
    if (gn.iPAddress !== undefined && !gn.iPAddress.includes('/')) {
      try {
        return DER.tlv(0x87, parseIpAddress(gn.iPAddress));
      } catch {
        // not an address parseIpAddress reads: the schema's converter decides
      }
    }
  }
  return new Uint8Array(AsnConvert.serialize(gn));
}

/** The extensions' DER, in the order kyman has always written them. */
export function extensionsFor(
  options: CertificateOptions,
  emptySubject: boolean,
  keyType: PublicKeyInfo['type'],
  subjectKeyId: Uint8Array,
  issuerKeyId: Uint8Array | undefined,
): Uint8Array[] {
  const ca = options.ca ?? false;
  if (options.pathLength !== undefined) {
    if (!ca) throw usage('a path length constraint needs a CA certificate (RFC 5280 §4.2.1.9)');
    if (!Number.isInteger(options.pathLength) || options.pathLength < 0) throw usage(`the path length must be a whole number ≥ 0, not ${options.pathLength}`);
  }
  const keyUsage =
    options.keyUsage ?? (ca ? ['keyCertSign', 'cRLSign', 'digitalSignature'] : keyType === 'rsa' ? ['digitalSignature', 'keyEncipherment'] : ['digitalSignature']);
  let flags = 0;
  for (const name of keyUsage) {
    const k = KEY_USAGE_BY_NAME.get(name.toLowerCase());
    if (!k) throw usage(`unknown key usage "${name}": use ${KEY_USAGES.map((u) => u.name).join(', ')}`);
    flags |= k.flag;
  }
  // RFC 5280 §4.2.1.9: keyCertSign asserted means cA MUST be asserted.
  if (flags & KeyUsageFlags.keyCertSign && !ca) throw usage('keyCertSign needs a CA certificate: add the CA option');
  const ekus = options.extendedKeyUsage ?? (ca ? [] : ['serverAuth', 'clientAuth']);
  const ekuOids = ekus.map((name) => {
    if (/^[0-2](\.(0|[1-9][0-9]*))+$/.test(name)) return name;
    const e = EKU_BY_NAME.get(name.toLowerCase());
    if (!e) throw usage(`unknown extended key usage "${name}": use ${EXTENDED_KEY_USAGES.map((u) => u.name).join(', ')} or a dotted OID`);
    return e.oid;
  });
  const altNames = (options.subjectAltNames ?? []).map(parseSubjectAltName);
  // RFC 5280 §4.1.2.6: an empty subject needs the subjectAltName extension, marked critical.
  if (emptySubject && altNames.length === 0) throw usage('the subject is empty, so the certificate needs at least one subject alternative name');

  // BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER OPTIONAL }; DER leaves a FALSE cA out.
  const basicConstraints = ca ? DER.sequence(DER.BOOLEAN_TRUE, options.pathLength !== undefined ? DER.integer(options.pathLength) : DER.EMPTY) : DER.sequence();
  const out = [encodeExtension(OID.id_ce_basicConstraints, true, basicConstraints)];
  if (flags) out.push(encodeExtension(OID.id_ce_keyUsage, true, keyUsageDer(flags)));
  if (ekuOids.length) out.push(encodeExtension(OID.id_ce_extKeyUsage, false, DER.sequence(...ekuOids.map((o) => DER.oid(o)))));
  out.push(encodeExtension(OID.id_ce_subjectKeyIdentifier, false, DER.octetString(subjectKeyId)));
  // AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] IMPLICIT KeyIdentifier OPTIONAL, ... }
  if (issuerKeyId) out.push(encodeExtension(OID.id_ce_authorityKeyIdentifier, false, DER.sequence(DER.tlv(0x80, issuerKeyId))));
  if (altNames.length) {
    out.push(encodeExtension(OID.id_ce_subjectAltName, emptySubject, DER.sequence(...altNames.map(encodeGeneralName))));
  }
  return out;
}

