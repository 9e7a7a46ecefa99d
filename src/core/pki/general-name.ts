// Subject alternative names: `dns:`, `ip:`, `email:` and `uri:` specs to GeneralNames (RFC 5280 §4.2.1.6) and back.

import { isIPv4, isIPv6 } from 'node:net';
import { domainToASCII } from 'node:url';
import { GeneralName } from '@peculiar/asn1-x509';
import { usage } from '../errors.js';
import { toHex } from '../bytes.js';
import { formatName } from './name.js';

const SAN_HINT = 'use dns:NAME, ip:ADDRESS, email:ADDRESS or uri:URI';

/** Characters an IA5String may carry and a person means to type: printable ASCII, no spaces. */
const PRINTABLE_ASCII = /^[\x21-\x7e]+$/;
/** A DNS label (RFC 1035 §2.3.1, with RFC 1123's leading digits and the `_` service labels use). */
const DNS_LABEL = /^(?!-)[A-Za-z0-9_-]{1,63}(?<!-)$/;
/** RFC 3986 §3.1 scheme. */
const URI_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;

/**
 * Parses one `--san` spec. Internationalised domain names become their A-labels (`xn--…`), as
 * RFC 5280 §7.2 wants dNSName to carry them; IP addresses become 4 or 16 octets.
 */
export function parseSubjectAltName(spec: string): GeneralName {
  const colon = spec.indexOf(':');
  if (colon < 0) throw usage(`bad subject alternative name "${spec}": no type given; ${SAN_HINT}`);
  const kind = spec.slice(0, colon).trim().toLowerCase();
  const value = spec.slice(colon + 1).trim();
  const bad = (why: string) => usage(`bad subject alternative name "${spec}": ${why}`);
  if (value === '') throw bad(`the ${kind} value is empty`);
  switch (kind) {
    case 'dns':
      return new GeneralName({ dNSName: dnsName(value, bad) });
    case 'ip':
      return new GeneralName({ iPAddress: ipText(parseIpAddress(value, bad)) });
    case 'email':
    case 'rfc822':
      return new GeneralName({ rfc822Name: mailbox(value, bad) });
    case 'uri':
    case 'url':
      if (!URI_SCHEME.test(value)) throw bad('a URI needs a scheme, e.g. https://host/path');
      if (!PRINTABLE_ASCII.test(value)) throw bad('a URI must be ASCII without spaces: percent-encode the rest (RFC 3986)');
      return new GeneralName({ uniformResourceIdentifier: value });
    default:
      throw bad(`unknown type "${kind}"; ${SAN_HINT}`);
  }
}

function dnsName(value: string, bad: (why: string) => Error): string {
  // A wildcard is only ever the whole left-most label (RFC 6125 §6.4.3 as CAs apply it).
  const wildcard = value.startsWith('*.');
  const rest = wildcard ? value.slice(2) : value.replace(/\.$/, '');
  const ascii = PRINTABLE_ASCII.test(rest) ? rest : domainToASCII(rest);
  if (!ascii) throw bad(`"${value}" is not a domain name`);
  const labels = ascii.split('.');
  if (ascii.length > 253 || !labels.every((l) => DNS_LABEL.test(l))) throw bad(`"${value}" is not a domain name`);
  return (wildcard ? '*.' : '') + ascii.toLowerCase();
}

function mailbox(value: string, bad: (why: string) => Error): string {
  const at = value.lastIndexOf('@');
  if (at <= 0 || at === value.length - 1) throw bad(`"${value}" is not an email address (local@domain)`);
  const local = value.slice(0, at);
  // RFC 5280 §4.2.1.6: rfc822Name is an IA5String; a non-ASCII local part needs SmtpUTF8Mailbox (RFC 9598).
  if (!PRINTABLE_ASCII.test(local)) throw bad('the part before "@" must be ASCII');
  return `${local}@${dnsName(value.slice(at + 1), bad)}`;
}

/** The 4 or 16 octets of an IPv4 or IPv6 address in text form. */
export function parseIpAddress(value: string, bad: (why: string) => Error = (why) => usage(why)): Uint8Array {
  if (isIPv4(value)) return Uint8Array.from(value.split('.').map(Number));
  if (!isIPv6(value)) throw bad(`"${value}" is not an IPv4 or IPv6 address`);
  if (value.includes('%')) throw bad(`"${value}" carries a zone index, which has no meaning in a certificate`);
  let text = value;
  const tail: number[] = [];
  const v4 = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    // An embedded IPv4 address (RFC 4291 §2.2, form 3) fills the last two groups.
    const [a, b, c, d] = v4[2].split('.').map(Number);
    tail.push((a << 8) | b, (c << 8) | d);
    text = v4[1].endsWith('::') ? v4[1] : v4[1].slice(0, -1);
  }
  const [head, rest] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = rest ? rest.split(':') : [];
  const missing = 8 - tail.length - left.length - right.length;
  const groups = [...left, ...Array<string>(rest === undefined ? 0 : missing).fill('0'), ...right].map((g) => parseInt(g, 16));
  groups.push(...tail);
  if (groups.length !== 8 || groups.some((g) => Number.isNaN(g))) throw bad(`"${value}" is not an IPv6 address`);
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

/**
 * Text for 4 or 16 octets: dotted quad, or RFC 5952 IPv6 (lower case, longest run of two or more
 * zero groups as `::`, IPv4-mapped addresses in mixed notation as §5 recommends).
 */
export function formatIpAddress(bytes: Uint8Array): string {
  if (bytes.length === 4) return Array.from(bytes).join('.');
  if (bytes.length !== 16) return `#${toHex(bytes)}`;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i] << 8) | bytes[i + 1]);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) return `::ffff:${Array.from(bytes.subarray(12)).join('.')}`;
  let best = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      best = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLength).join(':')}`;
}

/**
 * The text @peculiar/asn1-x509's GeneralName keeps for an iPAddress: it turns it into octets
 * itself. The uncompressed IPv6 form is the one its converter reads without loss.
 */
function ipText(bytes: Uint8Array): string {
  if (bytes.length === 4) return Array.from(bytes).join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] << 8) | bytes[i + 1]).toString(16));
  return groups.join(':');
}

/** Formats a GeneralName as the spec `parseSubjectAltName` reads, or a readable form for other kinds. */
export function formatGeneralName(gn: GeneralName): string {
  if (gn.dNSName !== undefined) return `dns:${gn.dNSName}`;
  if (gn.iPAddress !== undefined) {
    // Octets of other lengths (name-constraint ranges) arrive as `address/prefix` and stay so.
    if (gn.iPAddress.includes('/')) return `ip:${gn.iPAddress}`;
    try {
      return `ip:${formatIpAddress(parseIpAddress(gn.iPAddress))}`;
    } catch {
      return `ip:${gn.iPAddress}`;
    }
  }
  if (gn.rfc822Name !== undefined) return `email:${gn.rfc822Name}`;
  if (gn.uniformResourceIdentifier !== undefined) return `uri:${gn.uniformResourceIdentifier}`;
  if (gn.directoryName !== undefined) return `dirname:${formatName(gn.directoryName)}`;
  if (gn.registeredID !== undefined) return `rid:${gn.registeredID}`;
  if (gn.otherName !== undefined) return `othername:${gn.otherName.typeId};#${toHex(new Uint8Array(gn.otherName.value))}`;
  if (gn.x400Address !== undefined) return `x400:#${toHex(new Uint8Array(gn.x400Address))}`;
  if (gn.ediPartyName !== undefined) return `edi:${gn.ediPartyName.partyName.toString()}`;
  return 'unknown:';
}
