import { Args, Flags } from '@oclif/core';
import { createReadStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { keyOperationsFor, keyOperationsOf } from '../../core/crypto/pkcs11.js';
import type { CryptoProvider, PrivateKeyHandle } from '../../core/crypto/provider.js';
import { softwareProvider } from '../../core/crypto/software.js';
import { notFound, failed, usage } from '../../core/errors.js';
import { credentialsFrom, trustAnchorsOf } from '../../core/keystore/credentials.js';
import { fileExists, readFileOrFail } from '../../core/keystore/file-io.js';
import type { KeyStore } from '../../core/keystore/types.js';
import { readCertificateFile } from '../../core/pki/certificate-file.js';
import { readCertificate } from '../../core/pki/certificate/read.js';
import { encodePem } from '../../core/pki/pem.js';
import type { TlsSession } from '../../core/tls/session-cache.js';
import type { CipherSuiteName } from '../../core/tls/suites.js';
import { MAX_REPLY_BYTES, type ProbeOptions, type ProbeReport, probe, versionOptions, DEFAULT_IDLE_MS } from '../../core/tools/probe.js';
import { readSessionFile, writeSessionFile } from '../../core/tools/session-file.js';
import { STARTTLS_PROTOCOLS } from '../../core/tools/starttls/index.js';
import { loadTrustStore, systemTrustStore, type TrustStore } from '../../core/tools/trust-store.js';
import { parseHostPort } from '../../core/tools/endpoint-probe/targets.js';
import { KymanCommand, commonFlags, tokenFlags } from '../../cli/base-command.js';
import { openStore } from '../../cli/key-database.js';
import { err, fields, out } from '../../cli/output.js';
import { certificateJson } from '../../cli/render.js';
import { cbcSuitesWarning, chainTable, keyLogFrom, keyOperationsLine, listFlag, ms, pemCredentialFlags, pemCredentials, tlsFlags, weakTlsOptions, tokenOpsFlag, tracePrinter } from '../../cli/tls.js';

/** `host:port`, `[v6]:port`, or a bare host (port 443): as a line of `tls probe --targets` reads it. */
export const parseTarget = parseHostPort;

/** `--wait`: seconds (fractions allowed), or `close` for until the server closes. */
function parseWait(v: string | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  if (v === 'close') return Infinity;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || n > 86_400) throw usage(`--wait ${v} is not a number of seconds (0 to 86400) or "close"`);
  return n * 1000;
}

/** The one line that says what was agreed: version, suite, group (and HelloRetryRequest), the server's signature scheme, resumed or not. */
function agreedLine(r: ProbeReport): string {
  return [
    r.version,
    r.cipherSuite,
    `${r.group}${r.helloRetry ? ' after HelloRetryRequest' : ''}`,
    r.signatureScheme ?? (r.resumed ? 'no signature (resumed)' : 'no signature'),
    r.resumed ? 'resumed' : 'full handshake',
  ].join(', ');
}

const resumedWords = (r: ProbeReport) => (r.resumption.resumed ? 'yes' : `no: ${r.resumption.why ?? 'full handshake'}`);

