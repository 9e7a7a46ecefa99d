// What a server does beyond choosing a version and a suite, each found by one hello: fallback SCSV, the downgrade sentinel, compression, heartbeat, encrypt-then-MAC, stapling and SCTs, the DHE prime.

import { DOWNGRADE_TLS11, DOWNGRADE_TLS12 } from '../../tls/handshake-tls12.js';
import { ExtensionType, TLS12, TLS13 } from '../../tls/msgs/index.js';
import { TLS_FALLBACK_SCSV } from '../../tls/suites.js';
import { equalBytes } from '../../bytes.js';
import { PROBE_EXTENSIONS, type ServerAnswer } from './hello.js';
import type { HelloSender } from './signature-schemes.js';
import { suiteName } from './suite-names.js';

/** RFC 7919 ffdhe2048 … ffdhe8192. */
const FFDHE_GROUP_IDS: readonly number[] = [0x0100, 0x0101, 0x0102, 0x0103, 0x0104];
/** x25519 and P-256, which a DHE hello offers too, as any client would. */
const EC_GROUPS_FOR_DHE: readonly number[] = [0x001d, 0x0017];
/** RFC 3749 DEFLATE, the one compression method TLS ever registered. */
const DEFLATE = 1;

type Hello = Extract<ServerAnswer, { kind: 'hello' }>;

/** A version the server took: its suites as found, and its answer to the first hello. */
export interface TakenVersion {
  version: number;
  suites: readonly number[];
  first: Hello;
}

/** Each answer is undefined when it does not apply (say, no older version to fall back to) or the server's answer said nothing. */
export interface HelloChecks {
  /** RFC 7507: a hello below the newest version, with TLS_FALLBACK_SCSV, was refused with inappropriate_fallback. */
  fallbackScsv?: boolean;
  /** RFC 8446 §4.1.3: a TLS 1.3 server's older ServerHellos end in DOWNGRD\x01 (TLS 1.2) or DOWNGRD\x00 (older). */
  downgradeSentinel?: boolean;
  /** The server chose DEFLATE when offered it (CRIME). */
  compression?: boolean;
  /** The server answered RFC 6520's heartbeat extension. */
  heartbeat?: boolean;
  /** RFC 7366: answered for a CBC suite. */
  encryptThenMac?: boolean;
  /** RFC 6066 §8: a CertificateStatus (a stapled OCSP response) followed the TLS 1.2 Certificate. */
  ocspStapling?: boolean;
  /** RFC 6962 §3.3.1: SCTs in the TLS 1.2 ServerHello's signed_certificate_timestamp extension. */
  sctExtension?: boolean;
  /** Bits of the DH prime of a TLS 1.2-or-older DHE suite, offered with RFC 7919's groups. */
  dheBits?: number;
  /** The RFC 7919 group that prime is, when it is one (rather than the server's own). */
  dheGroup?: string;
}

const hello = (a: ServerAnswer, version: number): Hello | undefined => (a.kind === 'hello' && a.version === version ? a : undefined);

/** RFC 8446 §4.1.3: the last eight bytes of the random a TLS 1.3 server sends when it negotiates `version`. */
const sentinelFor = (version: number) => (version === TLS12 ? DOWNGRADE_TLS12 : DOWNGRADE_TLS11);

/** Runs the checks against the versions the server took, newest first; at most six hellos. */
export async function helloChecks(send: HelloSender, taken: readonly TakenVersion[]): Promise<HelloChecks> {
  const out: HelloChecks = {};
  const older = taken.filter((v) => v.version < TLS13);
  if (taken[0]?.version === TLS13 && older.length) out.downgradeSentinel = older.every((v) => equalBytes(v.first.random.subarray(24), sentinelFor(v.version)));
  if (taken.length >= 2) {
    // The second newest version, as a client that fell back after a failed handshake would ask for it.
    const low = taken[1];
    const a = await send(low.version, [...low.suites, TLS_FALLBACK_SCSV]);
    if (a.kind === 'alert') out.fallbackScsv = a.alert === 'inappropriate_fallback';
    else if (hello(a, low.version)) out.fallbackScsv = false;
  }
  const legacy = older[0];
  if (!legacy) return out;
  const v = legacy.version;
  const compressed = hello(await send(v, legacy.suites, { compression: [DEFLATE, 0] }), v);
  if (compressed) out.compression = compressed.compression !== 0;
  const beat = hello(await send(v, legacy.suites, { heartbeat: true }), v);
  if (beat) out.heartbeat = beat.extensions.includes(PROBE_EXTENSIONS.heartbeat);
  const status = hello(await send(v, legacy.suites, { statusRequest: true }), v);
  if (status) {
    out.ocspStapling = status.stapled === true;
    out.sctExtension = status.sct === true;
  }
  const cbc = legacy.suites.filter((s) => /_CBC_/.test(suiteName(s)));
  if (cbc.length) {
    const etm = hello(await send(v, cbc, { encryptThenMac: true }), v);
    if (etm) out.encryptThenMac = etm.extensions.includes(ExtensionType.encrypt_then_mac);
  }
  const dhe = legacy.suites.filter((s) => /^TLS_DHE_/.test(suiteName(s)));
  if (dhe.length) {
    // RFC 7919 §3: the ffdhe groups in supported_groups let a server that knows them name its choice.
    const kx = hello(await send(v, dhe, { groups: [...EC_GROUPS_FOR_DHE, ...FFDHE_GROUP_IDS] }), v)?.keyExchange;
    if (kx?.dhBits) out.dheBits = kx.dhBits;
    if (kx?.dhGroup) out.dheGroup = kx.dhGroup;
  }
  return out;
}
