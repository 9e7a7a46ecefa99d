import { Args, Flags } from '@oclif/core';
import { EXIT_CODES, usage } from '../../core/errors.js';
import { readFileOrFail } from '../../core/keystore/file-io.js';
import { readCertificateFile } from '../../core/pki/certificate-file.js';
import { CHECKS, FLEET_CHECKS, parseChecks, type Check } from '../../core/tools/endpoint-probe/checks.js';
import { DEFAULT_ENDPOINT_DEADLINE_MS, DEFAULT_FLEET_CONCURRENCY, MAX_FLEET_CONCURRENCY, probeFleet } from '../../core/tools/endpoint-probe/fleet.js';
import { probeEndpoint, type Severity } from '../../core/tools/endpoint-probe/index.js';
import { parseTargets } from '../../core/tools/endpoint-probe/targets.js';
import { STARTTLS_PROTOCOLS } from '../../core/tools/starttls/index.js';
import { systemTrustStore, trustStoreOf, type TrustStore } from '../../core/tools/trust-store.js';
import { commonFlags, KymanCommand } from '../../cli/base-command.js';
import { openDatabase } from '../../cli/key-database.js';
import { fleetJsonLine, fleetSummaryText } from '../../cli/probe-fleet-report.js';
import { renderProbeReport } from '../../cli/probe-report.js';
import { progressBar, withSpinner } from '../../cli/progress.js';
import { parseTarget } from './client.js';

/** --timeout's bounds, in seconds: a hello that takes longer than a minute is not coming. */
const MAX_TIMEOUT_S = 60;
/** --deadline's bound, in seconds: an endpoint that takes an hour is not going to answer. */
const MAX_DEADLINE_S = 3600;

/** RFC 7301 §3.1: a protocol name's length is one byte. */
const MAX_ALPN_BYTES = 255;

