// What a TLS 1.2-or-older ServerKeyExchange shows in clear: the group or the DH prime's size, and the signature scheme.

import { equalBytes } from '../../bytes.js';
import { ffdhePrime, type FfdheGroup } from '../../crypto/ffdhe.js';
import { TLS12 } from '../../tls/msgs/index.js';
import { suiteName } from './suite-names.js';

/** RFC 8422 §5.4 ECCurveType named_curve: the only kind servers send. */
const NAMED_CURVE = 3;

export interface ServerKeyExchangeInfo {
  /** RFC 8422 named curve of an ECDHE exchange. */
  curve?: number;
  /** Bits of an ephemeral DH prime (RFC 5246 §7.4.3 dh_p). */
  dhBits?: number;
  /** The RFC 7919 group whose prime it is, when it is one. */
  dhGroup?: FfdheGroup;
  /** RFC 5246 §7.4.1.4.1 SignatureAndHashAlgorithm of the signature: TLS 1.2 only, and none for anonymous suites. */
  scheme?: number;
}

const FFDHE_GROUPS: readonly FfdheGroup[] = ['ffdhe2048', 'ffdhe3072', 'ffdhe4096', 'ffdhe6144', 'ffdhe8192'];

const bitLength = (b: Uint8Array): number => {
  let i = 0;
  while (i < b.length && b[i] === 0) i++;
  return i === b.length ? 0 : (b.length - i - 1) * 8 + (32 - Math.clz32(b[i]));
};

/** Reads `body` for `suite` at `version`; what it cannot read is left out rather than thrown, since detection only. */
export function readServerKeyExchange(body: Uint8Array, suite: number, version: number): ServerKeyExchangeInfo {
  const name = suiteName(suite);
  const u16 = (at: number) => (at + 2 <= body.length ? (body[at] << 8) | body[at + 1] : -1);
  let at = 0;
  const out: ServerKeyExchangeInfo = {};
  if (/^TLS_ECDH(E|_anon)_/.test(name)) {
    if (body[0] !== NAMED_CURVE) return out;
    out.curve = u16(1);
    at = 4 + (body[3] ?? 0);
  } else if (/^TLS_DH(E|_anon)_/.test(name)) {
    const pLength = u16(0);
    if (pLength < 0 || 2 + pLength > body.length) return out;
    const p = body.subarray(2, 2 + pLength);
    out.dhBits = bitLength(p);
    const named = FFDHE_GROUPS.find((g) => equalBytes(ffdhePrime(g), p));
    if (named) out.dhGroup = named;
    at = 2 + pLength;
    for (const _ of ['g', 'Ys']) at += 2 + Math.max(0, u16(at));
  } else return out;
  const signed = !/_anon_/.test(name);
  if (signed && version >= TLS12 && at + 2 <= body.length) out.scheme = u16(at);
  return out;
}
