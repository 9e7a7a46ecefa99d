// Distinguished names: RFC 4514 strings to X.501 Names and back.

import { AttributeTypeAndValue, AttributeValue, Name, RelativeDistinguishedName } from '@peculiar/asn1-x509';
import * as asn1js from 'asn1js';
import { badInput, usage } from '../errors.js';
import { bmpString, latin1Bytes, oid as encodeOid, sequence, TAG as DER, tlv, universalString } from '../der/writer.js';
import { decodeOid, expectTlv, readTlv, type Tlv } from '../der/reader.js';
import { compareBytes, equalBytes, toHex } from '../bytes.js';

// ---------------------------------------------------------------------------------------------
// Attribute types
// ---------------------------------------------------------------------------------------------

/** How a value of the type is written when we build it (RFC 5280 §4.1.2.4, Appendix A). */
type ValueEncoding = 'utf8' | 'printable' | 'ia5';

interface AttributeTypeInfo {
  /** The name RFC 4514 §3 (or, where it has none, OpenSSL) prints. */
  readonly name: string;
  readonly oid: string;
  readonly aliases?: readonly string[];
  readonly encoding?: ValueEncoding;
  /** Upper bound in characters from RFC 5280 Appendix A (ub-…). */
  readonly max?: number;
  /** A country code: exactly two letters (ISO 3166, RFC 5280 Appendix A X520countryName). */
  readonly country?: boolean;
}

const ATTRIBUTE_TYPES: readonly AttributeTypeInfo[] = [
  { name: 'CN', oid: '2.5.4.3', aliases: ['commonName'], max: 64 },
  { name: 'SN', oid: '2.5.4.4', aliases: ['surname'], max: 64 },
  { name: 'serialNumber', oid: '2.5.4.5', encoding: 'printable', max: 64 },
  { name: 'C', oid: '2.5.4.6', aliases: ['countryName'], encoding: 'printable', country: true },
  { name: 'L', oid: '2.5.4.7', aliases: ['localityName'], max: 128 },
  { name: 'ST', oid: '2.5.4.8', aliases: ['stateOrProvinceName', 'S'], max: 128 },
  { name: 'STREET', oid: '2.5.4.9', aliases: ['streetAddress'], max: 128 },
  { name: 'O', oid: '2.5.4.10', aliases: ['organizationName'], max: 64 },
  { name: 'OU', oid: '2.5.4.11', aliases: ['organizationalUnitName'], max: 64 },
  { name: 'title', oid: '2.5.4.12', max: 64 },
  { name: 'businessCategory', oid: '2.5.4.15', max: 128 },
  { name: 'postalCode', oid: '2.5.4.17', max: 40 },
  { name: 'GN', oid: '2.5.4.42', aliases: ['givenName'], max: 64 },
  { name: 'initials', oid: '2.5.4.43', max: 64 },
  { name: 'generationQualifier', oid: '2.5.4.44', max: 64 },
  { name: 'dnQualifier', oid: '2.5.4.46', encoding: 'printable' },
  { name: 'pseudonym', oid: '2.5.4.65', max: 128 },
  { name: 'organizationIdentifier', oid: '2.5.4.97' },
  { name: 'DC', oid: '0.9.2342.19200300.100.1.25', aliases: ['domainComponent'], encoding: 'ia5', max: 63 },
  { name: 'UID', oid: '0.9.2342.19200300.100.1.1', aliases: ['userId'], max: 256 },
  { name: 'emailAddress', oid: '1.2.840.113549.1.9.1', aliases: ['E', 'email'], encoding: 'ia5', max: 255 },
  // EV certificates (CA/Browser Forum EV Guidelines §9.2.4)
  { name: 'jurisdictionL', oid: '1.3.6.1.4.1.311.60.2.1.1', max: 128 },
  { name: 'jurisdictionST', oid: '1.3.6.1.4.1.311.60.2.1.2', max: 128 },
  { name: 'jurisdictionC', oid: '1.3.6.1.4.1.311.60.2.1.3', encoding: 'printable', country: true },
];

const TYPE_BY_OID = new Map(ATTRIBUTE_TYPES.map((t) => [t.oid, t]));
// RFC 4512 §2.5: attribute type names are case-insensitive.
const TYPE_BY_NAME = new Map(ATTRIBUTE_TYPES.flatMap((t) => [t.name, ...(t.aliases ?? [])].map((n) => [n.toLowerCase(), t] as const)));

