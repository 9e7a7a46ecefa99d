// `tls probe`'s report for one endpoint: versions, suites, groups, behaviour, the chain, the database, the findings and the verdict.

import type { EndpointReport } from '../core/tools/endpoint-probe/index.js';
import { out, table } from './output.js';
import { databaseSection } from './probe-db-report.js';

const yesNo = (b: boolean | undefined) => (b === undefined ? '-' : b ? 'yes' : 'no');

/** The single-endpoint report as a person reads it: one table a section, then the findings and the verdict. */
export function renderProbeReport(r: EndpointReport): string {
  const parts: string[] = [`${out.bold('Endpoint')}  ${r.host}:${r.port} (servername ${r.serverName}), ${r.scan.hellos} hellos${r.scan.silentHellos ? ` (${r.scan.silentHellos} unanswered)` : ''}`];
  parts.push(
    out.bold('\nVersions'),
    table(r.scan.versions, [
      { header: 'Version', get: (v) => v.version },
      { header: 'Offered', get: (v) => (v.offered ? (v.deprecated ? out.red('yes (deprecated)') : 'yes') : 'no') },
      { header: 'Suites', get: (v) => (v.offered ? String(v.suites.length) : '-'), right: true },
      { header: 'Server order', get: (v) => yesNo(v.serverOrder) },
    ]),
  );
  const rows = r.scan.versions.flatMap((v) => v.suites.map((s, i) => ({ version: v.version, rank: i + 1, ...s })));
  if (rows.length)
    parts.push(
      out.bold('\nCipher suites (in the order the server chose them)'),
      table(rows, [
        { header: 'Version', get: (s) => s.version },
        { header: '#', get: (s) => String(s.rank), right: true },
        { header: 'Suite', get: (s) => s.name, flex: true },
        { header: 'Weak', get: (s) => (s.flags.length ? out.yellow(s.flags.join(', ')) : '') },
      ]),
    );
  if (r.scan.groups.length)
    parts.push(
      out.bold('\nTLS 1.3 groups (in the order the server chose them)'),
      table(r.scan.groups, [
        { header: 'Group', get: (g) => g.name },
        { header: 'Post-quantum', get: (g) => (g.pq ? 'yes' : 'no') },
      ]),
    );
  const schemeRows = [...(r.scan.signatureSchemes.tls13 ?? []).map((x) => ({ version: 'TLS 1.3', ...x })), ...(r.scan.signatureSchemes.tls12 ?? []).map((x) => ({ version: 'TLS 1.2', ...x }))];
  if (schemeRows.length)
    parts.push(
      out.bold('\nSignature schemes (TLS 1.3: each accepted alone; TLS 1.2: in the order the server signed with them)'),
      table(schemeRows, [
        { header: 'Version', get: (x) => x.version },
        { header: 'Scheme', get: (x) => (x.weak ? out.yellow(x.name) : x.name), flex: true },
      ]),
    );
  const b = r.scan.behaviour;
  const checks = r.scan.checks;
  const res = r.handshakes?.resumption ?? {};
  const alpn = r.handshakes?.alpn;
  const bad = (v: boolean | undefined, badWhen: boolean) => (v === badWhen ? out.red(yesNo(v)) : yesNo(v));
  parts.push(
    out.bold('\nBehaviour'),
    table(
      [
        ['Secure renegotiation (RFC 5746)', yesNo(b.secureRenegotiation)],
        ['Extended master secret (RFC 7627)', yesNo(b.extendedMasterSecret)],
        ['HelloRetryRequest for an x25519 share', yesNo(b.helloRetryForX25519)],
        ['Downgrade sentinel (RFC 8446 4.1.3)', bad(checks.downgradeSentinel, false)],
        ['Fallback SCSV refused (RFC 7507)', bad(checks.fallbackScsv, false)],
        ['Compression (CRIME)', bad(checks.compression, true)],
        ['Heartbeat (RFC 6520)', bad(checks.heartbeat, true)],
        ['Encrypt-then-MAC for CBC (RFC 7366)', bad(checks.encryptThenMac, false)],
        ['OCSP stapling (TLS 1.3)', yesNo(r.handshakes?.stapling13?.ocsp)],
        ['OCSP stapling (below TLS 1.3)', yesNo(checks.ocspStapling)],
        ['SCTs in the handshake (TLS 1.3)', yesNo(r.handshakes?.stapling13?.sct)],
        ['SCTs in the handshake (below TLS 1.3)', yesNo(checks.sctExtension)],
        ['DHE prime (below TLS 1.3)', checks.dheBits === undefined ? '-' : `${checks.dheBits} bits${checks.dheGroup ? ` (${checks.dheGroup})` : ''}`],
        ['Resumption by session id', yesNo(res.sessionIds)],
        ['Resumption by session ticket (RFC 5077)', yesNo(res.tickets)],
        ['Resumption by TLS 1.3 PSK ticket', yesNo(res.tls13Psk)],
        [alpn ? `ALPN (offered ${alpn.offered.join(', ')})` : 'ALPN', alpn ? (alpn.chosen ?? (alpn.why ? '-' : 'none chosen')) : '-'],
      ],
      [
        { header: 'Check', get: (row) => row[0] },
        { header: 'Answer', get: (row) => row[1] },
      ],
    ),
  );
  const why = [...new Set([res.why, alpn?.why].filter((w) => w !== undefined))];
  if (why.length) parts.push(`resumption and ALPN not fully checked: ${why.join('; ')}`);
  if (r.chain) {
    const c = r.chain;
    parts.push(
      out.bold(`\nCertificate chain (as sent${c.source === 'hello' ? ', read from a TLS 1.0/1.1 hello' : ''})`),
      table(c.sent, [
        { header: 'Subject', get: (s) => s.subject, flex: true },
        { header: 'Key', get: (s) => (s.weakKey ? out.red(s.key) : s.key) },
        { header: 'Signature', get: (s) => (s.weakSignature ? out.red(s.signatureAlgorithm) : s.signatureAlgorithm) },
        { header: 'Expires', get: (s) => s.notAfter.slice(0, 10) },
        { header: 'Days left', get: (s) => (s.daysLeft < 0 ? out.red(String(s.daysLeft)) : String(s.daysLeft)), right: true },
      ]),
      `in order: ${yesNo(c.inOrder)}; name ${c.serverName}: ${c.nameMatch ? 'matches' : out.red('does not match')}; ` +
        (c.path.valid ? `path to ${c.path.anchor}: valid` : out.red(`no valid path: ${c.path.reason ?? 'untrusted'}`)) +
        (c.extra.length ? `; not used: ${c.extra.join('; ')}` : '') +
        (c.missingIntermediate ? out.red(`; missing intermediate: ${c.missingIntermediate}`) : '') +
        `; SCTs in the certificate: ${yesNo(c.sctInCertificate)}`,
    );
  } else if (r.chainWhy) parts.push(out.bold('\nCertificate chain'), `not checked: ${r.chainWhy}`);
  if (r.db) parts.push(databaseSection(r.db));
  if (r.findings.length) parts.push(out.bold('\nFindings (worst first)'), table(r.findings, [{ header: 'Severity', get: (f) => f.severity }, { header: 'What to fix', get: (f) => f.text, flex: true }]));
  parts.push(`\n${out.bold('Verdict')}  ${r.verdict}`);
  return parts.join('\n');
}
