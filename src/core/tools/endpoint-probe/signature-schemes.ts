// The signature schemes a server will sign its handshake with, found by hellos: read from TLS 1.2's ServerKeyExchange, and by refusal in TLS 1.3.

import { SIGNATURE_SCHEMES } from '../../tls/suites.js';
import { OTHER_SCHEME_NAMES } from '../../tls/code-point-names.js';
import { TLS12, TLS13 } from '../../tls/msgs/index.js';
import type { HelloSpec, ServerAnswer } from './hello.js';
import { suiteName } from './suite-names.js';

/** One hello of `version` offering `suites`, with `extra` over the scan's usual extensions; counted against the scan's budget. */
export type HelloSender = (version: number, suites: readonly number[], extra?: Partial<HelloSpec>) => Promise<ServerAnswer>;

export interface SchemeFinding {
  id: number;
  name: string;
  /** SHA-1 or MD5: RFC 9155 deprecates them for TLS 1.2 handshake signatures. */
  weak: boolean;
}

/** Every scheme a TLS 1.2 hello offers: the engine's and those it only names (DSA, SHA-1, GOST, SM2 …). */
const ALL_SCHEME_IDS: readonly number[] = [...new Set([...SIGNATURE_SCHEMES.map((s) => s.id), ...Object.keys(OTHER_SCHEME_NAMES).map(Number)])];
/**
 * The schemes a TLS 1.3 CertificateVerify may use (RFC 8446 §4.2.3 and the registry's later TLS 1.3
 * entries: no PKCS #1 v1.5, SHA-1, SHA-224 or DSA), by the kind of key that signs with them. A
 * family is offered whole first, and its schemes one by one only when the server took it: a
 * server has keys of one or two kinds, so most families cost one hello.
 */
const TLS13_SCHEME_FAMILIES: readonly (readonly number[])[] = [
  [0x0403, 0x0503, 0x0603, 0x081a, 0x081b, 0x081c],
  [0x0804, 0x0805, 0x0806],
  [0x0809, 0x080a, 0x080b],
  [0x0807, 0x0808],
  [0x0904, 0x0905, 0x0906],
];

export const schemeName = (id: number): string => SIGNATURE_SCHEMES.find((s) => s.id === id)?.name ?? OTHER_SCHEME_NAMES[id] ?? `0x${id.toString(16).padStart(4, '0')}`;
const finding = (id: number): SchemeFinding => ({ id, name: schemeName(id), weak: /sha1$|md5/i.test(schemeName(id)) });

/**
 * TLS 1.2: the ServerKeyExchange of an (EC)DHE suite names its signature scheme in clear. All
 * schemes are offered, the one the server signs with removed, until it refuses or signs with
 * something not offered; the order is the server's. Undefined when no found suite is signed (RSA
 * key exchange, anonymous).
 */
export async function tls12Schemes(send: HelloSender, suites: readonly number[]): Promise<SchemeFinding[] | undefined> {
  const signed = suites.filter((s) => /^TLS_(EC)?DHE_(RSA|ECDSA|DSS)_/.test(suiteName(s)));
  if (!signed.length) return undefined;
  let left = [...ALL_SCHEME_IDS];
  const order: number[] = [];
  while (left.length) {
    const a = await send(TLS12, signed, { schemes: left });
    const scheme = a.kind === 'hello' && a.version === TLS12 ? a.keyExchange?.scheme : undefined;
    if (scheme === undefined || !left.includes(scheme)) break;
    order.push(scheme);
    left = left.filter((s) => s !== scheme);
  }
  return order.map(finding);
}

/**
 * TLS 1.3 encrypts CertificateVerify, so the scheme cannot be read: each family, then each scheme
 * of a family taken, is offered alone, and a server that has no certificate for it refuses (handshake_failure) before its ServerHello,
 * while one that can sign with it answers. Listed in the order tried, not the server's. (OpenSSL
 * and kyman choose the certificate before any HelloRetryRequest; a server that asked for
 * another share first would seem to take every scheme.)
 */
export async function tls13Schemes(send: HelloSender, suites: readonly number[]): Promise<SchemeFinding[]> {
  const takes = async (schemes: readonly number[]) => {
    const a = await send(TLS13, suites, { schemes });
    return a.kind === 'hello' && a.version === TLS13;
  };
  const out: SchemeFinding[] = [];
  for (const family of TLS13_SCHEME_FAMILIES) {
    if (!(await takes(family))) continue;
    for (const id of family) if (await takes([id])) out.push(finding(id));
  }
  return out;
}