const TYPE_HINT = 'use CN, O, OU, C, ST, L, STREET, DC, UID, emailAddress, serialNumber, title, GN, SN or a dotted OID';

// RFC 4512 §1.4 numericoid: no leading zeros in an arc; X.660 allows only 0, 1 and 2 first,
// and under 0 and 1 only 0 to 39 second (X.690 §8.19.4 packs the two into one number).
const NUMERIC_OID = /^(?:[01]\.(?:[0-9]|[1-3][0-9])|2\.(?:0|[1-9][0-9]*))(\.(0|[1-9][0-9]*))*$/;
const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;
const ASCII = /^[\x00-\x7f]*$/;

// ---------------------------------------------------------------------------------------------
// Parsing RFC 4514 strings
// ---------------------------------------------------------------------------------------------

const utf8Encoder = new TextEncoder();
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/** Characters RFC 4514 §3 lets a backslash escape as themselves (`special` and backslash). */
const ESCAPABLE = new Set([',', '+', '"', '\\', '<', '>', ';', '=', '#', ' ']);
/** Characters that may not appear unescaped in a value (RFC 4514 §3 `escaped`). */
const MUST_ESCAPE = new Set(['"', '<', '>', ';']);

const isHexDigit = (c: string | undefined) => c !== undefined && /^[0-9a-fA-F]$/.test(c);

/**
 * Parses an RFC 4514 distinguished name (`CN=www.example.com,O=Example,C=US`) into a Name.
 * The string lists the most significant RDN last (RFC 4514 §2.1), so the Name's first RDN is the
 * string's last one. Spaces around `,`, `+` and `=` are forgiven, since people type them.
 * An empty or blank string is the empty Name.
 */
export function parseName(text: string): Name {
  if (text.trim() === '') return new Name([]);
  const parser = new DnParser(text);
  const rdns: RelativeDistinguishedName[] = [];
  for (;;) {
    rdns.push(parser.relativeDistinguishedName());
    if (parser.atEnd()) break;
    parser.expectComma();
  }
  return new Name(rdns.reverse());
}

class DnParser {
  private i = 0;

  constructor(private readonly text: string) {}

  atEnd(): boolean {
    return this.i >= this.text.length;
  }

  expectComma(): void {
    if (this.text[this.i] !== ',') throw this.error(`expected "," at position ${this.i + 1}`);
    this.i++;
  }

  relativeDistinguishedName(): RelativeDistinguishedName {
    const values = [this.attributeTypeAndValue()];
    while (this.text[this.i] === '+') {
      this.i++;
      values.push(this.attributeTypeAndValue());
    }
    if (values.length === 1) return new RelativeDistinguishedName(values);
    // A SET OF is encoded in ascending order of its members' encodings (X.690 §11.6).
    const encoded = values.map((v) => ({ v, der: encodeAttribute(v) }));
    // Complete TLVs are never proper prefixes of each other, so byte order is X.690's padded order.
    encoded.sort((a, b) => compareBytes(a.der, b.der));
    return new RelativeDistinguishedName(encoded.map((e) => e.v));
  }

  private attributeTypeAndValue(): AttributeTypeAndValue {
    const { text } = this;
    const eq = text.indexOf('=', this.i);
    const stop = nextSeparator(text, this.i);
    if (eq < 0 || (stop >= 0 && stop < eq)) {
      const part = text.slice(this.i, stop < 0 ? undefined : stop).trim();
      throw this.error(part ? `"${part}" has no "="` : `an attribute is missing at position ${this.i + 1}`);
    }
    const typeText = text.slice(this.i, eq).trim();
    this.i = eq + 1;
    const { oid, info } = resolveType(typeText, text);
    while (text[this.i] === ' ') this.i++;
    const value = text[this.i] === '#' ? this.hexValue(typeText) : this.stringValue(typeText, info);
    return new AttributeTypeAndValue({ type: oid, value });
  }

  /** `#` and the hex of a BER-encoded value (RFC 4514 §2.4, §3 `hexstring`). */
  private hexValue(typeText: string): AttributeValue {
    const { text } = this;
    const start = ++this.i;
    while (isHexDigit(text[this.i])) this.i++;
    const hex = text.slice(start, this.i);
    while (text[this.i] === ' ') this.i++;
    if (!this.atEnd() && text[this.i] !== ',' && text[this.i] !== '+') {
      throw this.error(`"${text[this.i]}" in the #hex value of ${typeText}: a #value is hex digits only`);
    }
    if (hex.length === 0 || hex.length % 2) throw this.error(`the #hex value of ${typeText} needs an even number of hex digits`);
    const bytes = Uint8Array.from(Buffer.from(hex, 'hex'));
    const ber = asn1js.fromBER(bytes);
    if (ber.offset === -1 || ber.offset !== bytes.length) {
      throw this.error(`"#${hex}" given for ${typeText} is not one BER-encoded value`);
    }
    return new AttributeValue({ anyValue: bytes.buffer });
  }

