// `tls probe --targets`: many endpoints probed a bounded number at a time, each within a deadline, each result handed on as it comes, then a summary.

import type { CryptoProvider } from '../../crypto/provider.js';
import { softwareProvider } from '../../crypto/software.js';
import { failed, KymanError, usage } from '../../errors.js';
import { readDescriptorBudget } from '../descriptor-limit.js';
import type { TrustStore } from '../trust-store.js';
import { FLEET_CHECKS, resolveChecks, type Check } from './checks.js';
import { probeEndpoint, type EndpointReport, type Severity } from './index.js';
import type { FleetTarget } from './targets.js';

/**
 * Endpoints probed at once. An endpoint's probe holds one connection at a time and waits on the
 * network far more than it computes (its CPU is the chain handshake and check, a few milliseconds),
 * so this many keep two cores busy over loopback and hide LAN and WAN round trips, while sockets
 * and buffers stay far below the 1,024 open files most processes start with.
 */
export const DEFAULT_FLEET_CONCURRENCY = 32;
/** More at once than this gains nothing on one machine and looks like a scan to the networks probed. */
export const MAX_FLEET_CONCURRENCY = 1024;
/**
 * A whole endpoint (every hello and the chain handshake) within this long: the version hellos and
 * the handshake of a fleet run take well under a second on a LAN, a full scan of a slow WAN server
 * a few hundred round trips; what has not answered in a minute is listed as unreachable.
 */
export const DEFAULT_ENDPOINT_DEADLINE_MS = 60_000;
/**
 * Descriptors an endpoint in progress may hold: its connection, and the one before it while the
 * kernel closes it. Plus the process's own (stdio, the trust store's files, libuv's).
 */
const DESCRIPTORS_PER_ENDPOINT = 2;
const RESERVED_DESCRIPTORS = 64;

export interface FleetOptions {
  trustStore: TrustStore;
  provider?: CryptoProvider;
  now?: Date;
  /** Default: FLEET_CHECKS (the chain and the versions). */
  checks?: readonly Check[];
  /** Default: DEFAULT_FLEET_CONCURRENCY. */
  concurrency?: number;
  /** Milliseconds for a whole endpoint; default DEFAULT_ENDPOINT_DEADLINE_MS. */
  deadlineMs?: number;
  /** Milliseconds for each hello and connection (the probe's own default when absent). */
  helloTimeoutMs?: number;
}

/** What became of one endpoint: its report, or why there is none. */
export type FleetResult = { target: FleetTarget; report: EndpointReport } | { target: FleetTarget; unreachable: string };

/** One probed endpoint in the summary tables. */
export interface FleetRow {
  host: string;
  port: number;
  serverName: string;
  /** The leaf's days left and expiry, when a chain came. */
  daysLeft?: number;
  notAfter?: string;
  subject?: string;
  /** The top finding's severity; absent when there is nothing to fix. */
  worst?: Severity;
  findings: number;
  verdict: string;
}

export interface FleetSummary {
  endpoints: number;
  probed: number;
  /** Endpoints with no report, in list order, with the reason. */
  unreachable: { host: string; port: number; serverName?: string; reason: string }[];
  /** Probed endpoints by their worst finding; `none` for those with nothing to fix. */
  worst: Record<Severity | 'none', number>;
  /** Soonest expiry first (expired ones first of all); endpoints without a chain last. */
  expiringFirst: FleetRow[];
  /** Worst top finding first, then more findings first, then sooner expiry. */
  worstFirst: FleetRow[];
}

const RANK: Readonly<Record<Severity, number>> = { critical: 0, high: 1, medium: 2, low: 3 };

/** The budget check: USAGE when `concurrency` endpoints would not fit under the open-file limit. */
function checkDescriptors(concurrency: number): void {
  const { limit, inUse } = readDescriptorBudget();
  if (limit === undefined) return;
  const need = concurrency * DESCRIPTORS_PER_ENDPOINT + (inUse ?? 0) + RESERVED_DESCRIPTORS;
  if (need > limit) {
    throw usage(`probing ${concurrency} endpoints at once needs about ${need} open files, and this process may open ${limit}: lower the concurrency to ${Math.max(1, Math.floor((limit - (inUse ?? 0) - RESERVED_DESCRIPTORS) / DESCRIPTORS_PER_ENDPOINT))} or raise the limit (ulimit -n)`);
  }
}

/** A report from which nothing answered is an endpoint that is not there as a TLS server. */
function resultOf(target: FleetTarget, report: EndpointReport): FleetResult {
  const spoke = report.chain !== undefined || report.scan.versions.some((v) => v.offered) || report.scan.groups.length > 0;
  if (spoke) return { target, report };
  // With the version hellos, the chain's "no certificate" only repeats that none was answered.
  return { target, unreachable: report.scan.versions.length || !report.chainWhy ? 'it took no hello of any version: each was refused or left unanswered (is it a TLS server?)' : report.chainWhy };
}

