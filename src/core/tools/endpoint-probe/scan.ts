// What an endpoint accepts, found hello by hello: versions, cipher suites per version and their order, TLS 1.3 groups, signature schemes, and the behaviour hellos show.

import { failed } from '../../errors.js';
import { GROUPS, SIGNATURE_SCHEMES } from '../../tls/suites.js';
import { OTHER_GROUP_NAMES, OTHER_SCHEME_NAMES } from '../../tls/code-point-names.js';
import { ExtensionType, TLS10, TLS11, TLS12, TLS13 } from '../../tls/msgs/index.js';
import { connectTcp } from '../probe.js';
import { startTls, type StarttlsOptions } from '../starttls/index.js';
import { wants, type Check } from './checks.js';
import { clientHelloRecord, readServerAnswer, SSL3, type HelloSpec, type ServerAnswer } from './hello.js';
import { helloChecks, type HelloChecks, type TakenVersion } from './behaviour.js';
import { tls12Schemes, tls13Schemes, type HelloSender, type SchemeFinding } from './signature-schemes.js';
import { LEGACY_HELLO_SUITE_IDS, suiteFlags, suiteName, TLS13_SUITE_IDS, type SuiteFlag } from './suite-names.js';

/** How long one hello waits for its answer; a server on a LAN answers a hello within a round trip. */
export const DEFAULT_HELLO_TIMEOUT_MS = 5000;
/**
 * Hellos one endpoint is sent at most: five versions, ~110 suites removed one at a time for the
 * versions that take them, the reversed-order checks, the groups, the signature schemes and the
 * behaviour checks stay within it even from a server that takes every suite in every version; a
 * server that keeps choosing what it was not offered cannot make the scan run for ever.
 */
export const MAX_HELLOS = 600;

export const VERSION_NAMES: Readonly<Record<number, string>> = { [TLS13]: 'TLS 1.3', [TLS12]: 'TLS 1.2', [TLS11]: 'TLS 1.1', [TLS10]: 'TLS 1.0', [SSL3]: 'SSL 3' };
/** Versions tried, newest first. */
export const PROBED_VERSIONS: readonly number[] = [TLS13, TLS12, TLS11, TLS10, SSL3];
/** Versions to turn off (RFC 8996 for TLS 1.0 and 1.1, RFC 7568 for SSL 3). */
export const DEPRECATED_VERSIONS: ReadonlySet<number> = new Set([TLS11, TLS10, SSL3]);

const GROUP_IDS: readonly number[] = [...new Set([...GROUPS.map((g) => g.id), ...Object.keys(OTHER_GROUP_NAMES).map(Number)])];
const EC_GROUP_IDS: readonly number[] = [0x001d, 0x0017, 0x0018, 0x0019, 0x001e, 0x0100, 0x0101, 0x0102];
const SCHEME_IDS: readonly number[] = [...new Set([...SIGNATURE_SCHEMES.map((s) => s.id), ...Object.keys(OTHER_SCHEME_NAMES).map(Number)])];

export const groupName = (id: number): string => GROUPS.find((g) => g.id === id)?.name ?? OTHER_GROUP_NAMES[id] ?? `0x${id.toString(16).padStart(4, '0')}`;

export interface Target {
  host: string;
  port: number;
  serverName?: string;
  starttls?: Omit<StarttlsOptions, 'host' | 'port' | 'timeoutMs'>;
  helloTimeoutMs?: number;
  /** What to look at (all when absent): a fleet run asks for less. */
  checks?: readonly Check[];
  /** Stops the scan: no hello starts after it fires, and the one in flight is closed. */
  signal?: AbortSignal;
}

export interface SuiteFinding {
  id: number;
  name: string;
  flags: SuiteFlag[];
}

export interface VersionFinding {
  version: string;
  offered: boolean;
  deprecated: boolean;
  /** Accepted suites in the order the server chose them (its preference, or ours when it follows the client). */
  suites: SuiteFinding[];
  /** Whether the server picks by its own order; undefined with fewer than two suites. */
  serverOrder?: boolean;
}

