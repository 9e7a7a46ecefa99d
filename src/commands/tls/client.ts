import { Args, Flags } from '@oclif/core';
import { isIP } from 'node:net';
import {
  credentialsFrom,
  keyOperationsFor,
  keyOperationsOf,
  readFileOrFail,
  softwareProvider,
  probe,
  STARTTLS_PROTOCOLS,
  readCertificateFile,
  trustAnchorsOf,
  usage,
  versionOptions,
  type CipherSuiteName,
  type CryptoProvider,
  type KeyStore,
  type PrivateKeyHandle,
} from '../../core/index.js';
import { KymanCommand, commonFlags, tokenFlags } from '../../cli/base-command.js';
import { openStore } from '../../cli/key-database.js';
import { fields, out } from '../../cli/output.js';
import { cbcSuitesWarning, chainTable, keyLogFrom, keyOperationsLine, listFlag, ms, tlsFlags, weakTlsOptions, tokenOpsFlag, tracePrinter } from '../../cli/tls.js';

/** `host:port`, `[v6]:port`, or a bare host (port 443). */
function parseTarget(target: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(target) ?? /^([^:]+)(?::(\d+))?$/.exec(target);
  const bareV6 = !m && isIP(target) === 6;
  if (!m && !bareV6) throw usage(`${target} is not HOST:PORT (write an IPv6 address as [::1]:443)`);
  const host = bareV6 ? target : m![1];
  const port = bareV6 || m![2] === undefined ? 443 : Number(m![2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw usage(`${port} is not a TCP port (1 to 65535)`);
  return { host, port };
}

export default class TlsClient extends KymanCommand<typeof TlsClient> {
  static override summary = 'Run a TLS handshake against a server and show what was agreed and how its chain validated.';
  static override description =
    'Connects to HOST:PORT, runs a handshake on kyman\'s own TLS engine and prints the version, cipher suite, group, signature scheme, ALPN, whether the session was resumed, the handshake time, and the server\'s chain as kyman built and verified it (which certificates the server sent, which came from the trust store). The name checked in the certificate and sent in SNI is HOST unless --servername says otherwise. Trust anchors are the trusted CA entries of --db and the certificates of --ca-file. It never reads standard input: with --send it sends TEXT and prints the reply until the server closes or goes quiet. Exit 0 when the handshake succeeded, 1 when it failed (the alert named). gskkyman has no such action; `openssl s_client` is the nearest.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> www.example.com:443 --ca-file roots.pem',
    { description: 'Mutual TLS with the entry "client" of a key database, and an HTTP request', command: '<%= config.bin %> <%= command.id %> localhost:4433 --db demo.kdb --label client --send "GET / HTTP/1.1\\r\\nHost: localhost\\r\\n\\r\\n"' },
    { description: 'Every handshake message, decoded, and the secrets for Wireshark', command: '<%= config.bin %> <%= command.id %> localhost:4433 --ca-file ca.pem --trace --keylog keys.log' },
    { description: 'For scripts', command: '<%= config.bin %> <%= command.id %> localhost:4433 --ca-file ca.pem --json' },
    { description: 'A mail server that starts TLS inside SMTP (imap, pop3, ftp, ldap, postgres and xmpp too)', command: '<%= config.bin %> <%= command.id %> mail.example.com:25 --starttls smtp --ca-file roots.pem' },
  ];
  static override args = { target: Args.string({ description: 'HOST:PORT of the server (port 443 when left out).', required: true }) };
  static override flags = {
    servername: Flags.string({ summary: 'The name sent in SNI and checked in the certificate (default: HOST).', helpValue: 'NAME' }),
    db: commonFlags.db,
    pass: commonFlags.pass,
    ...tokenFlags,
    ...tokenOpsFlag,
    'ca-file': Flags.string({ summary: 'Trusted CA certificates (PEM, DER or PKCS #7). Repeatable.', multiple: true, helpValue: 'FILE' }),
    label: Flags.string({ summary: 'Entry of --db to present as the client certificate, when the server asks for one.', helpValue: 'LABEL' }),
    ...tlsFlags,
    send: Flags.string({ summary: 'Send TEXT after the handshake (\\r, \\n and \\t are understood) and print what comes back.', helpValue: 'TEXT' }),
    insecure: Flags.boolean({ summary: 'Complete the handshake whatever the server\'s certificate (the result is still shown). For tests only.' }),
    starttls: Flags.string({ summary: 'Start TLS inside this protocol first, as openssl s_client -starttls does.', options: [...STARTTLS_PROTOCOLS] }),
    name: Flags.string({ summary: 'With --starttls smtp: the name said in EHLO (default: this end\'s address, as [127.0.0.1]).', helpValue: 'NAME' }),
    'xmpp-host': Flags.string({ summary: 'With --starttls xmpp: the domain in the stream header (default: HOST).', helpValue: 'DOMAIN' }),
    timeout: Flags.integer({ summary: 'Seconds to wait for the connection and the handshake.', default: 10, min: 1, max: 600, helpValue: 'SECONDS' }),
  };

  async run() {
    const f = this.flags;
    const { host, port } = parseTarget(this.args.target);
    const versions = versionOptions(f.tls);
    const weak = cbcSuitesWarning(listFlag(f.suites));
    if (weak) this.note(weak);
    if ((f.name || f['xmpp-host']) && !f.starttls) throw usage('--name and --xmpp-host are for the STARTTLS dialogue: give --starttls smtp or --starttls xmpp too');
    if (f.label && !f.db && !f.token) throw usage('--label names an entry of --db or --token: give one of them too');

    const anchors: Uint8Array[] = [];
    let clientChain: Uint8Array[] | undefined;
    let clientKey: PrivateKeyHandle | undefined;
    let provider: CryptoProvider | undefined;
    let store: KeyStore | undefined;
    if (f.db || f.token) {
      ({ store } = await openStore(f, (m) => this.note(m)));
      // A token's provider serves the whole handshake, so --token-ops all works without a client key too.
      provider = store.provider;
      anchors.push(...trustAnchorsOf(store));
      if (f.label) {
        const creds = await credentialsFrom(store, f.label);
        clientChain = creds.certificateChain;
        clientKey = creds.privateKey;
      }
    }
    for (const file of f['ca-file'] ?? []) {
      anchors.push(...readCertificateFile(await readFileOrFail(file)));
    }
    if (f.insecure) this.note('--insecure: the server\'s certificate is not checked, so anyone between here and the server could pose as it');
    else if (anchors.length === 0) throw usage('no trust anchors: give --ca-file FILE or --db with a trusted CA entry (or --insecure, for tests only)');

    const report = await probe({
      host,
      port,
      ...(provider ? { provider } : {}),
      ...(f.servername ? { serverName: f.servername } : {}),
      trustAnchors: anchors,
      verify: f.insecure ? 'insecure' : true,
      ...(clientChain ? { certificateChain: clientChain, privateKey: clientKey } : {}),
      ...(listFlag(f.suites) ? { cipherSuites: listFlag(f.suites) as CipherSuiteName[] } : {}),
      ...(listFlag(f.groups) ? { groups: listFlag(f.groups) } : {}),
      ...(listFlag(f.alpn) ? { alpnProtocols: listFlag(f.alpn) } : {}),
      ...versions,
      ...weakTlsOptions(f, (m) => this.note(m)),
      ...(f.trace ? { trace: tracePrinter(this.jsonEnabled()) } : {}),
      keyLog: keyLogFrom(f.keylog),
      timeoutMs: f.timeout * 1000,
      ...(f.starttls ? { starttls: { protocol: f.starttls as (typeof STARTTLS_PROTOCOLS)[number], ...(f.name ? { name: f.name } : {}), ...(f['xmpp-host'] ? { xmppHost: f['xmpp-host'] } : {}) } } : {}),
      ...(f.send !== undefined ? { send: Buffer.from(f.send.replace(/\\r/g, '\r').replace(/\\n/g, '\n').replace(/\\t/g, '\t')) } : {}),
    });

    store?.close();
    const ops = keyOperationsOf(provider ?? softwareProvider());
    const ran = { ...keyOperationsFor(ops, report), ...(report.clientCertificateSent ? {} : { sign: 'none' as const }) };
    const v = report.validation;
    const validity =
      v.valid === true
        ? out.green(`valid for ${report.serverName}`)
        : v.valid === false
          ? `${out.red('NOT VALID')}: ${v.reason?.message ?? 'it did not validate'}${report.verify === 'insecure' ? ' (handshake completed because of --insecure)' : ''}`
          : out.yellow(v.reason?.message ?? 'not checked');
    this.say(
      fields([
        ['server', `${host}:${port}${report.serverName !== host ? ` (name ${report.serverName})` : ''}`],
        ['STARTTLS', report.starttls ? `${report.starttls.protocol} (${report.starttls.serverSaid[report.starttls.serverSaid.length - 1]})` : undefined],
        ['version', report.version],
        ['cipher suite', report.cipherSuite],
        ['group', `${report.group}${report.helloRetry ? ' (after a HelloRetryRequest)' : ''}`],
        ['signature scheme', report.signatureScheme ?? '(none)'],
        ['ALPN', report.alpn ?? '(none)'],
        ['resumed', report.resumed ? 'yes' : 'no (full handshake)'],
        ['client certificate', report.clientCertificateSent ? `sent ("${f.label}")` : report.clientCertificateRequested ? 'asked for, none sent' : 'not asked for'],
        ['handshake', `${ms(report.handshakeMs)} (TCP connect ${ms(report.connectMs)})`],
        ['validation', validity],
        ['key operations', ops.token ? keyOperationsLine(ops.token, ran) : undefined],
      ]),
    );
    this.say(`\nCertificate chain, as kyman built and verified it:\n${chainTable(report.chain)}`);
    if (report.unused.length) this.say(`\nSent by the server but not on the path:\n${chainTable(report.unused)}`);
    if (report.reply) {
      const text = Buffer.from(report.reply.data).toString('utf8');
      const why = report.reply.ended === 'peer-closed' ? 'until the server closed' : report.reply.ended === 'idle' ? 'until the server went quiet' : 'up to the limit';
      this.say(`\nReply (${report.reply.data.length} bytes, ${why}):`);
      if (!this.jsonEnabled()) process.stdout.write(text.endsWith('\n') || text === '' ? text : `${text}\n`);
    }
    const { summary: _raw, reply, ...rest } = report;
    return {
      ...rest,
      keyOperations: { ...ops, ran },
      handshakeMs: Math.round(report.handshakeMs * 100) / 100,
      connectMs: Math.round(report.connectMs * 100) / 100,
      ...(reply ? { reply: { text: Buffer.from(reply.data).toString('utf8'), bytes: reply.data.length, ended: reply.ended } } : {}),
    };
  }
}
