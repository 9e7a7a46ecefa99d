// The server entry (after Go's serverHandshake): reads the ClientHello once, picks the version, then hands over to the TLS 1.3 or TLS 1.2 handshake.

import type { CryptoProvider } from '../crypto/provider.js';
import { usage } from '../errors.js';
import { fatal } from './alerts.js';
import type { Handshake } from './handshake.js';
import type { TlsServerOptions } from './options.js';
import { certificateMessage, readMessage } from './handshake-tls13.js';
import { Transcript } from './key-schedule.js';
import { CertificateCodec, ClientHelloCodec, ExtensionType, TLS10, TLS12, TLS13, findExtension, supportedVersionsExt, type ClientHello } from './msgs/index.js';
import { ServerHandshake12 } from './server-tls12.js';
import { ServerHandshake13 } from './server-tls13.js';
import { ServerSessionStore } from './session-cache.js';
import {
  TLS_FALLBACK_SCSV,
  resolveGroups,
  resolveSchemes,
  resolveSchemes12,
  resolveSuites,
  resolveSuites12,
  resolveVersions,
  type CipherSuite,
  type CipherSuite12,
  type Group,
  type SignatureSchemeInfo,
  type TlsVersionName,
} from './suites.js';
import { checkDheGroups } from './dhe-tls12.js';

/** USAGE for a server configuration that cannot work, before any client connects. */
function checkServerOptions(options: TlsServerOptions): void {
  resolveVersions(options.versions, options.cipherSuites);
  resolveSuites(options.cipherSuites);
  checkDheGroups(resolveSuites12(options.cipherSuites), resolveGroups(options.groups, options.provider));
  resolveSchemes(options.signatureSchemes);
  if (!options.certificateChain?.length || !options.privateKey) throw usage('a TLS server needs certificateChain and privateKey');
  const mode = options.clientAuth ?? 'none';
  if (mode !== 'none' && mode !== 'optional' && mode !== 'required') throw usage(`clientAuth is none, optional or required, not ${String(mode)}`);
  if (mode !== 'none' && !options.clientTrustAnchors?.length) throw usage('clientAuth needs clientTrustAnchors to check client certificates against');
}

/**
 * What a server configuration resolves to, worked out once by createTlsServer for all its
 * connections: the enabled versions, suites, groups and schemes, and the resumption state they share.
 */
export interface ServerContext {
  readonly versions: TlsVersionName[];
  readonly suites: CipherSuite[];
  readonly suites12: CipherSuite12[];
  readonly groups: Group[];
  readonly schemes: SignatureSchemeInfo[];
  readonly schemes12: SignatureSchemeInfo[];
  /** RFC 8446 §4.6.1, RFC 5077: tickets and the session cache; undefined when resumption is off. */
  readonly store: ServerSessionStore | undefined;
  /** RFC 8446 §4.4.2: the TLS 1.3 Certificate message of our chain, encoded once (a server's is the same for every client). */
  readonly certificate13: Uint8Array;
}

/** Checks `options` (USAGE for a configuration that cannot work) and resolves them for `provider`. */
export function serverContext(options: TlsServerOptions, provider: CryptoProvider): ServerContext {
  checkServerOptions(options);
  const versions = resolveVersions(options.versions, options.cipherSuites);
  return {
    versions,
    suites: versions.includes('TLSv1.3') ? resolveSuites(options.cipherSuites) : [],
    suites12: resolveSuites12(options.cipherSuites),
    groups: resolveGroups(options.groups, provider),
    schemes: resolveSchemes(options.signatureSchemes),
    schemes12: resolveSchemes12(options.signatureSchemes),
    store: (options.resumption ?? true) ? new ServerSessionStore(provider) : undefined,
    certificate13: CertificateCodec.encode(certificateMessage(new Uint8Array(0), options.certificateChain)),
  };
}

/**
 * RFC 8446 §4.2.1: TLS 1.3 when the client lists it in supported_versions and we speak it; otherwise
 * TLS 1.2 when the client reaches it (supported_versions, or legacy_version without it, RFC 5246 §E.1).
 * Anything lower is a protocol_version.
 */
export function chooseVersion(hello: ClientHello, enabled: readonly TlsVersionName[]): TlsVersionName {
  // RFC 8446 §D.5, RFC 7568: a ClientHello below TLS 1.0 (SSL 3.0, or not TLS at all) is refused
  // whatever supported_versions says, as OpenSSL refuses it.
  if (hello.legacy_version < TLS10) throw fatal('protocol_version', `the ClientHello's legacy_version is 0x${hello.legacy_version.toString(16).padStart(4, '0')}, below TLS 1.0`);
  const versionsData = findExtension(hello.extensions, ExtensionType.supported_versions);
  const offered = versionsData ? supportedVersionsExt.client.decode(versionsData) : [];
  if (offered.includes(TLS13) && enabled.includes('TLSv1.3')) return 'TLSv1.3';
  const reaches12 = versionsData ? offered.includes(TLS12) : hello.legacy_version >= TLS12;
  if (reaches12 && enabled.includes('TLSv1.2')) {
    // RFC 7507 §3: a client that says it fell back, to below the highest version we speak, is refused.
    if (hello.cipher_suites.includes(TLS_FALLBACK_SCSV) && enabled.includes('TLSv1.3')) {
      throw fatal('inappropriate_fallback', 'the client signals a fallback (TLS_FALLBACK_SCSV) to TLS 1.2, but this server speaks TLS 1.3');
    }
    return 'TLSv1.2';
  }
  throw fatal('protocol_version', `the client offers none of the enabled versions (${enabled.join(', ')})`);
}

/** The server side of one connection: the ClientHello (RFC 8446 §4.1.2) read once, then the chosen version's handshake. */
export function serverHandshake(options: TlsServerOptions, context: ServerContext): Handshake {
  return async (ch) => {
    const started = performance.now();
    const { message: clientHello, raw } = await readMessage(ch, ClientHelloCodec);
    const transcript = new Transcript();
    transcript.add(raw);
    if (chooseVersion(clientHello, context.versions) === 'TLSv1.3') {
      return new ServerHandshake13(ch, options, context, { clientHello, clientHelloRaw: raw, transcript, started }).run();
    }
    // RFC 5246 §7.2: TLS 1.2's alerts, where a warning does not end the connection.
    ch.useTls12Alerts();
    return new ServerHandshake12(ch, options, context, { clientHello, transcript, started }).run();
  };
}
