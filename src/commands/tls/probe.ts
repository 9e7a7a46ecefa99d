import { Args, Flags } from '@oclif/core';
import { usage } from '../../core/errors.js';
import { readFileOrFail } from '../../core/keystore/file-io.js';
import { readCertificateFile } from '../../core/pki/certificate-file.js';
import { probeEndpoint, type EndpointReport, type Severity } from '../../core/tools/endpoint-probe/index.js';
import { STARTTLS_PROTOCOLS } from '../../core/tools/starttls/index.js';
import { systemTrustStore, trustStoreOf, type TrustStore } from '../../core/tools/trust-store.js';
import { commonFlags, KymanCommand } from '../../cli/base-command.js';
import { openDatabase } from '../../cli/key-database.js';
import { out, table } from '../../cli/output.js';
import { databaseSection } from '../../cli/probe-db-report.js';
import { withSpinner } from '../../cli/progress.js';
import { parseTarget } from './client.js';

/** --timeout's bounds, in seconds: a hello that takes longer than a minute is not coming. */
const MAX_TIMEOUT_S = 60;

const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low'];

const yesNo = (b: boolean | undefined) => (b === undefined ? '-' : b ? 'yes' : 'no');

function render(r: EndpointReport): string {
  const parts: string[] = [`${out.bold('Endpoint')}  ${r.host}:${r.port} (servername ${r.serverName}), ${r.scan.hellos} hellos`];
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
  const b = r.scan.behaviour;
  parts.push(
    out.bold('\nBehaviour'),
    table(
      [
        ['Secure renegotiation (RFC 5746)', yesNo(b.secureRenegotiation)],
        ['Extended master secret (RFC 7627)', yesNo(b.extendedMasterSecret)],
        ['HelloRetryRequest for an x25519 share', yesNo(b.helloRetryForX25519)],
      ],
      [
        { header: 'Check', get: (row) => row[0] },
        { header: 'Answer', get: (row) => row[1] },
      ],
    ),
  );
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
        (c.extra.length ? `; not used: ${c.extra.join('; ')}` : ''),
    );
  } else if (r.chainWhy) parts.push(out.bold('\nCertificate chain'), `not checked: ${r.chainWhy}`);
  if (r.db) parts.push(databaseSection(r.db));
  if (r.findings.length) parts.push(out.bold('\nFindings (worst first)'), table(r.findings, [{ header: 'Severity', get: (f) => f.severity }, { header: 'What to fix', get: (f) => f.text, flex: true }]));
  parts.push(`\n${out.bold('Verdict')}  ${r.verdict}`);
  return parts.join('\n');
}

export default class TlsProbe extends KymanCommand<typeof TlsProbe> {
  static override summary = 'Find what a TLS endpoint offers (versions, cipher suites, groups) and what is wrong with it and its chain, in one report.';
  static override description =
    'Sends ClientHellos of each version (TLS 1.3, 1.2, 1.1, 1.0 and SSL 3), each on its own connection and no further than the server\'s first answer, to find which versions the server takes, which cipher suites for each in the order it chooses them (and whether it keeps its own order or follows the client\'s), and which TLS 1.3 key-exchange groups, post-quantum hybrids (X25519MLKEM768, SecP256r1MLKEM768, SecP384r1MLKEM1024) and ffdhe groups among them. Old versions and weak suites (NULL, EXPORT, anonymous, RC4, DES, 3DES, RSA key exchange, CBC) are flagged by their IANA names. Then one handshake on kyman\'s own engine fetches the chain as sent (from a server that speaks only TLS 1.0 or 1.1, the chain is read from its hello), and checks it: order, the path to a trust anchor (the system store, or --ca-file), expiry with days left, the name, key types and sizes, signature algorithms. The findings are ranked and the verdict says what to fix first. Exit 0 when the endpoint was probed, whatever was found (with --fail-on, 1 when a finding is that severe or worse); 1 when it could not be reached.';
  static override examples = [
    { description: 'Probe a web server', command: '<%= config.bin %> <%= command.id %> www.example.com' },
    { description: 'A mail server that starts TLS inside SMTP', command: '<%= config.bin %> <%= command.id %> mail.example.com:25 --starttls smtp' },
    { description: 'A test server, trusting its own CA', command: '<%= config.bin %> <%= command.id %> localhost:4433 --ca-file ca.pem --json' },
    { description: 'Check that a server sends the certificate of its key database, and that the database trusts its chain', command: '<%= config.bin %> <%= command.id %> www.example.com --db web.kdb' },
  ];
  static override args = { target: Args.string({ description: 'HOST:PORT of the server (port 443 when left out).', required: true }) };
  static override flags = {
    servername: Flags.string({ summary: 'The name sent in SNI and checked in the certificate (default: HOST).', helpValue: 'NAME' }),
    starttls: Flags.string({ summary: 'Start TLS inside this protocol first, before each hello.', options: [...STARTTLS_PROTOCOLS] }),
    'ca-file': Flags.string({ summary: 'Trusted CA certificates (PEM, DER or PKCS #7), instead of the system store. Repeatable.', multiple: true, helpValue: 'FILE' }),
    'fail-on': Flags.string({ summary: 'Exit 1 when a finding is this severe or worse (for scripts and CI); without it, findings do not change the exit code.', options: [...SEVERITIES] }),
    // No KYMAN_DB here: the comparison (and its password) only when asked for on the command line.
    db: Flags.string({ char: 'd', summary: 'Key database (.kdb, .p12 or a Java keystore) to hold the server\'s chain against: is its certificate an entry, with its key, and would the database\'s trusted entries accept the chain.', helpValue: 'FILE' }),
    pass: commonFlags.pass,
    timeout: Flags.string({ summary: `Seconds each hello (and each connection) may take; default 5, at most ${MAX_TIMEOUT_S}.`, helpValue: 'SECONDS' }),
  };

  async run() {
    const f = this.flags;
    const { host, port } = parseTarget(this.args.target);
    let helloTimeoutMs: number | undefined;
    if (f.timeout !== undefined) {
      const s = Number(f.timeout);
      if (!Number.isFinite(s) || s <= 0 || s > MAX_TIMEOUT_S) throw usage(`--timeout ${f.timeout} is not a number of seconds (above 0, at most ${MAX_TIMEOUT_S})`);
      helloTimeoutMs = s * 1000;
    }
    let trustStore: TrustStore;
    if (f['ca-file']?.length) {
      const certs: Uint8Array[] = [];
      for (const file of f['ca-file']) certs.push(...readCertificateFile(await readFileOrFail(file)));
      trustStore = trustStoreOf(certs, f['ca-file']);
    } else trustStore = systemTrustStore(process.env);
    const database = f.db ? (await openDatabase(f, (m) => this.note(m))).store : undefined;
    const report = await withSpinner(`probing ${host}:${port}`, () => probeEndpoint({
      host,
      port,
      trustStore,
      ...(database ? { database } : {}),
      ...(f.servername ? { serverName: f.servername } : {}),
      ...(helloTimeoutMs ? { helloTimeoutMs } : {}),
      ...(f.starttls ? { starttls: { protocol: f.starttls as (typeof STARTTLS_PROTOCOLS)[number] } } : {}),
    }));
    this.say(render(report));
    const bar = f['fail-on'] ? SEVERITIES.indexOf(f['fail-on'] as Severity) : -1;
    if (bar >= 0 && report.findings.some((x) => SEVERITIES.indexOf(x.severity) <= bar)) {
      if (this.jsonEnabled()) this.logJson(report);
      this.exit(1);
    }
    return report;
  }
}
