// Test handshakes as `kyman tls client` runs them: connect, handshake, report what was agreed and how the chain validated.

import * as net from 'node:net';
import type { Readable, Writable } from 'node:stream';
import type { CryptoProvider } from '../crypto/provider.js';
import { softwareProvider } from '../crypto/software.js';
import { failed, KymanError, usage } from '../errors.js';
import { readCertificate, type CertificateInfo } from '../pki/certificate/index.js';
import { validateChain, type ValidationReason } from '../pki/validate.js';
import { startTls, type StarttlsOptions, type StarttlsResult } from './starttls/index.js';
import { connect, TLS_VERSIONS, TlsAlertError, type HandshakeSummary, type TlsClientOptions, type TlsSession, type TlsSocket, type TlsVersionName, type TraceSink } from '../tls/index.js';

/** How long `probe` waits for more data after the last it got, when it sent some and the peer keeps the connection open. */
export const DEFAULT_IDLE_MS = 1500;
/** What `probe` keeps of a reply: a test peer that streams for ever must not fill memory. */
export const MAX_REPLY_BYTES = 1 << 20;
/**
 * RFC 8446 §4.4.2.4: a TLS 1.3 server checks the client's certificate after the client has sent
 * its Finished and thinks the handshake done, so a rejection arrives as an alert a round trip
 * later. When the server asked for a certificate, `probe` waits this long for one before it
 * reports success (loopback and LAN round trips are far shorter).
 */
export const CLIENT_AUTH_GRACE_MS = 300;
/**
 * RFC 8446 §4.6.1: TLS 1.3 tickets come after the handshake, once the server has the client's
 * Finished; a probe that wants a session to save waits this long for one (a loopback or LAN
 * server sends it within a round trip).
 */
export const SESSION_WAIT_MS = 1000;
/** §4.6.3: how long a probe that sent a KeyUpdate asking for the peer's waits to see it (peers may send it only with their next data). */
export const KEY_UPDATE_WAIT_MS = 500;

const normaliseVersion = (v: string): TlsVersionName | undefined => {
  const s = v.toLowerCase().replace(/[^0-9.]/g, '');
  return s === '1.2' ? 'TLSv1.2' : s === '1.3' ? 'TLSv1.3' : undefined;
};

/**
 * Checks a requested version (`1.2`, `1.3`, `TLSv1.2` …) against what the engine speaks and
 * returns the engine options that select it; USAGE when it cannot.
 */
export function versionOptions(requested: string | undefined): { versions?: TlsVersionName[] } {
  if (requested === undefined) return {};
  const v = normaliseVersion(requested);
  if (!v) throw usage(`--tls ${requested} is not a TLS version: use 1.2 or 1.3`);
  if (!TLS_VERSIONS.includes(v)) {
    throw usage(`${v.replace('v', ' ')} is not available: kyman's TLS engine speaks ${TLS_VERSIONS.map((a) => a.replace('v', ' ')).join(' and ')} only`);
  }
  return { versions: [v] };
}

/** One certificate as a report shows it. */
export interface ChainCertificate {
  subject: string;
  issuer: string;
  notAfter: string;
  sha256: string;
  /** Whether the peer sent it (false: kyman found it among the trust anchors). */
  sent: boolean;
  /** Whether it is the trust anchor the path ended at. */
  anchor: boolean;
}

export interface ProbeOptions extends Omit<TlsClientOptions, 'serverName' | 'verify'> {
  host: string;
  port: number;
  /** SNI and the name checked in the certificate; default `host`. */
  serverName?: string;
  /** `insecure` completes the handshake whatever the chain; the report still says how it validated. */
  verify?: true | 'insecure';
  /** Connect and handshake within this long. */
  timeoutMs?: number;
  /**
   * Application data to send once the handshake is done (bytes, or a stream such as a file's);
   * the reply is collected until the peer closes, `idleMs` passes (Infinity: until it closes),
   * or `maxReplyBytes` have come.
   */
  send?: Uint8Array | Readable;
  idleMs?: number;
  /** What is kept of a reply; more ends the collection with `ended: 'limit'`. Default MAX_REPLY_BYTES. */
  maxReplyBytes?: number;
  /**
   * Instead of `send`: once the handshake is done, `input` goes to the server and what the server
   * sends goes to `output`, both at once, unbuffered and byte for byte, until the server closes
   * (or, after `input` ended, until it is quiet for `idleMs`).
   */
  stream?: { input?: Readable; output: Writable };
  /** Wait up to SESSION_WAIT_MS for a session to resume from (`report.session`), when none came with the handshake. */
  awaitSession?: boolean;
  /** §4.6.3: send a KeyUpdate after the handshake, asking the peer to update its keys too (TLS 1.3). */
  keyUpdate?: boolean;
  /** TLS version from `versionOptions`, passed through to the engine. */
  versions?: TlsVersionName[];
  /**
   * A transport already connected to `host:port` (after a STARTTLS exchange, say): the handshake
   * runs over it instead of a new TCP connection, and `connectMs` is 0.
   */
  socket?: net.Socket;
  /** Start TLS inside this protocol's plaintext dialogue first (SMTP, IMAP, LDAP …), as `s_client -starttls` does. */
  starttls?: Omit<StarttlsOptions, 'host' | 'port' | 'timeoutMs'>;
}

