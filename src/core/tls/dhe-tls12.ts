// TLS 1.2 finite-field DHE with the RFC 7919 groups (RFC 5246 §7.4.3, §8.1.2; RFC 7919 §3-§5): the server's choice of group, the group a ServerDHParams names, and the premaster secret.

import type { KeyShare } from '../crypto/provider.js';
import { ffdheFixedLength, ffdhePrime, type FfdheGroup } from '../crypto/ffdhe.js';
import { equalBytes } from '../bytes.js';
import { fatal } from './alerts.js';
import { usage } from '../errors.js';
import type { CipherSuite12, Group } from './suites.js';

/** RFC 7919 §2: NamedGroup code points 256 to 511 are finite-field groups, known to us or not. */
const FFDHE_CODE_POINTS = { first: 0x0100, last: 0x01ff } as const;

/** RFC 7919 Appendix A: the generator of every named finite-field group. */
const FFDHE_GENERATOR = 2;

const isFfdheCodePoint = (id: number) => id >= FFDHE_CODE_POINTS.first && id <= FFDHE_CODE_POINTS.last;
const ffGroup = (g: Group) => g.provider as FfdheGroup;

/** Why no DHE group could be chosen: the client named finite-field groups, none of them ours (RFC 7919 §4). */
export const NO_COMMON_FFDHE_GROUP = 'no-common-ffdhe-group';

/**
 * RFC 7919 §4: the group for a DHE suite, in the server's order. A client that lists any
 * finite-field group in supported_groups must get one of those (none in common: no DHE suite may be
 * chosen); one that lists none, or sends no supported_groups, does not know RFC 7919 and takes any
 * group the server likes: the server's first.
 */
export function chooseDheGroup(offered: readonly number[] | undefined, enabled: readonly Group[]): Group | typeof NO_COMMON_FFDHE_GROUP | undefined {
  const ours = enabled.filter((g) => g.kind === 'ff');
  if (!offered?.some(isFfdheCodePoint)) return ours[0];
  return ours.find((g) => offered.includes(g.id)) ?? NO_COMMON_FFDHE_GROUP;
}

/** RFC 5246 §7.4.3 ServerDHParams' dh_p and dh_g for a named group. */
export function dheGroupParams(group: Group): { dh_p: Uint8Array; dh_g: Uint8Array } {
  return { dh_p: ffdhePrime(ffGroup(group)), dh_g: Uint8Array.of(FFDHE_GENERATOR) };
}

/**
 * The group among ours that a ServerDHParams' prime and generator are. RFC 7919 §3 lets a client
 * recognise the named groups by value rather than test an arbitrary prime, which kyman does not.
 */
export function groupOfDhParams(dh_p: Uint8Array, dh_g: Uint8Array, groups: readonly Group[]): Group | undefined {
  const g = stripLeadingZeros(dh_g);
  if (g.length !== 1 || g[0] !== FFDHE_GENERATOR) return undefined;
  const p = stripLeadingZeros(dh_p);
  return groups.find((x) => x.kind === 'ff' && equalBytes(ffdhePrime(ffGroup(x)), p));
}

/**
 * The premaster secret from our share and the peer's public value. RFC 7919 §5.1: 1 < Y < p-1, and
 * a value outside is a handshake_failure (§3 for the client's check, §4 for the server's). RFC 5246
 * §8.1.2: the negotiated key Z is used with its leading zero bytes stripped.
 */
export function dhePremaster(share: KeyShare, group: Group, peerPublic: Uint8Array, peer: 'client' | 'server'): Uint8Array {
  const y = ffdheFixedLength(ffGroup(group), peerPublic);
  let z: Uint8Array;
  try {
    if (!y) throw new Error('it is longer than the prime');
    z = share.deriveSecret(y);
  } catch (e) {
    throw fatal('handshake_failure', `the ${peer}'s ${group.name} public value is outside 1 < Y < p-1 (RFC 7919 §5.1)`, e);
  }
  return stripLeadingZeros(z);
}

/** RFC 5246 §8.1.2: a big-endian value without its leading zero bytes. */
export function stripLeadingZeros(value: Uint8Array): Uint8Array {
  let i = 0;
  while (i < value.length && value[i] === 0) i++;
  return value.subarray(i);
}

/** USAGE for DHE suites enabled with no finite-field group to run them in: they could never be chosen (and a client must not offer them). */
export function checkDheGroups(suites12: readonly CipherSuite12[], groups: readonly Group[]): void {
  const dhe = suites12.filter((s) => s.kx === 'DHE_RSA');
  if (dhe.length && !groups.some((g) => g.kind === 'ff')) throw usage(`${dhe.map((s) => s.name).join(', ')} need a finite-field group (ffdhe2048 … ffdhe8192) among the groups`);
}
