import { Flags } from '@oclif/core';
import { statSync } from 'node:fs';
import { keyOperationsFor, keyOperationsOf } from '../../core/crypto/pkcs11.js';
import type { CryptoProvider, PrivateKeyHandle } from '../../core/crypto/provider.js';
import { softwareProvider } from '../../core/crypto/software.js';
import { failed, notFound, usage } from '../../core/errors.js';
import { credentialsFrom, trustAnchorsOf } from '../../core/keystore/credentials.js';
import { readFileOrFail } from '../../core/keystore/file-io.js';
import type { KeyStore } from '../../core/keystore/types.js';
import { readCertificateFile } from '../../core/pki/certificate-file.js';
import type { ClientAuthMode } from '../../core/tls/options.js';
import type { CipherSuiteName } from '../../core/tls/suites.js';
import { DEFAULT_HANDSHAKE_TIMEOUT_MS, DEFAULT_IDLE_TIMEOUT_MS, type LimitName, type ServerLimits } from '../../core/tools/connection-limits.js';
import { versionOptions } from '../../core/tools/probe.js';
import { SERVER_STARTTLS_PROTOCOLS, type ServerStarttlsProtocol } from '../../core/tools/starttls/mail-server.js';
import { startTestServer, type ConnectionReport, type ReplyMode } from '../../core/tools/test-server.js';
import { KymanCommand, commonFlags, tokenFlags } from '../../cli/base-command.js';
import { openStore } from '../../cli/key-database.js';
import { err, out } from '../../cli/output.js';
import { cbcSuitesWarning, keyLogFrom, keyOperationsLine, listFlag, ms, pemCredentialFlags, pemCredentials, tlsFlags, weakTlsOptions, tokenOpsFlag, tracePrinter } from '../../cli/tls.js';

/** One line a connection: who, and what was agreed. */
function connectionLine(r: ConnectionReport): string {
  const parts = [
    out.bold(r.remote),
    r.version,
    r.cipherSuite,
    `${r.group}${r.helloRetry ? ' (HRR)' : ''}`,
    r.serverSignatureScheme ?? (r.resumed ? '' : 'no-signature'),
    `alpn=${r.alpn ?? '-'}`,
    `sni=${r.serverName ?? '-'}`,
    r.resumed ? 'resumed' : 'new',
    r.clientCertificate ? `client=${r.clientCertificate}${r.clientSignatureScheme ? ` (${r.clientSignatureScheme})` : ''}` : 'client=none',
    ms(r.handshakeMs),
    r.keyUpdateSent ? 'key-update' : '',
  ];
  return parts.filter(Boolean).join('  ');
}

/** The flag that sets each limit, named in the line that says it fired. */
const LIMIT_FLAGS: Record<LimitName, string | undefined> = {
  'handshake-timeout': '--handshake-timeout',
  'request-timeout': '--handshake-timeout',
  'idle-timeout': '--idle-timeout',
  'max-conns': '--max-conns',
  'max-handshakes': undefined,
  'handshake-size': undefined,
};

/** "handshake 10 s, idle 120 s, 17936 connections (open-file limit 20000, 24 in use), 256 handshakes in progress". */
function limitsLine(l: ServerLimits): string {
  const time = (ms: number) => (ms === 0 ? 'none' : `${ms / 1000} s`);
  const d = l.descriptors;
  const sizedBy =
    l.maxConnectionsFrom === 'descriptors' && d?.limit ? ` (open-file limit ${d.limit}${d.inUse !== undefined ? `, ${d.inUse} in use` : ''})` : l.maxConnectionsFrom === 'fallback' ? ' (open-file limit unknown)' : '';
  return `limits: handshake ${time(l.handshakeTimeoutMs)}, idle ${time(l.idleTimeoutMs)}, ${l.maxConnections} connections${sizedBy}, ${l.maxPendingHandshakes} handshakes in progress`;
}

