// `tls probe --targets` as people and scripts see it: the summary tables, the unreachable list, and one NDJSON line an endpoint.

import type { FleetResult, FleetRow, FleetSummary } from '../core/tools/endpoint-probe/fleet.js';
import type { Severity } from '../core/tools/endpoint-probe/index.js';
import { out, table } from './output.js';

const endpoint = (r: { host: string; port: number; serverName?: string }) => {
  const at = r.host.includes(':') ? `[${r.host}]:${r.port}` : `${r.host}:${r.port}`;
  return r.serverName && r.serverName !== r.host ? `${at} (${r.serverName})` : at;
};

const SEVERITY_COLOUR: Readonly<Record<Severity, (s: string) => string>> = { critical: out.red, high: out.red, medium: out.yellow, low: (s) => s };

const days = (r: FleetRow) => (r.daysLeft === undefined ? '-' : r.daysLeft < 0 ? out.red(`${r.daysLeft}`) : r.daysLeft < 30 ? out.yellow(`${r.daysLeft}`) : `${r.daysLeft}`);
const worst = (r: FleetRow) => (r.worst ? SEVERITY_COLOUR[r.worst](r.worst) : 'none');

/** What one endpoint gives on stdout with --json, as it finishes: its report, or why there is none. */
export function fleetJsonLine(r: FleetResult): string {
  const value = 'report' in r ? r.report : { host: r.target.host, port: r.target.port, ...(r.target.serverName ? { serverName: r.target.serverName } : {}), unreachable: r.unreachable };
  return JSON.stringify(value);
}

/** The line a person reads first: how many, how bad, how many did not answer. */
export function fleetCounts(s: FleetSummary): string {
  const bad = (['critical', 'high', 'medium', 'low'] as const).filter((k) => s.worst[k]).map((k) => `${s.worst[k]} ${k}`);
  return `${s.endpoints} endpoint${s.endpoints === 1 ? '' : 's'}: ${s.probed} probed (${[...bad, `${s.worst.none} with nothing to fix`].join(', ')}), ${s.unreachable.length} unreachable`;
}

/** The terminal summary: what expires first, what is worst, and what did not answer. */
export function fleetSummaryText(s: FleetSummary): string {
  const parts: string[] = [`${out.bold('Fleet')}  ${fleetCounts(s)}`];
  if (s.probed) {
    parts.push(
      out.bold('\nExpires first'),
      table(s.expiringFirst, [
        { header: 'Endpoint', get: endpoint },
        { header: 'Days left', get: days, right: true },
        { header: 'Expires', get: (r) => r.notAfter?.slice(0, 10) ?? '-' },
        { header: 'Certificate', get: (r) => r.subject ?? '-', flex: true },
      ]),
      out.bold('\nWorst first'),
      table(s.worstFirst, [
        { header: 'Endpoint', get: endpoint },
        { header: 'Worst', get: worst },
        { header: 'Findings', get: (r) => String(r.findings), right: true },
        { header: 'What to fix first', get: (r) => (r.worst ? r.verdict.replace(/^fix first: /, '') : '-'), flex: true },
      ]),
    );
  }
  if (s.unreachable.length) parts.push(out.bold('\nUnreachable'), table(s.unreachable, [{ header: 'Endpoint', get: endpoint }, { header: 'Why', get: (u) => u.reason, flex: true }]));
  return parts.join('\n');
}