  private stringValue(typeText: string, info: AttributeTypeInfo | undefined): AttributeValue {
    const { text } = this;
    const bytes: number[] = [];
    let significant = 0; // bytes up to the last character that is not an unescaped space
    while (!this.atEnd()) {
      const c = text[this.i];
      if (c === ',' || c === '+') break;
      if (c === '\\') {
        const next = text[this.i + 1];
        if (next === undefined) throw this.error(`the value of ${typeText} ends with a lone "\\"`);
        if (isHexDigit(next) && isHexDigit(text[this.i + 2])) {
          bytes.push(parseInt(text.slice(this.i + 1, this.i + 3), 16));
          this.i += 3;
        } else if (ESCAPABLE.has(next)) {
          bytes.push(next.charCodeAt(0));
          this.i += 2;
        } else {
          throw this.error(`"\\${next}" in the value of ${typeText} is not an escape: escape only ,+"\\<>;=# and space, or write \\XX hex`);
        }
        significant = bytes.length;
        continue;
      }
      if (MUST_ESCAPE.has(c)) throw this.error(`unescaped "${c}" in the value of ${typeText}: write \\${c}`);
      const cp = text.codePointAt(this.i)!;
      // ASCII is its own UTF-8, and most names are ASCII: no encoder call, no array per character.
      if (cp < 0x80) {
        bytes.push(cp);
        this.i++;
        if (c !== ' ') significant = bytes.length;
        continue;
      }
      const ch = String.fromCodePoint(cp);
      for (const b of utf8Encoder.encode(ch)) bytes.push(b);
      this.i += ch.length;
      if (c !== ' ') significant = bytes.length;
    }
    bytes.length = significant;
    if (bytes.length === 0) throw this.error(`empty value for ${typeText}`);
    let value: string;
    try {
      value = utf8Strict.decode(Uint8Array.from(bytes));
    } catch {
      throw this.error(`the \\XX escapes in the value of ${typeText} are not UTF-8`);
    }
    return encodeValue(typeText, value, info, this.text);
  }

  private error(message: string) {
    return usage(`bad distinguished name "${this.text}": ${message}`);
  }
}

/** Index of the next unescaped `,` or `+` from `from`, or -1. */
function nextSeparator(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') i++;
    else if (c === ',' || c === '+') return i;
  }
  return -1;
}

function resolveType(typeText: string, text: string): { oid: string; info?: AttributeTypeInfo } {
  const bad = (why: string) => usage(`bad distinguished name "${text}": ${why}`);
  if (typeText === '') throw bad('an attribute type is missing before "="');
  const numeric = typeText.replace(/^oid\./i, '');
  if (/^[0-9.]+$/.test(numeric)) {
    if (!NUMERIC_OID.test(numeric)) throw bad(`"${typeText}" is not a dotted OID`);
    return { oid: numeric, info: TYPE_BY_OID.get(numeric) };
  }
  const info = TYPE_BY_NAME.get(typeText.toLowerCase());
  if (!info) throw bad(`unknown attribute type "${typeText}": ${TYPE_HINT}`);
  return { oid: info.oid, info };
}

/** Picks the string type: PrintableString for C and serialNumber, IA5String for DC and email, else UTF8String. */
function encodeValue(typeText: string, value: string, info: AttributeTypeInfo | undefined, text: string): AttributeValue {
  const bad = (why: string) => usage(`bad distinguished name "${text}": ${why}`);
  if (info?.country && !/^[A-Za-z]{2}$/.test(value)) throw bad(`${typeText} must be a two-letter country code (ISO 3166), not "${value}"`);
  if (info?.max !== undefined && [...value].length > info.max) {
    throw bad(`${typeText} may be at most ${info.max} characters (RFC 5280 Appendix A); "${value}" has ${[...value].length}`);
  }
  switch (info?.encoding) {
    case 'printable':
      if (!PRINTABLE.test(value)) throw bad(`${typeText} allows only letters, digits, spaces and '()+,-./:=? (PrintableString): "${value}"`);
      return new AttributeValue({ printableString: value });
    case 'ia5':
      if (!ASCII.test(value)) throw bad(`${typeText} must be ASCII (IA5String): "${value}"`);
      return new AttributeValue({ ia5String: value });
    default:
      return new AttributeValue({ utf8String: value });
  }
}