export interface ScanResult {
  versions: VersionFinding[];
  /** TLS 1.3 groups in the order the server chose them, with whether it needed a HelloRetryRequest for its choice. */
  groups: { id: number; name: string; pq: boolean }[];
  /**
   * What the newest pre-TLS 1.3 ServerHello said (RFC 5746 secure renegotiation, RFC 7627 extended
   * master secret), and whether a TLS 1.3 hello with an x25519 share was answered by a HelloRetryRequest.
   */
  behaviour: { secureRenegotiation?: boolean; extendedMasterSecret?: boolean; helloRetryForX25519?: boolean };
  /** Schemes the server signs with: TLS 1.2's in the order it chose them, TLS 1.3's those it accepted alone. */
  signatureSchemes: { tls13?: SchemeFinding[]; tls12?: SchemeFinding[] };
  /** Fallback SCSV, the downgrade sentinel, compression, heartbeat, encrypt-then-MAC, stapling and SCTs in TLS 1.2, the DHE prime. */
  checks: HelloChecks;
  /** The certificates a TLS 1.2-or-older server sent in clear, for the chain check when the engine cannot handshake. */
  legacyChain?: Uint8Array[];
  hellos: number;
  /** Hellos that got no answer within the hello timeout, each taken as a refusal (so the lists above may be short). */
  silentHellos: number;
}

class Budget {
  used = 0;
  silent = 0;
  take(): void {
    if (++this.used > MAX_HELLOS) throw failed(`the endpoint needed more than ${MAX_HELLOS} hellos; the scan stopped`);
  }
}

/** One hello on a new connection (after the STARTTLS dialogue, when asked), and the server's answer. */
export async function sendHello(t: Target, spec: Omit<HelloSpec, 'serverName'>, budget = new Budget()): Promise<ServerAnswer> {
  t.signal?.throwIfAborted();
  budget.take();
  const timeoutMs = t.helloTimeoutMs ?? DEFAULT_HELLO_TIMEOUT_MS;
  const socket = await connectTcp(t.host, t.port, timeoutMs);
  try {
    if (t.starttls) await startTls(socket, { ...t.starttls, host: t.host, port: t.port, timeoutMs });
  } catch (e) {
    socket.destroy();
    throw e;
  }
  const stop = () => socket.destroy();
  t.signal?.addEventListener('abort', stop, { once: true });
  const answer = readServerAnswer(socket, timeoutMs).finally(() => t.signal?.removeEventListener('abort', stop));
  socket.write(clientHelloRecord({ ...spec, serverName: t.serverName ?? t.host }));
  const a = await answer;
  if (a.kind === 'silent') budget.silent++;
  return a;
}

const base = (version: number, suites: readonly number[]): Omit<HelloSpec, 'serverName'> =>
  version >= TLS13
    ? { version, suites, groups: GROUP_IDS, shareGroups: [0x001d], schemes: SCHEME_IDS }
    : { version, suites, groups: EC_GROUP_IDS, schemes: SCHEME_IDS };

const accepted = (a: ServerAnswer, version: number): a is Extract<ServerAnswer, { kind: 'hello' }> => a.kind === 'hello' && a.version === version;

/** The suites `version` takes, by offering all and removing each one the server chooses until it refuses. */
async function suitesFor(t: Target, version: number, budget: Budget): Promise<{ offered: boolean; order: number[]; serverOrder?: boolean; chain?: Uint8Array[]; first?: Extract<ServerAnswer, { kind: 'hello' }> }> {
  let left = [...(version >= TLS13 ? TLS13_SUITE_IDS : LEGACY_HELLO_SUITE_IDS)];
  const order: number[] = [];
  let chain: Uint8Array[] | undefined;
  let first: Extract<ServerAnswer, { kind: 'hello' }> | undefined;
  while (left.length) {
    const a = await sendHello(t, base(version, left), budget);
    if (!accepted(a, version) || !left.includes(a.suite)) break;
    first ??= a;
    order.push(a.suite);
    chain ??= a.certificates;
    left = left.filter((s) => s !== a.suite);
  }
  if (order.length < 2) return { offered: order.length > 0, order, chain, ...(first ? { first } : {}) };
  // Offered in the opposite order: a server that keeps its first choice picks by its own preference.
  const reversed = await sendHello(t, base(version, [...order].reverse()), budget);
  const serverOrder = accepted(reversed, version) && reversed.suite === order[0];
  return { offered: true, order, serverOrder, chain, first: first! };
}