const reasonOf = (e: unknown) => (e instanceof KymanError ? e.message : `unexpected error: ${e instanceof Error ? e.message : String(e)}`);

function rowOf(r: EndpointReport): FleetRow {
  const leaf = r.chain?.sent[0];
  return {
    host: r.host,
    port: r.port,
    serverName: r.serverName,
    ...(r.chain && leaf ? { daysLeft: r.chain.daysLeft, notAfter: leaf.notAfter, subject: leaf.subject } : {}),
    ...(r.findings[0] ? { worst: r.findings[0].severity } : {}),
    findings: r.findings.length,
    verdict: r.verdict,
  };
}

const byExpiry = (a: FleetRow, b: FleetRow) => (a.daysLeft ?? Infinity) - (b.daysLeft ?? Infinity);
const bySeverity = (a: FleetRow, b: FleetRow) => (a.worst ? RANK[a.worst] : 4) - (b.worst ? RANK[b.worst] : 4) || b.findings - a.findings;

/** The summary of results listed in `order` (the target list's order breaks ties, so the tables are stable). */
export function summarizeFleet(results: readonly FleetResult[]): FleetSummary {
  const ordered = [...results].sort((a, b) => a.target.line - b.target.line);
  const rows: FleetRow[] = [];
  const unreachable: FleetSummary['unreachable'] = [];
  const worst: FleetSummary['worst'] = { critical: 0, high: 0, medium: 0, low: 0, none: 0 };
  for (const r of ordered) {
    if ('unreachable' in r) {
      unreachable.push({ host: r.target.host, port: r.target.port, ...(r.target.serverName ? { serverName: r.target.serverName } : {}), reason: r.unreachable });
      continue;
    }
    const row = rowOf(r.report);
    worst[row.worst ?? 'none']++;
    rows.push(row);
  }
  return {
    endpoints: results.length,
    probed: rows.length,
    unreachable,
    worst,
    // Array.prototype.sort is stable: equal rows keep the list's order.
    expiringFirst: [...rows].sort((a, b) => byExpiry(a, b) || bySeverity(a, b)),
    worstFirst: [...rows].sort((a, b) => bySeverity(a, b) || byExpiry(a, b)),
  };
}

/**
 * Probes every target, at most `concurrency` at a time, each within the deadline; `onResult` gets
 * each endpoint as it finishes (an endpoint that refuses, times out or has no address is a result
 * too, never an error). An endpoint past its deadline is reported then, but keeps its place until
 * its last connection has closed, so no more than `concurrency` are ever open at once.
 */
export async function probeFleet(targets: readonly FleetTarget[], options: FleetOptions, onResult: (r: FleetResult) => void = () => undefined): Promise<FleetSummary> {
  const concurrency = options.concurrency ?? DEFAULT_FLEET_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_FLEET_CONCURRENCY) throw usage(`the concurrency must be a whole number from 1 to ${MAX_FLEET_CONCURRENCY}`);
  const deadlineMs = options.deadlineMs ?? DEFAULT_ENDPOINT_DEADLINE_MS;
  const workers = Math.min(concurrency, targets.length);
  checkDescriptors(workers);
  const provider = options.provider ?? softwareProvider();
  const checks = resolveChecks(options.checks ?? FLEET_CHECKS);
  const results: FleetResult[] = [];

  const probeOne = async (target: FleetTarget): Promise<void> => {
    const controller = new AbortController();
    const work: Promise<FleetResult> = probeEndpoint({
      host: target.host,
      port: target.port,
      trustStore: options.trustStore,
      provider,
      checks,
      signal: controller.signal,
      ...(options.now ? { now: options.now } : {}),
      ...(target.serverName ? { serverName: target.serverName } : {}),
      ...(target.starttls ? { starttls: { protocol: target.starttls } } : {}),
      ...(options.helloTimeoutMs ? { helloTimeoutMs: options.helloTimeoutMs } : {}),
    }).then(
      (report) => resultOf(target, report),
      (e: unknown) => ({ target, unreachable: reasonOf(e) }),
    );
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<FleetResult>((resolve) => {
      timer = setTimeout(() => {
        const why = `no report within ${deadlineMs / 1000} s`;
        controller.abort(failed(why));
        resolve({ target, unreachable: why });
      }, deadlineMs);
    });
    const result = await Promise.race([work, late]);
    clearTimeout(timer);
    results.push(result);
    onResult(result);
    await work;
  };

  let next = 0;
  const worker = async () => {
    while (next < targets.length) await probeOne(targets[next++]);
  };
  await Promise.all(Array.from({ length: workers }, worker));
  return summarizeFleet(results);
}
