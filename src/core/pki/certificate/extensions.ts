// The extensions kyman writes into certificates and requests (RFC 5280 §4.2), with the DER writer.

import { GeneralName, KeyUsageFlags } from '@peculiar/asn1-x509';
import { usage } from '../../errors.js';
import * as DER from '../../der/writer.js';
import { contextTag, readTlv, valueOf } from '../../der/reader.js';
import { encodeName } from '../name.js';
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

/**
 * A GeneralName (RFC 5280 §4.2.1.6) under its context tag: IMPLICIT for the strings, the
 * address, the OID and OtherName, EXPLICIT for directoryName (a Name is a CHOICE). The one member
 * set is written (with several, the first in the order the CHOICE lists them); the IA5String
 * kinds take each character's low octet, as asn1-x509 read them. An iPAddress is 4 or 16 octets,
 * or for a name constraint `address/prefix`, the address and its mask (§4.2.1.10).
 */
export function encodeGeneralName(gn: GeneralName): Uint8Array {
  if (gn.otherName !== undefined) {
    // OtherName ::= SEQUENCE { type-id OBJECT IDENTIFIER, value [0] EXPLICIT ANY DEFINED BY type-id }
    return DER.tlv(contextTag(0), DER.oid(gn.otherName.typeId), DER.tlv(contextTag(0), new Uint8Array(gn.otherName.value)));
  }
  if (gn.rfc822Name !== undefined) return DER.tlv(contextTag(1, false), DER.latin1Bytes(gn.rfc822Name));
  if (gn.dNSName !== undefined) return DER.tlv(contextTag(2, false), DER.latin1Bytes(gn.dNSName));
  if (gn.directoryName !== undefined) return DER.tlv(contextTag(4), encodeName(gn.directoryName));
  if (gn.uniformResourceIdentifier !== undefined) return DER.tlv(contextTag(6, false), DER.latin1Bytes(gn.uniformResourceIdentifier));
  if (gn.iPAddress !== undefined) return DER.tlv(contextTag(7, false), ipAddressOctets(gn.iPAddress));
  if (gn.registeredID !== undefined) {
    const oid = DER.oid(gn.registeredID);
    return DER.tlv(contextTag(8, false), valueOf(oid, readTlv(oid, 0)));
  }
  throw usage('kyman writes GeneralNames of the kinds otherName, rfc822Name, dNSName, directoryName, uniformResourceIdentifier, iPAddress and registeredID only');
}

/** An iPAddress's octets: the address, or for `address/prefix` the address and then its mask. */
function ipAddressOctets(text: string): Uint8Array {
  const slash = text.indexOf('/');
  if (slash < 0) return parseIpAddress(text);
  const address = parseIpAddress(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  const prefix = Number(prefixText);
  if (!/^\d+$/.test(prefixText) || prefix > address.length * 8) throw usage(`"${text}" is not an address and a prefix length`);
  const mask = new Uint8Array(address.length);
  for (let bit = 0; bit < prefix; bit++) mask[bit >> 3] |= 0x80 >> (bit & 7);
  const out = new Uint8Array(address.length * 2);
  out.set(address);
  out.set(mask, address.length);
  return out;
}

/** RFC 9881 §5: the key usages an ML-DSA certificate MUST NOT assert. */
const ML_DSA_FORBIDDEN_USAGES =
  KeyUsageFlags.keyEncipherment | KeyUsageFlags.dataEncipherment | KeyUsageFlags.keyAgreement | KeyUsageFlags.encipherOnly | KeyUsageFlags.decipherOnly;

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
  // RFC 9881 §5: an ML-DSA key only signs; it cannot encrypt or agree keys.
  if (keyType === 'ml-dsa' && flags & ML_DSA_FORBIDDEN_USAGES) {
    throw usage(`an ML-DSA key only signs: its key usage may not include ${KEY_USAGES.filter((k) => k.flag & flags & ML_DSA_FORBIDDEN_USAGES).map((k) => k.name).join(', ')} (RFC 9881 §5)`);
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