export default class TlsServer extends KymanCommand<typeof TlsServer> {
  static override summary = 'Run a test TLS server with a key from a key database or PEM files.';
  static override description =
    'Listens on --host:--port (127.0.0.1:4433 by default) with the database\'s (or, with --token, the token\'s) default key, or --label, sending its certificate and the issuers the database holds; or with the certificate chain and key of --cert and --key (PEM or DER). With --client-auth, client certificates are checked against the database\'s trusted CA entries and the certificates of --ca-file. Prints one line a connection: the client\'s address and certificate, and the version, suite, group ("(HRR)" after a HelloRetryRequest), the signature scheme the server signed with (TLS 1.3 CertificateVerify or TLS 1.2 ServerKeyExchange), ALPN, SNI and whether the session was resumed; with --json, one JSON object a line (NDJSON), and with --once one JSON document. --www DIR serves the files under DIR read-only (GET and HEAD; never a path outside DIR). --tickets N sets the TLS 1.3 tickets sent after each handshake (--no-tickets: none, and no TLS 1.2 tickets); --require-hrr answers every TLS 1.3 ClientHello with a HelloRetryRequest and a cookie; --key-update sends a KeyUpdate after each TLS 1.3 handshake. --reply echo sends back what arrives; --reply http answers one HTTP/1.1 request with a small text page; the default, auto, answers HTTP when ALPN says http/1.1 or the first bytes are an HTTP request line, and echoes otherwise. A client that has not finished its handshake (and, for HTTP, sent its request head) within --handshake-timeout, or sends nothing for --idle-timeout, is closed; beyond --max-conns connections a new one is refused; each such close is one line. Echo keeps pace with the client: a client that does not read is not read from. Stops on Ctrl-C (SIGINT) or SIGTERM; with --once after one connection, exit 0 when its handshake succeeded and 1 when it failed. gskkyman has no such action; `openssl s_server` is the nearest.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> --db server.kdb',
    { description: 'Mutual TLS on another port, one connection, with a trace', command: '<%= config.bin %> <%= command.id %> --db server.kdb --label web --port 8443 --client-auth required --once --trace' },
    { description: 'The key on a PKCS #11 token, key agreement and records there too', command: '<%= config.bin %> <%= command.id %> --token web-hsm --pin env:PIN --token-ops all' },
    { description: 'An HTTPS test page, secrets for Wireshark', command: '<%= config.bin %> <%= command.id %> --db server.kdb --reply http --alpn http/1.1 --keylog keys.log' },
    { description: 'PEM files, serving a folder read-only, as s_server -WWW', command: '<%= config.bin %> <%= command.id %> --cert server.pem --key server.key --www ./site' },
    { description: 'For testing clients: a HelloRetryRequest with a cookie each time, three tickets, NDJSON', command: '<%= config.bin %> <%= command.id %> --cert server.pem --key server.key --require-hrr --tickets 3 --json' },
    { description: 'A mail server to test clients\' STARTTLS on (smtp, imap or pop3)', command: '<%= config.bin %> <%= command.id %> --db server.kdb --port 2525 --starttls smtp' },
    { description: 'Tighter limits for a server facing untrusted clients', command: '<%= config.bin %> <%= command.id %> --db server.kdb --handshake-timeout 5 --idle-timeout 30 --max-conns 200' },
  ];
  static override flags = {
    db: commonFlags.db,
    pass: commonFlags.pass,
    ...tokenFlags,
    ...tokenOpsFlag,
    label: Flags.string({ summary: 'Entry whose certificate and key the server uses (default: the default key).', helpValue: 'LABEL' }),
    ...pemCredentialFlags('Server'),
    'ca-file': Flags.string({ summary: 'CA certificates (PEM, DER or PKCS #7) that client certificates may chain to, with --client-auth. Repeatable.', multiple: true, helpValue: 'FILE' }),
    www: Flags.string({ summary: 'Serve the files under DIR (GET and HEAD, read-only, nothing outside DIR), as s_server -WWW.', helpValue: 'DIR' }),
    tickets: Flags.integer({ summary: 'TLS 1.3 session tickets sent after each handshake (default 1).', min: 0, max: 16, helpValue: 'N', exclusive: ['no-tickets'] }),
    'no-tickets': Flags.boolean({ summary: 'No session tickets (TLS 1.3, and RFC 5077 for TLS 1.2; TLS 1.2 may still resume by session id).' }),
    'require-hrr': Flags.boolean({ summary: 'Answer every TLS 1.3 ClientHello with a HelloRetryRequest carrying a cookie, to test clients\' retry path.' }),
    'key-update': Flags.boolean({ summary: 'After each TLS 1.3 handshake, send a KeyUpdate asking the client to update its keys too.' }),
    port: Flags.integer({ char: 'p', summary: 'TCP port to listen on (0: any free port).', default: 4433, min: 0, max: 65535 }),
    host: Flags.string({ summary: 'Address to listen on; 0.0.0.0 or :: make the server reachable from other machines.', default: '127.0.0.1', helpValue: 'ADDR' }),
    'client-auth': Flags.string({ summary: 'Ask for a client certificate (optional) or insist on one (required).', options: ['none', 'optional', 'required'], default: 'none' }),
    ...tlsFlags,
    once: Flags.boolean({ summary: 'Handle one connection, then exit: 0 when its handshake succeeded, 1 when it failed.' }),
    reply: Flags.string({ summary: 'What to do with data: echo it, answer HTTP, or auto (HTTP when it looks like HTTP, echo otherwise).', options: ['auto', 'echo', 'http'], default: 'auto' }),
    'handshake-timeout': Flags.integer({
      summary: 'Seconds a client has to finish the handshake, and for an HTTP reply to send its request head after it (0: no limit).',
      default: DEFAULT_HANDSHAKE_TIMEOUT_MS / 1000,
      min: 0,
      max: 86_400,
      helpValue: 'SECONDS',
    }),
    'idle-timeout': Flags.integer({ summary: 'Seconds without data either way before a connection is closed (0: no limit).', default: DEFAULT_IDLE_TIMEOUT_MS / 1000, min: 0, max: 86_400, helpValue: 'SECONDS' }),
    'max-conns': Flags.integer({
      summary: 'Connections open at once; one more is refused. Default: what the open-file limit (ulimit -n) leaves room for, at most 10000.',
      min: 1,
      max: 1_000_000,
      helpValue: 'N',
    }),
    starttls: Flags.string({ summary: 'Speak this mail protocol first and start TLS on its STARTTLS (STLS); with --reply auto, answer its commands after TLS too.', options: [...SERVER_STARTTLS_PROTOCOLS] }),
    'allow-psk-ke': Flags.boolean({ summary: 'Resume TLS 1.3 sessions with psk_ke (the ticket alone, no fresh key exchange) for clients that offer only that. No forward secrecy for such connections; for testing clients. Warned.' }),
  };

  async run() {
    const f = this.flags;
    const versions = versionOptions(f.tls);
    const weak = cbcSuitesWarning(listFlag(f.suites));
    if (weak) this.note(weak);
    if (f.cert && (f.db || f.token)) throw usage('--cert and --db (or --token) both give the server\'s key: give one');
    if (f.www && f.reply !== 'auto') throw usage('--www answers HTTP with the folder\'s files: leave out --reply');
    if (f.www) {
      let isDir = false;
      try {
        isDir = statSync(f.www).isDirectory();
      } catch {
        throw notFound(`--www ${f.www}: no such folder`);
      }
      if (!isDir) throw usage(`--www ${f.www} is not a folder`);
    }
    let store: KeyStore | undefined;
    let creds: { label: string; certificateChain: Uint8Array[]; privateKey: PrivateKeyHandle; provider: CryptoProvider };
    const anchors: Uint8Array[] = [];
    const provider = softwareProvider();
    const files = await pemCredentials(f, provider);
    if (files && f.cert) creds = { label: f.cert, ...files, provider };
    else {
      ({ store } = await openStore(f, (m) => this.note(m)));
      creds = await credentialsFrom(store, f.label);
      anchors.push(...trustAnchorsOf(store));
    }
    for (const file of f['ca-file'] ?? []) anchors.push(...readCertificateFile(await readFileOrFail(file)));
    const clientAuth = f['client-auth'] as ClientAuthMode;
    if (clientAuth !== 'none' && anchors.length === 0) throw usage(`--client-auth ${clientAuth} needs trust anchors to check client certificates against: --ca-file FILE${store ? `, or a trusted CA entry in ${store.path}` : ''}`);
    const json = this.jsonEnabled();
    // Without --once, --json is NDJSON: one object a line as things happen, nothing kept for the end.
    const ndjson = json && !f.once;
    const emit = (o: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(o)}\n`);
    const counts = { connections: 0, failures: 0 };
    const connections: Record<string, unknown>[] = [];
    const failures: { remote: string; message: string; alert?: string }[] = [];
    const closedByLimit: Partial<Record<LimitName, number>> = {};
    let onceFailure: string | undefined;
    const printTrace = f.trace ? tracePrinter(json) : undefined;
    const keyOperations = keyOperationsOf(creds.provider);
    if (f['allow-psk-ke']) this.note('--allow-psk-ke: TLS 1.3 clients that offer only psk_ke resume without a fresh key exchange, so those connections have no forward secrecy');

    const server = await startTestServer({
      host: f.host,
      port: f.port,
      once: f.once,
      reply: (f.www ? 'www' : f.reply) as ReplyMode,
      ...(f.www ? { wwwRoot: f.www } : {}),
      ...(f['no-tickets'] ? { ticketsPerHandshake: 0 } : f.tickets !== undefined ? { ticketsPerHandshake: f.tickets } : {}),
      ...(f['require-hrr'] ? { requireHelloRetry: true } : {}),
      ...(f['key-update'] ? { keyUpdate: true } : {}),
      ...(f.starttls ? { starttls: f.starttls as ServerStarttlsProtocol } : {}),
      handshakeTimeoutMs: f['handshake-timeout'] * 1000,
      idleTimeoutMs: f['idle-timeout'] * 1000,
      ...(f['max-conns'] !== undefined ? { maxConnections: f['max-conns'] } : {}),
      certificateChain: creds.certificateChain,
      privateKey: creds.privateKey,
      provider: creds.provider,
      clientAuth,
      ...(clientAuth !== 'none' ? { clientTrustAnchors: anchors } : {}),
      ...(listFlag(f.suites) ? { cipherSuites: listFlag(f.suites) as CipherSuiteName[] } : {}),
      ...(listFlag(f.groups) ? { groups: listFlag(f.groups) } : {}),
      ...(listFlag(f.alpn) ? { alpnProtocols: listFlag(f.alpn) } : {}),
      ...versions,
      ...weakTlsOptions(f, (m) => this.note(m)),
      ...(f['allow-psk-ke'] ? { allowPskKe: true } : {}),
      keyLog: keyLogFrom(f.keylog),
      ...(printTrace ? { onTrace: (e, remote) => printTrace(e, remote) } : {}),
      onConnection: (r) => {
        const { summary: _raw, ...rest } = r;
        const ops = keyOperations.token ? keyOperationsFor(keyOperations, r) : undefined;
        const record = { ...rest, handshakeMs: Math.round(r.handshakeMs * 100) / 100, ...(ops ? { keyOperations: ops } : {}) };
        counts.connections++;
        if (ndjson) emit({ event: 'connection', ...record });
        else connections.push(record);
        this.say(connectionLine(r) + (ops ? `\n  ${out.dim(keyOperationsLine(keyOperations.token, ops))}` : ''));
      },
      onFailure: (fail) => {
        const record = { remote: fail.remote, message: fail.message, ...(fail.alert ? { alert: fail.alert } : {}) };
        counts.failures++;
        if (ndjson) emit({ event: 'failure', ...record });
        else failures.push(record);
        if (f.once) onceFailure = `${fail.remote}: ${fail.message}`;
        else if (json) process.stderr.write(`${fail.remote}  ${fail.message}\n`);
        else this.say(`${out.bold(fail.remote)}  ${out.red(fail.message)}`);
      },
      onLimit: (e) => {
        closedByLimit[e.limit] = (closedByLimit[e.limit] ?? 0) + 1;
        const line = `${e.message}${LIMIT_FLAGS[e.limit] ? ` (${LIMIT_FLAGS[e.limit]})` : ''}`;
        if (json) process.stderr.write(`${e.remote}  ${line}\n`);
        else this.say(`${out.bold(e.remote)}  ${out.yellow(line)}`);
      },
    });
    // Ctrl-C and SIGTERM are ours before the listening line is printed: a script that reads that line and stops the server at once must not find Node's default handler, which exits without closing.
    let stop!: (signal: NodeJS.Signals) => void;
    const stopped = new Promise<string>((resolve) => (stop = resolve));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    const where = `${f.host.includes(':') ? `[${f.host}]` : f.host}:${server.address.port}`;
    const who = `"${creds.label}"`;
    this.say(`kyman tls server listening on ${where} with ${who}; client certificates: ${clientAuth}; reply: ${f.reply}${f.starttls ? `; starttls: ${f.starttls}` : ''}${f.once ? '; one connection' : '; Ctrl-C stops it'}`);
    this.say(limitsLine(server.limits));
    if (keyOperations.token) this.say(`key operations can run: ${keyOperationsLine(keyOperations.token, keyOperations.placement)}`);
    if (json) process.stderr.write(`listening on ${where}\n`);

    if (ndjson) emit({ event: 'listening', address: { host: f.host, port: server.address.port }, label: creds.label, clientAuth, limits: server.limits });
    const how = await Promise.race([server.finished.then(() => 'finished'), stopped]);
    await server.close();
    store?.close();
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    if (how !== 'finished' && !json) process.stderr.write(err.dim(`stopped (${how})\n`));
    if (onceFailure) throw failed(onceFailure);
    if (ndjson) {
      emit({ event: 'stopped', how, ...counts, closedByLimit });
      return undefined;
    }
    return { address: { host: f.host, port: server.address.port }, label: creds.label, clientAuth, keyOperations, limits: server.limits, connections, failures, closedByLimit };
  }
}
