import { Flags } from '@oclif/core';
import {
  credentialsFrom,
  keyOperationsFor,
  keyOperationsOf,
  failed,
  startTestServer,
  trustAnchorsOf,
  usage,
  versionOptions,
  type CipherSuiteName,
  type ClientAuthMode,
  type ConnectionReport,
  type ReplyMode,
} from '../../core/index.js';
import { KymanCommand, commonFlags, tokenFlags } from '../../cli/base-command.js';
import { openStore } from '../../cli/key-database.js';
import { err, out } from '../../cli/output.js';
import { cbcSuitesWarning, keyLogFrom, keyOperationsLine, listFlag, ms, tlsFlags, weakTlsOptions, tokenOpsFlag, tracePrinter } from '../../cli/tls.js';

/** One line a connection: who, and what was agreed. */
function connectionLine(r: ConnectionReport): string {
  const parts = [
    out.bold(r.remote),
    r.version,
    r.cipherSuite,
    r.group,
    r.serverSignatureScheme ?? '',
    `alpn=${r.alpn ?? '-'}`,
    `sni=${r.serverName ?? '-'}`,
    r.resumed ? 'resumed' : 'new',
    r.clientCertificate ? `client=${r.clientCertificate}${r.clientSignatureScheme ? ` (${r.clientSignatureScheme})` : ''}` : 'client=none',
    ms(r.handshakeMs),
  ];
  return parts.filter(Boolean).join('  ');
}

export default class TlsServer extends KymanCommand<typeof TlsServer> {
  static override summary = 'Run a test TLS server with a key from a key database.';
  static override description =
    'Listens on --host:--port (127.0.0.1:4433 by default) with the database\'s (or, with --token, the token\'s) default key, or --label, sending its certificate and the issuers the database holds. With --client-auth, client certificates are checked against the database\'s trusted CA entries. Prints one line a connection: the client\'s address and certificate, and the version, suite, group, signature scheme, ALPN, SNI and whether the session was resumed. --reply echo sends back what arrives; --reply http answers one HTTP/1.1 request with a small text page; the default, auto, answers HTTP when ALPN says http/1.1 or the first bytes are an HTTP request line, and echoes otherwise. Stops on Ctrl-C (SIGINT) or SIGTERM; with --once after one connection, exit 0 when its handshake succeeded and 1 when it failed. gskkyman has no such action; `openssl s_server` is the nearest.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> --db server.kdb',
    { description: 'Mutual TLS on another port, one connection, with a trace', command: '<%= config.bin %> <%= command.id %> --db server.kdb --label web --port 8443 --client-auth required --once --trace' },
    { description: 'The key on a PKCS #11 token, key agreement and records there too', command: '<%= config.bin %> <%= command.id %> --token web-hsm --pin env:PIN --token-ops all' },
    { description: 'An HTTPS test page, secrets for Wireshark', command: '<%= config.bin %> <%= command.id %> --db server.kdb --reply http --alpn http/1.1 --keylog keys.log' },
  ];
  static override flags = {
    db: commonFlags.db,
    pass: commonFlags.pass,
    ...tokenFlags,
    ...tokenOpsFlag,
    label: Flags.string({ summary: 'Entry whose certificate and key the server uses (default: the default key).', helpValue: 'LABEL' }),
    port: Flags.integer({ char: 'p', summary: 'TCP port to listen on (0: any free port).', default: 4433, min: 0, max: 65535 }),
    host: Flags.string({ summary: 'Address to listen on; 0.0.0.0 or :: make the server reachable from other machines.', default: '127.0.0.1', helpValue: 'ADDR' }),
    'client-auth': Flags.string({ summary: 'Ask for a client certificate (optional) or insist on one (required).', options: ['none', 'optional', 'required'], default: 'none' }),
    ...tlsFlags,
    once: Flags.boolean({ summary: 'Handle one connection, then exit: 0 when its handshake succeeded, 1 when it failed.' }),
    reply: Flags.string({ summary: 'What to do with data: echo it, answer HTTP, or auto (HTTP when it looks like HTTP, echo otherwise).', options: ['auto', 'echo', 'http'], default: 'auto' }),
    'allow-psk-ke': Flags.boolean({ summary: 'Resume TLS 1.3 sessions with psk_ke (the ticket alone, no fresh key exchange) for clients that offer only that. No forward secrecy for such connections; for testing clients. Warned.' }),
  };

  async run() {
    const f = this.flags;
    const versions = versionOptions(f.tls);
    const weak = cbcSuitesWarning(listFlag(f.suites));
    if (weak) this.note(weak);
    const { store } = await openStore(f, (m) => this.note(m));
    const creds = await credentialsFrom(store, f.label);
    const clientAuth = f['client-auth'] as ClientAuthMode;
    const anchors = trustAnchorsOf(store);
    if (clientAuth !== 'none' && anchors.length === 0) throw usage(`--client-auth ${clientAuth} needs a trusted CA entry in ${store.path} to check client certificates against`);
    const json = this.jsonEnabled();
    const connections: Record<string, unknown>[] = [];
    const failures: { remote: string; message: string; alert?: string }[] = [];
    let onceFailure: string | undefined;
    const printTrace = f.trace ? tracePrinter(json) : undefined;
    const keyOperations = keyOperationsOf(creds.provider);
    if (f['allow-psk-ke']) this.note('--allow-psk-ke: TLS 1.3 clients that offer only psk_ke resume without a fresh key exchange, so those connections have no forward secrecy');

    const server = await startTestServer({
      host: f.host,
      port: f.port,
      once: f.once,
      reply: f.reply as ReplyMode,
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
        connections.push({ ...rest, handshakeMs: Math.round(r.handshakeMs * 100) / 100, ...(ops ? { keyOperations: ops } : {}) });
        this.say(connectionLine(r) + (ops ? `\n  ${out.dim(keyOperationsLine(keyOperations.token, ops))}` : ''));
      },
      onFailure: (fail) => {
        failures.push({ remote: fail.remote, message: fail.message, ...(fail.alert ? { alert: fail.alert } : {}) });
        if (f.once) onceFailure = `${fail.remote}: ${fail.message}`;
        else if (json) process.stderr.write(`${fail.remote}  ${fail.message}\n`);
        else this.say(`${out.bold(fail.remote)}  ${out.red(fail.message)}`);
      },
    });
    const where = `${f.host.includes(':') ? `[${f.host}]` : f.host}:${server.address.port}`;
    const who = `"${creds.label}"`;
    this.say(`kyman tls server listening on ${where} with ${who}; client certificates: ${clientAuth}; reply: ${f.reply}${f.once ? '; one connection' : '; Ctrl-C stops it'}`);
    if (keyOperations.token) this.say(`key operations can run: ${keyOperationsLine(keyOperations.token, keyOperations.placement)}`);
    if (json) process.stderr.write(`listening on ${where}\n`);

    let stop!: (signal: NodeJS.Signals) => void;
    const stopped = new Promise<string>((resolve) => (stop = resolve));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    const how = await Promise.race([server.finished.then(() => 'finished'), stopped]);
    await server.close();
    store.close();
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    if (how !== 'finished' && !json) process.stderr.write(err.dim(`stopped (${how})\n`));
    if (onceFailure) throw failed(onceFailure);
    return { address: { host: f.host, port: server.address.port }, label: creds.label, clientAuth, keyOperations, connections, failures };
  }
}