export default class TlsClient extends KymanCommand<typeof TlsClient> {
  static override summary = 'Run a TLS handshake against a server and show what was agreed and how its chain validated; or talk to it through standard input and output.';
  static override description =
    'Connects to HOST:PORT, runs a handshake on kyman\'s own TLS engine and prints the version, cipher suite, group (and whether a HelloRetryRequest came first), signature scheme, ALPN, whether the session was resumed (and why not), the handshake time, and the server\'s chain as kyman built and verified it (which certificates the server sent, which came from the trust store). The name checked in the certificate and sent in SNI is HOST unless --servername says otherwise; --no-verify-name checks the chain but not the name. Trust anchors are the system store (SSL_CERT_FILE, or the distribution\'s bundle, and the folders of SSL_CERT_DIR, as OpenSSL finds them), unless --ca-file, --ca-dir or --db give others, which replace it. With --stdin, after the handshake standard input goes to the server and what the server sends goes to standard output, byte for byte, until the server closes; the report then goes to standard error (--quiet drops it). Without --stdin, standard input is never read: --send TEXT or --send-file FILE is sent and the reply printed after the report, raw, until the server closes or is quiet for --wait seconds; a reply longer than --max-reply is cut, said, and exits 1. --sess-out saves the session (TLS 1.3 ticket or TLS 1.2 id or ticket, readable by you alone) for --sess-in to resume in a later run; --reconnect N resumes it N times in this one. --showcerts writes every certificate the server sent as PEM. Exit 0 when the handshake succeeded, 1 when it failed (the alert named). gskkyman has no such action; `openssl s_client` is the nearest.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> www.example.com:443',
    { description: 'Talk to the server: standard input to it, its answer to standard output, the report to standard error', command: 'printf \'GET / HTTP/1.0\\r\\n\\r\\n\' | <%= config.bin %> <%= command.id %> localhost:4433 --ca-file ca.pem --stdin' },
    { description: 'The chain the server sent, as PEM', command: '<%= config.bin %> <%= command.id %> localhost:4433 --ca-file ca.pem --showcerts --out chain.pem' },
    { description: 'Save the session, resume it in a later run', command: '<%= config.bin %> <%= command.id %> localhost:4433 --ca-file ca.pem --sess-out sess.txt && <%= config.bin %> <%= command.id %> localhost:4433 --ca-file ca.pem --sess-in sess.txt' },
    { description: 'Mutual TLS with a PEM certificate and key, and an HTTP request', command: '<%= config.bin %> <%= command.id %> localhost:4433 --ca-file ca.pem --cert client.pem --key client.key --send "GET / HTTP/1.1\\r\\nHost: localhost\\r\\n\\r\\n"' },
    { description: 'Mutual TLS with the entry "client" of a key database', command: '<%= config.bin %> <%= command.id %> localhost:4433 --db demo.kdb --label client' },
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
    'ca-file': Flags.string({ summary: 'Trusted CA certificates (PEM, DER or PKCS #7), instead of the system store. Repeatable.', multiple: true, helpValue: 'FILE' }),
    'ca-dir': Flags.string({ summary: 'A folder of trusted CA certificates (OpenSSL\'s hashed links, *.pem, *.crt), instead of the system store. Repeatable.', multiple: true, helpValue: 'DIR' }),
    label: Flags.string({ summary: 'Entry of --db to present as the client certificate when the server asks for one (default: the default key, if the database has one).', helpValue: 'LABEL' }),
    ...pemCredentialFlags('Client'),
    ...tlsFlags,
    send: Flags.string({ summary: 'Send TEXT after the handshake (\\r, \\n and \\t are understood) and print what comes back.', helpValue: 'TEXT', exclusive: ['send-file', 'stdin'] }),
    'send-file': Flags.string({ summary: 'Send the bytes of FILE after the handshake and print what comes back.', helpValue: 'FILE', exclusive: ['stdin'] }),
    stdin: Flags.boolean({ summary: 'After the handshake, copy standard input to the server and the server\'s data to standard output, both ways at once, until the server closes; the report goes to standard error.' }),
    quiet: Flags.boolean({ char: 'q', summary: 'With --stdin: no report, only the server\'s data.' }),
    wait: Flags.string({ summary: 'How long to wait for more of the reply once the server is quiet: SECONDS, or "close" for until the server closes. Default 1.5, and "close" with --stdin.', helpValue: 'SECONDS|close' }),
    'max-reply': Flags.integer({ summary: `Bytes of a --send or --send-file reply kept; a longer reply is cut there, said, and exits 1 (default ${MAX_REPLY_BYTES}).`, min: 1, max: 1 << 30, helpValue: 'BYTES' }),
    'sess-out': Flags.string({ summary: 'Save the session to FILE (mode 0600: it holds the session\'s secret) to resume it later with --sess-in.', helpValue: 'FILE' }),
    'sess-in': Flags.string({ summary: 'Offer the session saved in FILE by --sess-out; the report says whether it was resumed, and why not.', helpValue: 'FILE' }),
    reconnect: Flags.integer({ summary: 'After the first handshake, connect N more times resuming its session, one line each.', min: 1, max: 100, helpValue: 'N' }),
    showcerts: Flags.boolean({ summary: 'Write every certificate the server sent as PEM, to standard output or --out.' }),
    out: Flags.string({ summary: 'With --showcerts: the file the PEM goes to.', helpValue: 'FILE', dependsOn: ['showcerts'] }),
    'key-update': Flags.boolean({ summary: 'After the handshake, send a KeyUpdate asking the server to update its keys too (TLS 1.3).' }),
    insecure: Flags.boolean({ summary: 'Complete the handshake whatever the server\'s certificate (the result is still shown). For tests only.' }),
    'no-verify-name': Flags.boolean({ summary: 'Check the server\'s chain but not that it names the server (for servers reached by another name). Warned.' }),
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
    const json = this.jsonEnabled();
    const streaming = f.stdin;
    if ((f.name || f['xmpp-host']) && !f.starttls) throw usage('--name and --xmpp-host are for the STARTTLS dialogue: give --starttls smtp or --starttls xmpp too');
    if (f.label && !f.db && !f.token) throw usage('--label names an entry of --db or --token: give one of them too');
    if (f.cert && f.label) throw usage('--cert and --label both name a client certificate: give one');
    if (streaming && json) throw usage('--stdin sends the server\'s data to standard output, which --json needs for its document: drop one');
    if (streaming && f.showcerts && !f.out) throw usage('--stdin sends the server\'s data to standard output: give --showcerts an --out FILE');
    if (f.quiet && !streaming) throw usage('--quiet is for --stdin, where the report would go to standard error');
    if (f.reconnect && (streaming || f.send !== undefined || f['send-file'])) throw usage('--reconnect runs handshakes only: leave out --stdin, --send and --send-file');
    // In --stdin mode standard output is the server's: everything people read goes to standard error.
    const show = (text: string) => {
      if (streaming) {
        if (!f.quiet) process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
      } else this.say(text);
    };
    const paint = streaming ? err : out;