const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low'];

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export default class TlsProbe extends KymanCommand<typeof TlsProbe> {
  static override summary = 'Find what a TLS endpoint offers (versions, cipher suites, groups) and what is wrong with it and its chain, in one report.';
  static override description =
    'Sends ClientHellos of each version (TLS 1.3, 1.2, 1.1, 1.0 and SSL 3), each on its own connection and no further than the server\'s first answer, to find which versions the server takes, which cipher suites for each in the order it chooses them (and whether it keeps its own order or follows the client\'s), and which TLS 1.3 key-exchange groups, post-quantum hybrids (X25519MLKEM768, SecP256r1MLKEM768, SecP384r1MLKEM1024) and ffdhe groups among them. Old versions and weak suites (NULL, EXPORT, anonymous, RC4, DES, 3DES, RSA key exchange, CBC) are flagged by their IANA names. Then one handshake on kyman\'s own engine fetches the chain as sent (from a server that speaks only TLS 1.0 or 1.1, the chain is read from its hello), and checks it: order, the path to a trust anchor (the system store, or --ca-file), expiry with days left, the name, key types and sizes, signature algorithms, a missing intermediate, embedded SCTs. It also finds the signature schemes the server signs with, the DHE prime, whether it refuses a fallback (TLS_FALLBACK_SCSV), sends the TLS 1.3 downgrade sentinel, compresses, answers heartbeat, uses encrypt-then-MAC, staples OCSP, sends SCTs, resumes sessions (ids, tickets, TLS 1.3 PSK), and which --alpn protocol it chooses. The findings are ranked and the verdict says what to fix first. Exit 0 when the endpoint was probed, whatever was found (with --fail-on, 1 when a finding is that severe or worse); 1 when it could not be reached. --checks narrows what is probed (chain, versions: one hello a version; suites; groups; schemes; behaviour, which takes the resumption and ALPN handshakes too). With --targets FILE (or - for standard input; one "host[:port] [servername] [starttls]" a line, # comments), every endpoint of the list is probed, by default for its chain and versions only, --concurrency at a time, each within --deadline seconds: a progress bar on a terminal, then a table of the endpoints by what expires first, one by what is worst, and the list of those that did not answer (refused, timed out, no such host), which never stops the run; with --json, one JSON line an endpoint as it finishes (its report, or {host, port, unreachable}) and a last line {summary}. Exit 0 when every endpoint was probed and none has a critical finding (or one as severe as --fail-on); 1 when one is unreachable or has such a finding; 2 for a line of the list that does not read, named by its number.';
  static override examples = [
    { description: 'Probe a web server', command: '<%= config.bin %> <%= command.id %> www.example.com' },
    { description: 'A mail server that starts TLS inside SMTP', command: '<%= config.bin %> <%= command.id %> mail.example.com:25 --starttls smtp' },
    { description: 'A test server, trusting its own CA', command: '<%= config.bin %> <%= command.id %> localhost:4433 --ca-file ca.pem --json' },
    { description: 'Check that a server sends the certificate of its key database, and that the database trusts its chain', command: '<%= config.bin %> <%= command.id %> www.example.com --db web.kdb' },
    { description: 'Which ALPN protocol does it choose, of those offered?', command: '<%= config.bin %> <%= command.id %> www.example.com --alpn h2,http/1.1,acme-tls/1' },
    { description: 'A fleet: every endpoint of a list (host[:port] [servername] [starttls] a line), what expires first and what is worst', command: '<%= config.bin %> <%= command.id %> --targets endpoints.txt' },
    { description: 'A fleet from a pipe, one JSON line an endpoint, its suites and groups too', command: 'cut -d" " -f1 hosts.txt | <%= config.bin %> <%= command.id %> --targets - --checks chain,versions,suites,groups --json' },
  ];
  // ignoreStdin: oclif would otherwise take piped input for the missing argument, and --targets - reads it.
  static override args = { target: Args.string({ description: 'HOST:PORT of the server (port 443 when left out); or --targets FILE for many.', ignoreStdin: true }) };
  static override flags = {
    servername: Flags.string({ summary: 'The name sent in SNI and checked in the certificate (default: HOST).', helpValue: 'NAME' }),
    starttls: Flags.string({ summary: 'Start TLS inside this protocol first, before each hello.', options: [...STARTTLS_PROTOCOLS] }),
    'ca-file': Flags.string({ summary: 'Trusted CA certificates (PEM, DER or PKCS #7), instead of the system store. Repeatable.', multiple: true, helpValue: 'FILE' }),
    'fail-on': Flags.string({ summary: 'Exit 1 when a finding is this severe or worse (for scripts and CI); without it, findings do not change the exit code of one endpoint, and with --targets count from critical.', options: [...SEVERITIES] }),
    // No KYMAN_DB here: the comparison (and its password) only when asked for on the command line.
    db: Flags.string({ char: 'd', summary: 'Key database (.kdb, .p12 or a Java keystore) to hold the server\'s chain against: is its certificate an entry, with its key, and would the database\'s trusted entries accept the chain.', helpValue: 'FILE' }),
    pass: commonFlags.pass,
    alpn: Flags.string({ summary: 'ALPN protocols to offer, comma-separated, to see which the server chooses (default h2,http/1.1).', helpValue: 'LIST' }),
    timeout: Flags.string({ summary: `Seconds each hello (and each connection) may take; default 5, at most ${MAX_TIMEOUT_S}.`, helpValue: 'SECONDS' }),
    checks: Flags.string({ summary: `What to probe, comma-separated, of ${CHECKS.join(', ')}; default: all for one endpoint, ${FLEET_CHECKS.join(',')} with --targets.`, helpValue: 'LIST' }),
    targets: Flags.string({ summary: 'Probe every endpoint of FILE (- for standard input): one "host[:port] [servername] [starttls]" a line, # comments.', helpValue: 'FILE', exclusive: ['db', 'servername', 'starttls'] }),
    concurrency: Flags.integer({ summary: `With --targets: endpoints probed at once (default ${DEFAULT_FLEET_CONCURRENCY}).`, min: 1, max: MAX_FLEET_CONCURRENCY, dependsOn: ['targets'], helpValue: 'N' }),
    deadline: Flags.string({ summary: `With --targets: seconds a whole endpoint may take before it is listed as unreachable (default ${DEFAULT_ENDPOINT_DEADLINE_MS / 1000}).`, dependsOn: ['targets'], helpValue: 'SECONDS' }),
  };

  /** With --targets, results go out one JSON line each, the summary too. */
  private ndjson = false;

  override logJson(json: unknown): void {
    if (this.ndjson) process.stdout.write(`${JSON.stringify(json)}\n`);
    else super.logJson(json);
  }

  /** `--targets`: every endpoint of the list, a bar while they run, then the summary; exit 1 when one is unreachable or has a finding at --fail-on (critical unless given). */
  private async fleet(trustStore: TrustStore, helloTimeoutMs: number | undefined, checks: Check[] | undefined) {
    const f = this.flags;
    const file = f.targets!;
    const text = file === '-' ? await readStdin() : new TextDecoder().decode(await readFileOrFail(file));
    const targets = parseTargets(text, file === '-' ? 'standard input' : file);
    if (!targets.length) throw usage(`${file === '-' ? 'standard input' : file} lists no endpoint: one "host[:port] [servername] [starttls]" a line`);
    let deadlineMs: number | undefined;
    if (f.deadline !== undefined) {
      const s = Number(f.deadline);
      if (!Number.isFinite(s) || s <= 0 || s > MAX_DEADLINE_S) throw usage(`--deadline ${f.deadline} is not a number of seconds (above 0, at most ${MAX_DEADLINE_S})`);
      deadlineMs = s * 1000;
    }
    this.ndjson = this.jsonEnabled();
    const bar = progressBar(targets.length, 'probing');
    const summary = await probeFleet(
      targets,
      { trustStore, ...(checks ? { checks } : {}), ...(f.concurrency ? { concurrency: f.concurrency } : {}), ...(deadlineMs ? { deadlineMs } : {}), ...(helloTimeoutMs ? { helloTimeoutMs } : {}) },
      (r) => {
        if (this.ndjson) {
          if (process.stdout.isTTY) bar.clear();
          process.stdout.write(`${fleetJsonLine(r)}\n`);
        }
        bar.tick(`${r.target.host}:${r.target.port}`);
      },
    ).finally(() => bar.done());
    this.say(fleetSummaryText(summary));
    const failOn = SEVERITIES.indexOf((f['fail-on'] ?? 'critical') as Severity);
    if (summary.unreachable.length || summary.worstFirst.some((r) => r.worst && SEVERITIES.indexOf(r.worst) <= failOn)) process.exitCode = EXIT_CODES.FAILED;
    return { summary };
  }

  async run() {
    const f = this.flags;
    if (f.targets !== undefined && this.args.target) throw usage('give HOST[:PORT] or --targets FILE, not both');
    if (f.targets === undefined && !this.args.target) throw usage('give HOST[:PORT] to probe, or --targets FILE for a list');
    const checks = f.checks !== undefined ? parseChecks(f.checks) : undefined;
    let helloTimeoutMs: number | undefined;
    if (f.timeout !== undefined) {
      const s = Number(f.timeout);
      if (!Number.isFinite(s) || s <= 0 || s > MAX_TIMEOUT_S) throw usage(`--timeout ${f.timeout} is not a number of seconds (above 0, at most ${MAX_TIMEOUT_S})`);
      helloTimeoutMs = s * 1000;
    }
    const alpn = f.alpn?.split(',').map((p) => p.trim());
    // RFC 7301 §3.1: each protocol name is 1 to 255 bytes.
    if (alpn?.some((p) => p.length === 0 || Buffer.byteLength(p) > MAX_ALPN_BYTES)) throw usage(`--alpn ${f.alpn} is not a comma-separated list of protocol names (each 1 to ${MAX_ALPN_BYTES} bytes)`);
    let trustStore: TrustStore;
    if (f['ca-file']?.length) {
      const certs: Uint8Array[] = [];
      for (const file of f['ca-file']) certs.push(...readCertificateFile(await readFileOrFail(file)));
      trustStore = trustStoreOf(certs, f['ca-file']);
    } else trustStore = systemTrustStore(process.env);
    if (f.targets !== undefined) return this.fleet(trustStore, helloTimeoutMs, checks);
    const { host, port } = parseTarget(this.args.target!);
    const database = f.db ? (await openDatabase(f, (m) => this.note(m))).store : undefined;
    const report = await withSpinner(`probing ${host}:${port}`, () => probeEndpoint({
      host,
      port,
      trustStore,
      ...(database ? { database } : {}),
      ...(alpn ? { alpn } : {}),
      ...(checks ? { checks } : {}),
      ...(f.servername ? { serverName: f.servername } : {}),
      ...(helloTimeoutMs ? { helloTimeoutMs } : {}),
      ...(f.starttls ? { starttls: { protocol: f.starttls as (typeof STARTTLS_PROTOCOLS)[number] } } : {}),
    }));
    this.say(renderProbeReport(report));
    const bar = f['fail-on'] ? SEVERITIES.indexOf(f['fail-on'] as Severity) : -1;
    if (bar >= 0 && report.findings.some((x) => SEVERITIES.indexOf(x.severity) <= bar)) {
      if (this.jsonEnabled()) this.logJson(report);
      this.exit(1);
    }
    return report;
  }
}