export interface ProbeReport {
  host: string;
  port: number;
  serverName: string;
  version: string;
  cipherSuite: string;
  group: string;
  signatureScheme?: string;
  alpn?: string;
  resumed: boolean;
  helloRetry: boolean;
  /** Whether the server sent a CertificateRequest. */
  clientCertificateRequested: boolean;
  clientCertificateSent: boolean;
  connectMs: number;
  handshakeMs: number;
  verify: 'on' | 'insecure';
  /** The chain as kyman built it (leaf first, up to the anchor), or as sent when nothing could be built. */
  chain: ChainCertificate[];
  /** Certificates the server sent that the built chain does not use. */
  unused: ChainCertificate[];
  validation: { valid: boolean; reason?: ValidationReason } | { valid: null; reason: { message: string } };
  /** With `starttls`: the protocol, and what the server said before TLS. */
  starttls?: StarttlsResult;
  /** With `send`: what came back, and why collecting stopped. */
  reply?: { data: Uint8Array; ended: 'peer-closed' | 'idle' | 'limit' };
  /** With `stream`: the bytes each way, and why it stopped. */
  streamed?: { sent: number; received: number; ended: 'peer-closed' | 'idle' };
  /** Whether a session was offered and resumed; when not, why not. */
  resumption: { offered: boolean; resumed: boolean; why?: string };
  /** The newest session the server gave, to resume from later (secret: it holds the session's keys). */
  session?: TlsSession;
  /** With `keyUpdate`: whether ours went out and the peer's answer came. */
  keyUpdate?: { sent: boolean; peerUpdated: boolean; why?: string };
  summary: HandshakeSummary;
}

const hexKey = (d: Uint8Array) => Buffer.from(d.buffer, d.byteOffset, d.byteLength).toString('base64');

function describeChain(provider: CryptoProvider, summary: HandshakeSummary, anchors: readonly Uint8Array[], built: CertificateInfo[] | undefined) {
  const sent = new Set(summary.peerCertificates.map(hexKey));
  const anchorKeys = new Set(anchors.map(hexKey));
  const show = (c: CertificateInfo, last: boolean): ChainCertificate => ({
    subject: c.subject,
    issuer: c.issuer,
    notAfter: c.notAfter.toISOString(),
    sha256: c.fingerprints.sha256,
    sent: sent.has(hexKey(c.der)),
    anchor: last && anchorKeys.has(hexKey(c.der)),
  });
  const path = built?.length ? built : summary.peerCertificates.map((d) => readCertificate(provider, d));
  const chain = path.map((c, i) => show(c, i === path.length - 1));
  const used = new Set(path.map((c) => hexKey(c.der)));
  const unused = summary.peerCertificates.filter((d) => !used.has(hexKey(d))).map((d) => show(readCertificate(provider, d), false));
  return { chain, unused };
}