// ---------------------------------------------------------------------------------------------
// Formatting to RFC 4514
// ---------------------------------------------------------------------------------------------

const TAG_SEQUENCE = 0x30;
const TAG_SET = 0x31;
const TAG_OID = 0x06;

const latin1 = new TextDecoder('latin1');
const utf16be = new TextDecoder('utf-16be', { fatal: true });

/** Short names by OID, and dotted text by the OID's content octets: the same few OIDs recur. */
const oidTextCache = new Map<string, string>();

function oidText(der: Uint8Array, start: number, end: number): string {
  let key = '';
  for (let i = start; i < end; i++) key += String.fromCharCode(der[i]);
  let text = oidTextCache.get(key);
  if (text === undefined) {
    text = decodeOid(der, start, end);
    if (oidTextCache.size < 1024) oidTextCache.set(key, text);
  }
  return text;
}

/** Decodes a string-typed attribute value, or returns undefined when it is not a string type. */
function decodeDirectoryString(der: Uint8Array, tag: number, start: number, end: number): string | undefined {
  switch (tag) {
    case 0x13: // PrintableString
    case 0x16: // IA5String
    case 0x12: // NumericString
    case 0x1a: {
      // VisibleString
      let s = '';
      for (let i = start; i < end; i++) {
        const b = der[i];
        if (b > 0x7f) return latin1.decode(der.subarray(start, end));
        s += String.fromCharCode(b);
      }
      return s;
    }
    case 0x0c: // UTF8String
      try {
        return utf8Strict.decode(der.subarray(start, end));
      } catch {
        return undefined;
      }
    case 0x14: // TeletexString: T.61 in theory, Latin-1 in every certificate that uses it
      return latin1.decode(der.subarray(start, end));
    case 0x1e: // BMPString: UCS-2 big-endian
      try {
        return utf16be.decode(der.subarray(start, end));
      } catch {
        return undefined;
      }
    case 0x1c: {
      // UniversalString: UCS-4 big-endian
      if ((end - start) % 4) return undefined;
      let s = '';
      for (let i = start; i < end; i += 4) {
        const cp = ((der[i] << 24) | (der[i + 1] << 16) | (der[i + 2] << 8) | der[i + 3]) >>> 0;
        if (cp > 0x10ffff) return undefined;
        s += String.fromCodePoint(cp);
      }
      return s;
    }
    default:
      return undefined;
  }
}

/**
 * Escapes a value as RFC 4514 §2.4 says: `"+,;<>\` always; `#` and space when leading; space when
 * trailing; NUL as `\00`. Other control characters are escaped as `\XX` too (§2.4 allows escaping
 * any character), so a name never moves a terminal's cursor.
 */
export function escapeValue(value: string): string {
  let out = '';
  const last = value.length - 1;
  for (let i = 0; i <= last; i++) {
    const c = value[i];
    const code = c.charCodeAt(0);
    if (c === '"' || c === '+' || c === ',' || c === ';' || c === '<' || c === '>' || c === '\\') out += '\\' + c;
    else if ((c === '#' || c === ' ') && i === 0) out += '\\' + c;
    else if (c === ' ' && i === last) out += '\\ ';
    else if (code < 0x20 || code === 0x7f) out += '\\' + code.toString(16).padStart(2, '0').toUpperCase();
    else out += c;
  }
  return out;
}

/**
 * Formats a Name (or its DER) as an RFC 4514 string: the last RDN first, `+` inside a
 * multi-valued RDN, known types by their short names and unknown ones as `dotted.oid=#HEX`
 * of the value's DER (RFC 4514 §2.3, §2.4; upper-case hex as OpenSSL prints it). Throws
 * BAD_INPUT on DER that is not a Name.
 */
export function formatName(name: Name | Uint8Array): string {
  const der = name instanceof Uint8Array ? name : encodeName(name);
  const seq = readTlv(der, 0);
  if (seq.tag !== TAG_SEQUENCE || seq.end !== der.length) throw badInput('not a DER distinguished name');
  return formatNameAt(der, seq);
}