/** Whether `version` is taken at all: one hello offering every suite (what `versions` without `suites` asks). */
async function versionFor(t: Target, version: number, budget: Budget): ReturnType<typeof suitesFor> {
  const a = await sendHello(t, base(version, version >= TLS13 ? TLS13_SUITE_IDS : LEGACY_HELLO_SUITE_IDS), budget);
  return accepted(a, version) ? { offered: true, order: [], chain: a.certificates, first: a } : { offered: false, order: [] };
}

/** TLS 1.3 groups: every group offered without a share, so the server names its choice in a HelloRetryRequest; the choice removed until it refuses. */
async function groupsFor(t: Target, budget: Budget): Promise<number[]> {
  let left = [...GROUP_IDS];
  const order: number[] = [];
  while (left.length) {
    const a = await sendHello(t, { version: TLS13, suites: TLS13_SUITE_IDS, groups: left, shareGroups: [], schemes: SCHEME_IDS }, budget);
    if (!accepted(a, TLS13) || a.group === undefined || !left.includes(a.group)) break;
    order.push(a.group);
    left = left.filter((g) => g !== a.group);
  }
  return order;
}

/** Runs the hellos of a scan: versions, suites per version, TLS 1.3 groups. Connection failures are FAILED errors; refusals are findings. */
export async function scanEndpoint(t: Target): Promise<ScanResult> {
  const budget = new Budget();
  const send: HelloSender = (version, suites, extra = {}) => sendHello(t, { ...base(version, suites), ...extra }, budget);
  const versions: VersionFinding[] = [];
  const taken: TakenVersion[] = [];
  let legacyChain: Uint8Array[] | undefined;
  const behaviour: ScanResult['behaviour'] = {};
  const hellos = wants(t.checks, 'versions') || wants(t.checks, 'behaviour');
  for (const version of hellos ? PROBED_VERSIONS : []) {
    const r = wants(t.checks, 'suites') ? await suitesFor(t, version, budget) : await versionFor(t, version, budget);
    legacyChain ??= r.chain;
    if (r.first) taken.push({ version, suites: r.order, first: r.first });
    if (r.first && version >= TLS13) behaviour.helloRetryForX25519 = r.first.helloRetry;
    if (r.first && version < TLS13 && behaviour.secureRenegotiation === undefined) {
      behaviour.secureRenegotiation = r.first.extensions.includes(ExtensionType.renegotiation_info);
      behaviour.extendedMasterSecret = r.first.extensions.includes(ExtensionType.extended_master_secret);
    }
    versions.push({
      version: VERSION_NAMES[version],
      offered: r.offered,
      deprecated: DEPRECATED_VERSIONS.has(version),
      suites: r.order.map((id) => ({ id, name: suiteName(id), flags: suiteFlags(suiteName(id)) })),
      ...(r.serverOrder !== undefined ? { serverOrder: r.serverOrder } : {}),
    });
  }
  const groups = wants(t.checks, 'groups') && (!hellos || versions[0].offered) ? await groupsFor(t, budget) : [];
  const signatureSchemes: ScanResult['signatureSchemes'] = {};
  const v13 = taken.find((v) => v.version === TLS13);
  const v12 = taken.find((v) => v.version === TLS12);
  if (wants(t.checks, 'schemes')) {
    if (v13) signatureSchemes.tls13 = await tls13Schemes(send, v13.suites);
    const schemes12 = v12 && (await tls12Schemes(send, v12.suites));
    if (schemes12) signatureSchemes.tls12 = schemes12;
  }
  const checks = wants(t.checks, 'behaviour') ? await helloChecks(send, taken) : {};
  return {
    versions,
    signatureSchemes,
    checks,
    groups: groups.map((id) => ({ id, name: groupName(id), pq: /MLKEM|Kyber/i.test(groupName(id)) })),
    behaviour,
    ...(legacyChain ? { legacyChain } : {}),
    hellos: budget.used,
    silentHellos: budget.silent,
  };
}