/** Opens a TCP connection, failing after `timeoutMs` (FAILED, saying why in words); the endpoint probe opens its connections with it too. */
export function connectTcp(host: string, port: number, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(failed(`cannot connect to ${host}:${port}: no answer within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const why = e.code === 'ECONNREFUSED' ? 'connection refused (is a server listening there?)' : e.code === 'ENOTFOUND' ? 'no such host' : e.message;
      reject(failed(`cannot connect to ${host}:${port}: ${why}`, e));
    });
  });
}

/**
 * Connects to `host:port`, runs a handshake and reports what was agreed, the chain as kyman built
 * and verified it, and (with `send`) what the server answered. A handshake that fails is thrown
 * as FAILED with `describeHandshakeFailure`'s message, the alert named.
 */
export async function probe(options: ProbeOptions): Promise<ProbeReport> {
  const { host, port, timeoutMs = 10_000, send, idleMs = DEFAULT_IDLE_MS, verify = true, socket: connected, maxReplyBytes = MAX_REPLY_BYTES, stream, awaitSession = false, keyUpdate = false, starttls: plain, ...tlsOptions } = options;
  const provider = options.provider ?? softwareProvider();
  const serverName = options.serverName ?? host;
  const started = performance.now();
  const tcp = connected ?? (await connectTcp(host, port, timeoutMs));
  const connectMs = connected ? 0 : performance.now() - started;
  let starttls: StarttlsResult | undefined;
  if (plain) {
    try {
      starttls = await startTls(tcp, { ...plain, host, port, timeoutMs: Math.max(1, timeoutMs - connectMs) });
    } catch (e) {
      tcp.destroy();
      throw e;
    }
  }
  let anchors: readonly Uint8Array[] = options.trustAnchors ?? [];
  let certificateRequested = false;
  let peerKeyUpdates = 0;
  const userTrace = tlsOptions.trace;
  const trace: TraceSink = (e) => {
    if (e.direction === 'received' && e.message === 'CertificateRequest') certificateRequested = true;
    if (e.direction === 'received' && e.message === 'KeyUpdate') peerKeyUpdates++;
    userTrace?.(e);
  };
  const notOffered = options.session ? whyNotOffered(options.session, serverName, options.versions, options.now?.() ?? new Date()) : 'no session was given';
  const socket: TlsSocket = connect({ ...tlsOptions, trace, provider, socket: tcp, serverName, verify, trustAnchors: anchors });
  let lateError: unknown;
  socket.on('error', (e) => (lateError ??= e));
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(failed(`handshake failed: no answer from ${host}:${port} within ${timeoutMs / 1000} s (is it a TLS server?)`)), timeoutMs - connectMs);
  });
  let summary: HandshakeSummary;
  try {
    summary = await Promise.race([socket.secured, deadline]);
  } catch (e) {
    socket.destroy();
    throw e instanceof KymanError && e.message.startsWith('handshake failed') ? e : failed(describeHandshakeFailure(e, 'server'), e);
  } finally {
    clearTimeout(timer);
  }
  if (certificateRequested) {
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, CLIENT_AUTH_GRACE_MS);
      socket.once('close', () => {
        clearTimeout(t);
        resolve();
      });
    });
    if (lateError !== undefined) throw failed(describeHandshakeFailure(lateError, 'server'), lateError);
  }

  if (options.trustAnchorSource) anchors = [...anchors, ...options.trustAnchorSource(summary.peerCertificates)];
  const checkedHost = options.verifyName === false ? undefined : serverName;
  let validation: ProbeReport['validation'];
  let built: CertificateInfo[] | undefined;
  if (summary.validation) {
    validation = { valid: summary.validation.valid, ...(summary.validation.reason ? { reason: summary.validation.reason } : {}) };
    built = summary.validation.chain;
  } else if (anchors.length && summary.peerCertificates.length) {
    // --insecure: the engine did not check, but a person still wants to know what a check would say.
    const r = validateChain(provider, summary.peerCertificates[0], { trustAnchors: anchors, intermediates: summary.peerCertificates.slice(1), purpose: 'server', host: checkedHost, at: options.now?.() });
    validation = { valid: r.valid, ...(r.reason ? { reason: r.reason } : {}) };
    built = r.chain;
  } else {
    validation = { valid: null, reason: { message: 'not checked (--insecure and no trust anchors)' } };
  }
  const { chain, unused } = describeChain(provider, summary, anchors, built);

  let keyUpdateReport: ProbeReport['keyUpdate'];
  if (keyUpdate) {
    if (summary.version !== 'TLSv1.3') keyUpdateReport = { sent: false, peerUpdated: false, why: `KeyUpdate is TLS 1.3 only; this connection is ${summary.version}` };
    else {
      socket.keyUpdate(true);
      if (!send && !stream) await waitFor(() => peerKeyUpdates > 0, KEY_UPDATE_WAIT_MS, socket);
      keyUpdateReport = { sent: true, peerUpdated: peerKeyUpdates > 0 };
    }
  }
  let reply: ProbeReport['reply'];
  let streamed: ProbeReport['streamed'];
  if (stream) streamed = await streamBoth(socket, stream.input, stream.output, idleMs);
  else if (send) reply = await exchange(socket, send, idleMs, maxReplyBytes);
  if (lateError !== undefined) throw failed(`${describeHandshakeFailure(lateError, 'server')} (after the handshake)`, lateError);
  if (keyUpdateReport?.sent) keyUpdateReport.peerUpdated = peerKeyUpdates > 0;
  if (awaitSession && !socket.session?.version.endsWith('1.2') && (summary.version === 'TLSv1.3' || !socket.session)) {
    const before = socket.session;
    await waitFor(() => socket.session !== before && socket.session !== undefined, SESSION_WAIT_MS, socket);
  }
  const resumption: ProbeReport['resumption'] = summary.resumed
    ? { offered: true, resumed: true }
    : notOffered
      ? { offered: false, resumed: false, why: notOffered }
      : { offered: true, resumed: false, why: 'the server did not resume it (it ran a full handshake: it may have restarted, rotated its ticket key, or not keep sessions)' };
  socket.end();
  setTimeout(() => socket.destroy(), 200).unref();

  return {
    host,
    port,
    serverName,
    version: summary.version,
    cipherSuite: summary.cipherSuite,
    group: summary.group,
    ...(summary.signatureScheme ? { signatureScheme: summary.signatureScheme } : {}),
    ...(summary.alpn !== undefined ? { alpn: summary.alpn } : {}),
    resumed: summary.resumed,
    helloRetry: summary.helloRetry,
    clientCertificateRequested: certificateRequested,
    clientCertificateSent: summary.clientCertificateSent ?? false,
    connectMs,
    handshakeMs: summary.handshakeMs,
    verify: verify === 'insecure' ? 'insecure' : 'on',
    chain,
    unused,
    validation,
    ...(starttls ? { starttls } : {}),
    ...(reply ? { reply } : {}),
    ...(streamed ? { streamed } : {}),
    resumption,
    ...(socket.session ? { session: socket.session } : {}),
    ...(keyUpdateReport ? { keyUpdate: keyUpdateReport } : {}),
    summary,
  };
}

/** Why the engine will not offer `session` to `serverName` (it offers it only then), or undefined when it will. */
function whyNotOffered(session: TlsSession, serverName: string, versions: readonly TlsVersionName[] | undefined, now: Date): string | undefined {
  if (session.serverName !== serverName) return `the session is for ${session.serverName ?? 'no name'}, not ${serverName}`;
  const ends = session.createdAt + session.lifetimeSeconds * 1000;
  if (now.getTime() >= ends) return `the session lapsed at ${new Date(ends).toISOString()}`;
  if (versions && !versions.includes(session.version)) return `the session is ${session.version}, which --tls leaves out`;
  if (session.version === 'TLSv1.2' && session.sessionId.length === 0 && !session.ticket?.length) return 'the server gave the session neither an id nor a ticket';
  return undefined;
}

/** Resolves when `done()` holds, the socket closes, or `ms` pass; checks on each event the socket emits that could change it. */
function waitFor(done: () => boolean, ms: number, socket: TlsSocket): Promise<void> {
  if (done()) return Promise.resolve();
  return new Promise((resolve) => {
    const finish = () => {
      clearTimeout(timer);
      clearInterval(poll);
      socket.off('close', finish);
      resolve();
    };
    const timer = setTimeout(finish, ms);
    // Tickets and KeyUpdates are read as records arrive; a short poll sees them without a hook in the engine.
    const poll = setInterval(() => done() && finish(), 10);
    socket.once('close', finish);
  });
}

/**
 * Copies `input` to the connection and the connection to `output` at once, each side paced by the
 * other's back-pressure, until the server closes; once `input` has ended, also when the server is
 * quiet for `idleMs`.
 */
function streamBoth(socket: TlsSocket, input: Readable | undefined, output: Writable, idleMs: number): Promise<NonNullable<ProbeReport['streamed']>> {
  return new Promise((resolve) => {
    let sent = 0;
    let received = 0;
    let idle: NodeJS.Timeout | undefined;
    let done = false;
    const finish = (ended: 'peer-closed' | 'idle') => {
      if (done) return;
      done = true;
      clearTimeout(idle);
      input?.unpipe?.();
      input?.pause();
      socket.removeAllListeners('data');
      resolve({ sent, received, ended });
    };
    const arm = () => {
      clearTimeout(idle);
      if (Number.isFinite(idleMs)) idle = setTimeout(() => finish('idle'), idleMs);
    };
    socket.on('data', (d: Buffer) => {
      received += d.length;
      if (inputEnded) arm();
      if (!output.write(d)) {
        socket.pause();
        output.once('drain', () => socket.resume());
      }
    });
    socket.once('end', () => finish('peer-closed'));
    socket.once('close', () => finish('peer-closed'));
    let inputEnded = !input;
    // With a finite wait, the connection stays open after the input ends until the server is quiet
    // that long (servers that do not half-close drop what they still had to send on a close_notify);
    // without one, close_notify goes at once and the server's remaining data is read until it closes.
    const endInput = () => {
      inputEnded = true;
      if (!Number.isFinite(idleMs)) socket.end();
      arm();
    };
    if (!input) endInput();
    else {
      input.on('data', (d: Buffer) => {
        sent += d.length;
        if (!socket.write(d)) {
          input.pause();
          socket.once('drain', () => input.resume());
        }
      });
      input.once('end', endInput);
      input.once('error', endInput);
    }
  });
}

/** Sends `data` and collects the answer until the peer closes, nothing comes for `idleMs`, or `limit` bytes came. */
function exchange(socket: TlsSocket, data: Uint8Array | Readable, idleMs: number, limit: number): Promise<NonNullable<ProbeReport['reply']>> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let idle: NodeJS.Timeout | undefined;
    let done = false;
    const finish = (ended: 'peer-closed' | 'idle' | 'limit') => {
      if (done) return;
      done = true;
      clearTimeout(idle);
      socket.removeAllListeners('data');
      if (!(data instanceof Uint8Array)) data.destroy();
      const all = Buffer.concat(chunks);
      resolve({ data: new Uint8Array(all.subarray(0, Math.min(all.length, limit))), ended });
    };
    // Infinity: until the peer closes.
    const arm = () => {
      clearTimeout(idle);
      if (Number.isFinite(idleMs)) idle = setTimeout(() => finish('idle'), idleMs);
    };
    socket.on('data', (d: Buffer) => {
      chunks.push(d);
      size += d.length;
      if (size > limit) finish('limit');
      else arm();
    });
    socket.once('end', () => finish('peer-closed'));
    socket.once('close', () => finish('peer-closed'));
    if (data instanceof Uint8Array) {
      socket.write(data);
      arm();
    } else {
      // A file goes at the pace the connection takes it; the wait for a reply starts when it is all sent.
      data.on('data', (d: Buffer) => {
        if (!socket.write(d)) {
          data.pause();
          socket.once('drain', () => data.resume());
        }
      });
      data.once('end', arm);
    }
  });
}

/** What an alert kyman sent says about the peer's certificate, in words. */
const SENT_ALERT_WORDS: Readonly<Record<string, string>> = {
  unknown_ca: 'certificate is not trusted',
  certificate_expired: 'certificate is outside its validity period',
  bad_certificate: 'certificate was rejected',
  unsupported_certificate: 'certificate is not for this purpose',
};

/** What an alert the peer sent usually means, in words. */
const RECEIVED_ALERT_WORDS: Readonly<Record<string, string>> = {
  handshake_failure: 'found nothing in common with what kyman offered (suites, groups, signature schemes)',
  protocol_version: 'does not speak the TLS version kyman offered',
  certificate_required: 'requires a client certificate',
  unknown_ca: 'does not trust kyman\'s certificate',
  bad_certificate: 'rejected kyman\'s certificate',
  certificate_expired: 'rejected kyman\'s certificate as expired',
  unsupported_certificate: 'rejected kyman\'s certificate as not for this purpose',
  no_application_protocol: 'supports none of the ALPN protocols offered',
  unrecognized_name: 'does not serve the name sent in SNI',
  decrypt_error: 'could not verify a signature or Finished message',
  insufficient_security: 'wants stronger parameters than kyman offered',
};

/**
 * One line for a failed handshake, naming the alert: `handshake failed: the server's certificate
 * is not trusted (unknown_ca): no trusted root for CN=…`. `peer` is who kyman was talking to.
 */
export function describeHandshakeFailure(e: unknown, peer: 'server' | 'client'): string {
  if (e instanceof TlsAlertError) {
    const alert = e.alert.name;
    if (e.direction === 'sent') {
      const reason = e.message
        .replace(/ \(sent \w+ alert\)$/, '')
        .replace(/^the (server|client) certificate was rejected: /, '');
      const words = SENT_ALERT_WORDS[alert];
      return words && reason !== e.message ? `handshake failed: the ${peer}'s ${words} (${alert}): ${reason}` : `handshake failed: ${reason} (${alert})`;
    }
    const words = RECEIVED_ALERT_WORDS[alert] ?? 'ended the handshake';
    const hint = alert === 'certificate_required' && peer === 'server' ? ': give --db with a key entry (and --label)' : '';
    return `handshake failed: the ${peer} ${words} (${alert} alert from the ${peer})${hint}`;
  }
  const message = e instanceof Error ? e.message : String(e);
  return message.startsWith('handshake failed') ? message : `handshake failed: ${message}`;
}