/** Formats the Name whose SEQUENCE is `seq` inside a larger DER buffer (a certificate). */
export function formatNameAt(der: Uint8Array, seq: Tlv): string {
  const rdns: string[] = [];
  for (let p = seq.valueStart; p < seq.end; ) {
    const set = expectTlv(der, p, seq.end, TAG_SET, 'an RDN SET');
    let rdn = '';
    for (let q = set.valueStart; q < set.end; ) {
      const atv = expectTlv(der, q, set.end, TAG_SEQUENCE, 'an AttributeTypeAndValue');
      const type = expectTlv(der, atv.valueStart, atv.end, TAG_OID, 'an attribute type');
      const value = readTlv(der, type.end, atv.end);
      if (value.end !== atv.end) throw badInput(`extra data in an AttributeTypeAndValue at offset ${atv.start}`);
      const oid = oidText(der, type.valueStart, type.end);
      const info = TYPE_BY_OID.get(oid);
      const text = info ? decodeDirectoryString(der, value.tag, value.valueStart, value.end) : undefined;
      const part =
        text !== undefined ? `${info!.name}=${escapeValue(text)}` : `${info?.name ?? oid}=#${toHex(der.subarray(value.start, value.end)).toUpperCase()}`;
      // Within a multi-valued RDN, too, the last member comes first: the order is free (RFC 4514
      // §2.2), and this is the one `openssl -nameopt RFC2253` prints, so the two can be compared.
      rdn = rdn ? `${part}+${rdn}` : part;
      q = atv.end;
    }
    if (!rdn) throw badInput(`empty RDN at offset ${set.start}`);
    rdns.push(rdn);
    p = set.end;
  }
  let out = '';
  for (let i = rdns.length - 1; i >= 0; i--) out += i === rdns.length - 1 ? rdns[i] : ',' + rdns[i];
  return out;
}

/**
 * The DER of a Name. RelativeDistinguishedNames are written as given: parseName has already put
 * the members of a multi-valued one in DER order.
 */
export function encodeName(name: Name): Uint8Array {
  return sequence(...Array.from(name, encodeRelativeDistinguishedName));
}

/** RelativeDistinguishedName ::= SET OF AttributeTypeAndValue, its members as given. */
export const encodeRelativeDistinguishedName = (rdn: RelativeDistinguishedName): Uint8Array => tlv(DER.SET, ...Array.from(rdn, encodeAttribute));

/**
 * One AttributeTypeAndValue ::= SEQUENCE { type OBJECT IDENTIFIER, value ANY }. The value is the
 * one member of the AttributeValue CHOICE that is set (with several, the first in the order the
 * CHOICE lists them). Strings whose characters are octets (Teletex, Printable, IA5) take each
 * character's low octet, which gives back the octets a file held when asn1-x509 read them; an
 * ANY value is written as given.
 */
function encodeAttribute(atv: AttributeTypeAndValue): Uint8Array {
  let type: Uint8Array;
  try {
    type = encodeOid(atv.type);
  } catch (e) {
    throw badInput(`"${atv.type}" in a name is not an object identifier`, e);
  }
  return sequence(type, encodeAttributeValue(atv.value));
}

function encodeAttributeValue(v: AttributeValue): Uint8Array {
  if (v.teletexString !== undefined) return tlv(DER.TELETEX_STRING, latin1Bytes(v.teletexString));
  if (v.printableString !== undefined) return tlv(DER.PRINTABLE_STRING, latin1Bytes(v.printableString));
  if (v.universalString !== undefined) return universalString(v.universalString);
  if (v.utf8String !== undefined) return tlv(DER.UTF8_STRING, utf8Encoder.encode(v.utf8String));
  if (v.bmpString !== undefined) return bmpString(v.bmpString);
  if (v.ia5String !== undefined) return tlv(DER.IA5_STRING, latin1Bytes(v.ia5String));
  if (v.anyValue !== undefined) return new Uint8Array(v.anyValue);
  throw badInput('an attribute in a name has no value');
}

/**
 * Whether two DER Names name the same entity: equal octets, or equal after the case folding and
 * space squeezing of RFC 5280 §7.1 (a close approximation of RFC 4518 string preparation).
 */
export function namesMatch(a: Uint8Array, b: Uint8Array): boolean {
  if (equalBytes(a, b)) return true;
  const fold = (der: Uint8Array) => formatName(der).toLowerCase().replace(/ +/g, ' ');
  return fold(a) === fold(b);
}
