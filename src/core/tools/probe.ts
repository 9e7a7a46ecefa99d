// Test handshakes as `kyman tls client` runs them: connect, handshake, report what was agreed and how the chain validated.

import * as net from 'node:net';
import type { CryptoProvider } from '../crypto/provider.js';
import { softwareProvider } from '../crypto/software.js';
import { failed, KymanError, usage } from '../errors.js';
import { readCertificate, type CertificateInfo } from '../pki/certificate/index.js';
import { validateChain, type ValidationReason } from '../pki/validate.js';
import { startTls, type StarttlsOptions, type StarttlsResult } from './starttls/index.js';
import { connect, TLS_VERSIONS, TlsAlertError, type HandshakeSummary, type TlsClientOptions, type TlsSocket, type TlsVersionName, type TraceSink } from '../tls/index.js';

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
  /** Application data to send once the handshake is done; the reply is collected until the peer closes or `idleMs` passes. */
  send?: Uint8Array;
  idleMs?: number;
  /** TLS version from `versionOptions`, passed through to the engine. */
  versions?: TlsVersionName[];
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

/** Opens a TCP connection, failing after `timeoutMs`. */
function connectTcp(host: string, port: number, timeoutMs: number): Promise<net.Socket> {
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
  const { host, port, timeoutMs = 10_000, send, idleMs = DEFAULT_IDLE_MS, verify = true, starttls: plain, ...tlsOptions } = options;
  const provider = options.provider ?? softwareProvider();
  const serverName = options.serverName ?? host;
  const started = performance.now();
  const tcp = await connectTcp(host, port, timeoutMs);
  const connectMs = performance.now() - started;
  let starttls: StarttlsResult | undefined;
  if (plain) {
    try {
      starttls = await startTls(tcp, { ...plain, host, port, timeoutMs: Math.max(1, timeoutMs - connectMs) });
    } catch (e) {
      tcp.destroy();
      throw e;
    }
  }
  const anchors = options.trustAnchors ?? [];
  let certificateRequested = false;
  const userTrace = tlsOptions.trace;
  const trace: TraceSink = (e) => {
    if (e.direction === 'received' && e.message === 'CertificateRequest') certificateRequested = true;
    userTrace?.(e);
  };
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

  let validation: ProbeReport['validation'];
  let built: CertificateInfo[] | undefined;
  if (summary.validation) {
    validation = { valid: summary.validation.valid, ...(summary.validation.reason ? { reason: summary.validation.reason } : {}) };
    built = summary.validation.chain;
  } else if (anchors.length && summary.peerCertificates.length) {
    // --insecure: the engine did not check, but a person still wants to know what a check would say.
    const r = validateChain(provider, summary.peerCertificates[0], { trustAnchors: anchors, intermediates: summary.peerCertificates.slice(1), purpose: 'server', host: serverName, at: options.now?.() });
    validation = { valid: r.valid, ...(r.reason ? { reason: r.reason } : {}) };
    built = r.chain;
  } else {
    validation = { valid: null, reason: { message: 'not checked (--insecure and no trust anchors)' } };
  }
  const { chain, unused } = describeChain(provider, summary, anchors, built);

  let reply: ProbeReport['reply'];
  if (send) {
    reply = await exchange(socket, send, idleMs);
    if (lateError !== undefined) throw failed(`${describeHandshakeFailure(lateError, 'server')} (after the handshake)`, lateError);
  }
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
    summary,
  };
}

/** Sends `data` and collects the answer until the peer closes, nothing comes for `idleMs`, or the limit is reached. */
function exchange(socket: TlsSocket, data: Uint8Array, idleMs: number): Promise<NonNullable<ProbeReport['reply']>> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let idle: NodeJS.Timeout;
    const finish = (ended: 'peer-closed' | 'idle' | 'limit') => {
      clearTimeout(idle);
      socket.removeAllListeners('data');
      resolve({ data: new Uint8Array(Buffer.concat(chunks)), ended });
    };
    const arm = () => {
      clearTimeout(idle);
      idle = setTimeout(() => finish('idle'), idleMs);
    };
    socket.on('data', (d: Buffer) => {
      chunks.push(d);
      size += d.length;
      if (size >= MAX_REPLY_BYTES) finish('limit');
      else arm();
    });
    socket.once('end', () => finish('peer-closed'));
    socket.once('close', () => finish('peer-closed'));
    socket.write(data);
    arm();
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