    const anchors: Uint8Array[] = [];
    let trustStore: TrustStore | undefined;
    let clientChain: Uint8Array[] | undefined;
    let clientKey: PrivateKeyHandle | undefined;
    let clientName: string | undefined;
    let noClientCert: string | undefined;
    let provider: CryptoProvider | undefined;
    let store: KeyStore | undefined;
    if (f.db || f.token) {
      ({ store } = await openStore(f, (m) => this.note(m)));
      // A token's provider serves the whole handshake, so --token-ops all works without a client key too.
      provider = store.provider;
      anchors.push(...trustAnchorsOf(store));
      const fallback = f.label === undefined && !f.cert ? store.defaultEntry() : undefined;
      // The default key answers a certificate request only when its certificate may authenticate a client (RFC 5280 §4.2.1.12).
      const ekus = fallback ? readCertificate(store.provider, fallback.certificate).extendedKeyUsage : [];
      const fallbackFits = fallback?.hasPrivateKey === true && (ekus.length === 0 || ekus.includes('clientAuth') || ekus.includes('anyExtendedKeyUsage'));
      if (f.label || (fallback && fallbackFits)) {
        const creds = await credentialsFrom(store, f.label);
        clientChain = creds.certificateChain;
        clientKey = creds.privateKey;
        clientName = `"${creds.label}"${f.label ? '' : ', the default key'}`;
      } else if (!f.cert) {
        noClientCert = fallback?.hasPrivateKey ? `the default key "${fallback.label}" of ${store.path} is not for client authentication; give --label` : `${store.path} has no default key; give --label`;
      }
    }
    const files = await pemCredentials(f, provider ?? softwareProvider());
    if (files) {
      clientChain = files.certificateChain;
      clientKey = files.privateKey;
      clientName = f.cert;
    }
    for (const file of f['ca-file'] ?? []) anchors.push(...readCertificateFile(await readFileOrFail(file)));
    if (f['ca-dir']?.length) trustStore = loadTrustStore([], f['ca-dir']);
    if (!anchors.length && !trustStore) {
      try {
        trustStore = systemTrustStore(process.env);
      } catch (e) {
        if (!f.insecure) throw e;
      }
    }
    if (f.insecure) this.note('--insecure: the server\'s certificate is not checked, so anyone between here and the server could pose as it');
    else if (anchors.length === 0 && !trustStore?.size) throw usage('no trust anchors: give --ca-file FILE, --ca-dir DIR or --db with a trusted CA entry (or --insecure, for tests only)');
    if (f['no-verify-name'] && !f.insecure) this.note('--no-verify-name: any certificate the trust anchors vouch for is accepted, whoever it names');
    const session: TlsSession | undefined = f['sess-in'] ? readSessionFile(f['sess-in']) : undefined;
    const idleMs = parseWait(f.wait, streaming ? Infinity : DEFAULT_IDLE_MS);

