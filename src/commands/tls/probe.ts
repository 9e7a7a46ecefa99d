import { Args, Flags } from '@oclif/core';
import { probeEndpoint, readCertificateFile, readFileOrFail, STARTTLS_PROTOCOLS, systemTrustStore, trustStoreOf, usage, type Severity, type TrustStore } from '../../core/index.js';
import { commonFlags, KymanCommand } from '../../cli/base-command.js';
import { openDatabase } from '../../cli/key-database.js';
import { renderProbeReport } from '../../cli/probe-report.js';
import { withSpinner } from '../../cli/progress.js';
import { parseTarget } from './client.js';

/** --timeout's bounds, in seconds: a hello that takes longer than a minute is not coming. */
const MAX_TIMEOUT_S = 60;

/** RFC 7301 §3.1: a protocol name's length is one byte. */
const MAX_ALPN_BYTES = 255;

const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low'];

export default class TlsProbe extends KymanCommand<typeof TlsProbe> {
  static override summary = 'Find what a TLS endpoint offers (versions, cipher suites, groups) and what is wrong with it and its chain, in one report.';
  static override description =
    'Sends ClientHellos of each version (TLS 1.3, 1.2, 1.1, 1.0 and SSL 3), each on its own connection and no further than the server\'s first answer, to find which versions the server takes, which cipher suites for each in the order it chooses them (and whether it keeps its own order or follows the client\'s), and which TLS 1.3 key-exchange groups, post-quantum hybrids (X25519MLKEM768, SecP256r1MLKEM768, SecP384r1MLKEM1024) and ffdhe groups among them. Old versions and weak suites (NULL, EXPORT, anonymous, RC4, DES, 3DES, RSA key exchange, CBC) are flagged by their IANA names. Then one handshake on kyman\'s own engine fetches the chain as sent (from a server that speaks only TLS 1.0 or 1.1, the chain is read from its hello), and checks it: order, the path to a trust anchor (the system store, or --ca-file), expiry with days left, the name, key types and sizes, signature algorithms, a missing intermediate, embedded SCTs. It also finds the signature schemes the server signs with, the DHE prime, whether it refuses a fallback (TLS_FALLBACK_SCSV), sends the TLS 1.3 downgrade sentinel, compresses, answers heartbeat, uses encrypt-then-MAC, staples OCSP, sends SCTs, resumes sessions (ids, tickets, TLS 1.3 PSK), and which --alpn protocol it chooses. The findings are ranked and the verdict says what to fix first. Exit 0 when the endpoint was probed, whatever was found (with --fail-on, 1 when a finding is that severe or worse); 1 when it could not be reached.';
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
    alpn: Flags.string({ summary: 'ALPN protocols to offer, comma-separated, to see which the server chooses (default h2,http/1.1).', helpValue: 'LIST' }),
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
    const alpn = f.alpn?.split(',').map((p) => p.trim());
    // RFC 7301 §3.1: each protocol name is 1 to 255 bytes.
    if (alpn?.some((p) => p.length === 0 || Buffer.byteLength(p) > MAX_ALPN_BYTES)) throw usage(`--alpn ${f.alpn} is not a comma-separated list of protocol names (each 1 to ${MAX_ALPN_BYTES} bytes)`);
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
      ...(alpn ? { alpn } : {}),
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
