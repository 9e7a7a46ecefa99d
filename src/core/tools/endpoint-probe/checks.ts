// What an endpoint probe looks at (`--checks`): each check a group of hellos or handshakes, so a fleet run asks only what it needs.

import { usage } from '../../errors.js';

/**
 * `versions`: one hello per version; `suites`: every suite each version takes, in the server's order
 * (implies versions); `groups`: the TLS 1.3 groups; `schemes`: the signature schemes the server
 * signs with; `behaviour`: fallback, sentinel, compression, heartbeat, encrypt-then-MAC, stapling,
 * the DHE prime, and handshakes for resumption and ALPN (schemes and behaviour are asked with the
 * suites each version takes, so they imply suites); `chain`: one handshake for the certificate
 * chain, and its check.
 */
export const CHECKS = ['chain', 'versions', 'suites', 'groups', 'schemes', 'behaviour'] as const;
export type Check = (typeof CHECKS)[number];

/** One endpoint: everything. */
export const ALL_CHECKS: readonly Check[] = CHECKS;
/** A fleet: six connections an endpoint (five version hellos and the chain handshake), what a renewal round needs. */
export const FLEET_CHECKS: readonly Check[] = ['chain', 'versions'];

/** `chain,versions`: the checks named, in CHECKS order, with what each needs added (suites need versions; schemes and behaviour need suites). */
export function parseChecks(text: string): Check[] {
  const names = text.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  if (!names.length) throw usage(`--checks needs at least one of ${CHECKS.join(', ')}`);
  const wanted = new Set<Check>();
  for (const n of names) {
    const c = CHECKS.find((x) => x === n || (n === 'behavior' && x === 'behaviour'));
    if (!c) throw usage(`--checks: "${n}" is not a check (${CHECKS.join(', ')})`);
    wanted.add(c);
  }
  return resolveChecks([...wanted]);
}

/** The checks with what they need added, in CHECKS order; none given means all. */
export function resolveChecks(checks: readonly Check[] | undefined): Check[] {
  const wanted = new Set(checks ?? ALL_CHECKS);
  if (wanted.has('schemes') || wanted.has('behaviour')) wanted.add('suites');
  if (wanted.has('suites')) wanted.add('versions');
  return CHECKS.filter((c) => wanted.has(c));
}

/** Whether `check` is among `checks` (all when none are given). */
export const wants = (checks: readonly Check[] | undefined, check: Check): boolean => !checks || checks.includes(check);