    let send: ProbeOptions['send'];
    if (f.send !== undefined) send = Buffer.from(f.send.replace(/\\r/g, '\r').replace(/\\n/g, '\n').replace(/\\t/g, '\t'));
    else if (f['send-file']) {
      if (!(await fileExists(f['send-file']))) throw notFound(`${f['send-file']}: no such file`);
      send = createReadStream(f['send-file']);
    }
    const base: ProbeOptions = {
      host,
      port,
      ...(provider ? { provider } : {}),
      ...(f.servername ? { serverName: f.servername } : {}),
      trustAnchors: anchors,
      ...(trustStore ? { trustAnchorSource: (chain: readonly Uint8Array[]) => trustStore.anchorsFor(chain) } : {}),
      ...(f['no-verify-name'] ? { verifyName: false } : {}),
      verify: f.insecure ? 'insecure' : true,
      ...(clientChain ? { certificateChain: clientChain, privateKey: clientKey } : {}),
      ...(listFlag(f.suites) ? { cipherSuites: listFlag(f.suites) as CipherSuiteName[] } : {}),
      ...(listFlag(f.groups) ? { groups: listFlag(f.groups) } : {}),
      ...(listFlag(f.alpn) ? { alpnProtocols: listFlag(f.alpn) } : {}),
      ...versions,
      ...weakTlsOptions(f, (m) => this.note(m)),
      ...(f.trace ? { trace: tracePrinter(json || streaming) } : {}),
      keyLog: keyLogFrom(f.keylog),
      timeoutMs: f.timeout * 1000,
      ...(f.starttls ? { starttls: { protocol: f.starttls as (typeof STARTTLS_PROTOCOLS)[number], ...(f.name ? { name: f.name } : {}), ...(f['xmpp-host'] ? { xmppHost: f['xmpp-host'] } : {}) } } : {}),
      idleMs,
      ...(f['max-reply'] ? { maxReplyBytes: f['max-reply'] } : {}),
    };
    const report = await probe({
      ...base,
      ...(session ? { session } : {}),
      ...(send !== undefined ? { send } : {}),
      ...(streaming ? { stream: { input: process.stdin, output: process.stdout } } : {}),
      awaitSession: Boolean(f['sess-out'] || f.reconnect),
      keyUpdate: f['key-update'],
    });

    const reconnects: { resumed: boolean; why?: string; version: string; handshakeMs: number }[] = [];
    let latest = report.session;
    for (let i = 0; i < (f.reconnect ?? 0); i++) {
      const again = await probe({ ...base, ...(latest ? { session: latest } : {}), awaitSession: true });
      latest = again.session ?? latest;
      reconnects.push({ resumed: again.resumption.resumed, ...(again.resumption.why ? { why: again.resumption.why } : {}), version: again.version, handshakeMs: Math.round(again.handshakeMs * 100) / 100 });
    }
    store?.close();
    if (f['sess-out']) {
      if (latest) writeSessionFile(f['sess-out'], latest);
      else this.note(`no session to save in ${f['sess-out']}: the server sent none (it may not do resumption)`);
    }
    if (f.showcerts) {
      const pem = report.summary.peerCertificates.map((d) => encodePem('CERTIFICATE', d)).join('');
      if (f.out) await writeFile(f.out, pem);
      else if (!json) process.stdout.write(pem);
    }

    const ops = keyOperationsOf(provider ?? softwareProvider());
    const ran = { ...keyOperationsFor(ops, report), ...(report.clientCertificateSent ? {} : { sign: 'none' as const }) };
    const v = report.validation;
    const validity =
      v.valid === true
        ? paint.green(`valid${report.serverName && !f['no-verify-name'] ? ` for ${report.serverName}` : ' (name not checked: --no-verify-name)'}`)
        : v.valid === false
          ? `${paint.red('NOT VALID')}: ${v.reason?.message ?? 'it did not validate'}${report.verify === 'insecure' ? ' (handshake completed because of --insecure)' : ''}`
          : paint.yellow(v.reason?.message ?? 'not checked');
    const trustWords = trustStore && !anchors.length ? `${trustStore.sources.join(', ')} (${trustStore.size} certificates)` : undefined;
    show(
      fields([
        ['agreed', agreedLine(report)],
        ['server', `${host}:${port}${report.serverName !== host ? ` (name ${report.serverName})` : ''}`],
        ['STARTTLS', report.starttls ? `${report.starttls.protocol} (${report.starttls.serverSaid[report.starttls.serverSaid.length - 1]})` : undefined],
        ['version', report.version],
        ['cipher suite', report.cipherSuite],
        ['group', `${report.group}${report.helloRetry ? ' (after a HelloRetryRequest)' : ''}`],
        ['signature scheme', report.signatureScheme ?? '(none)'],
        ['ALPN', report.alpn ?? '(none)'],
        ['resumed', resumedWords(report)],
        ['client certificate', report.clientCertificateSent ? `sent (${clientName})` : report.clientCertificateRequested ? `asked for, none sent${noClientCert ? ` (${noClientCert})` : ''}` : 'not asked for'],
        ['key update', report.keyUpdate ? (report.keyUpdate.sent ? `sent; the server's ${report.keyUpdate.peerUpdated ? 'came back' : 'not seen (a server may send it only with its next data)'}` : report.keyUpdate.why) : undefined],
        ['handshake', `${ms(report.handshakeMs)} (TCP connect ${ms(report.connectMs)})`],
        ['trust store', trustWords],
        ['validation', validity],
        ['key operations', ops.token ? keyOperationsLine(ops.token, ran) : undefined],
      ]),
    );
    show(`\nCertificate chain, as kyman built and verified it:\n${chainTable(report.chain)}`);
    if (report.unused.length) show(`\nSent by the server but not on the path:\n${chainTable(report.unused)}`);
    reconnects.forEach((r, i) => show(`reconnect ${i + 1}: ${r.resumed ? 'resumed' : `not resumed: ${r.why}`} (${r.version}, ${ms(r.handshakeMs)})`));
    if (report.streamed) {
      const how = report.streamed.ended === 'peer-closed' ? 'until the server closed' : 'until the server went quiet (--wait)';
      show(`\nStreamed ${report.streamed.sent} bytes to the server and ${report.streamed.received} from it, ${how}.`);
    }
    if (report.reply) {
      const why = report.reply.ended === 'peer-closed' ? 'until the server closed' : report.reply.ended === 'idle' ? 'until the server went quiet' : `cut at --max-reply ${base.maxReplyBytes ?? MAX_REPLY_BYTES} bytes`;
      show(`\nReply (${report.reply.data.length} bytes, ${why}):`);
      // The bytes as they came: binary replies are not decoded.
      if (!json) {
        const data = Buffer.from(report.reply.data);
        process.stdout.write(data);
        if (data.length && data[data.length - 1] !== 0x0a && process.stdout.isTTY) process.stdout.write('\n');
      }
    }
    const limitHit = report.reply?.ended === 'limit';
    const { summary: _raw, reply, session: _secret, ...rest } = report;
    const result = {
      ...rest,
      keyOperations: { ...ops, ran },
      handshakeMs: Math.round(report.handshakeMs * 100) / 100,
      connectMs: Math.round(report.connectMs * 100) / 100,
      peerCertificates: report.summary.peerCertificates.map((d) => certificateJson(readCertificate(provider ?? softwareProvider(), d))),
      ...(reply ? { reply: { text: Buffer.from(reply.data).toString('utf8'), base64: Buffer.from(reply.data).toString('base64'), bytes: reply.data.length, ended: reply.ended } } : {}),
      ...(reconnects.length ? { reconnects } : {}),
    };
    if (limitHit) {
      throw failed(`the reply was longer than --max-reply ${base.maxReplyBytes ?? MAX_REPLY_BYTES} bytes and was cut there; give a larger --max-reply, or --stdin to stream it`);
    }
    return result;
  }
}
