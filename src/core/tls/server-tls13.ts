// The TLS 1.3 server handshake (RFC 8446 §2, §4), one method per step; the server's flight is buffered and written once.

import type { CryptoProvider, KeyShare } from '../crypto/provider.js';
import { usage } from '../errors.js';
import type { ValidationResult } from '../pki/validate.js';
import { fatal } from './alerts.js';
import type { ClientAuthMode, HandshakeChannel, HandshakeMessage, HandshakeSummary, Handshaker, TlsServerOptions } from './connection.js';
import {
  ApplicationKeys,
  NSS,
  certificatesOf,
  checkPeerChain,
  makeCertificateVerify,
  protectionFor,
  readCertificateVerify,
  readFinished,
  readExpectedFinished,
  readMessage,
  sendCertificate,
  sendFinished,
  sendMessage,
} from './handshake-tls13.js';
import { equalBytes } from '../bytes.js';
import { chooseApplicationProtocol, requestedServerName } from './server-negotiation.js';
import { KeySchedule, Transcript, type EarlySecret, type HandshakeSecret, type MasterSecret, type TrafficSecret } from './key-schedule.js';
import { SESSION_LIFETIME_SECONDS, ServerSessionStore, type ServerTicketState13 } from './session-cache.js';
import {
  CertificateCodec,
  CertificateRequestCodec,
  ClientHelloCodec,
  EncryptedExtensionsCodec,
  ExtensionType,
  FinishedCodec,
  HELLO_RETRY_REQUEST_RANDOM,
  HandshakeType,
  NewSessionTicketCodec,
  ServerHelloCodec,
  preSharedKeyExt,
  pskModesExt,
  TLS12,
  TLS13,
  alpnExt,
  ext,
  findExtension,
  keyShareExt,
  supportedVersionsExt,
  supportedGroupsExt, signatureAlgorithmsExt,
  type ClientHello,
  type Extension,
  type KeyShareEntry,
} from './msgs/index.js';
import { ServerHandshake12 } from './server-tls12.js';
import {
  pickSignatureScheme,
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
import { handshakeRandom } from './random-pool.js';

/** USAGE for a server configuration that cannot work, before any client connects. */
function checkServerOptions(options: TlsServerOptions): void {
  resolveVersions(options.versions, options.cipherSuites);
  resolveSuites(options.cipherSuites);
  resolveGroups(options.groups, options.provider);
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
  };
}

/** §4.2.11: identities looked at per ClientHello; a cheap ClientHello must not cause unbounded ticket decryption (Go's maxClientPSKIdentities). */
export const MAX_CLIENT_PSK_IDENTITIES = 5;
/** §4.6.1: tickets sent after each full or resumed handshake; one is enough for a client that resumes once per connection. */
const TICKETS_PER_HANDSHAKE = 1;

/** The server's handshake state, as Go's serverHandshakeStateTLS13 keeps it. */
export class ServerHandshake13 implements Handshaker {
  private readonly suites: CipherSuite[];
  private readonly groups: Group[];
  private readonly schemes: SignatureSchemeInfo[];
  private readonly clientAuth: ClientAuthMode;
  private readonly random: (n: number) => Uint8Array;
  private readonly transcript = new Transcript();
  private readonly started = performance.now();
  private readonly versions: TlsVersionName[];
  /** The TLS 1.2 handshake, when the ClientHello leads there (RFC 8446 §4.2.1, RFC 5246). */
  private tls12: ServerHandshake12 | undefined;

  private clientHello!: ClientHello;
  private suite!: CipherSuite;
  private ks!: KeySchedule;
  private group!: Group;
  private clientShare: KeyShareEntry | undefined;
  private scheme!: SignatureSchemeInfo;
  private alpn: string | undefined;
  private serverName: string | undefined;
  private helloRetry = false;
  private ccsSent = false;
  private handshakeSecret!: HandshakeSecret;
  private clientHandshakeSecret!: TrafficSecret;
  private serverHandshakeSecret!: TrafficSecret;
  private peerCertificates: Uint8Array[] = [];
  private validation: ValidationResult | undefined;
  private clientScheme: SignatureSchemeInfo | undefined;
  private appKeys: ApplicationKeys | undefined;
  private clientHelloRaw!: Uint8Array;
  /** RFC 8446 §4.6.1 tickets, sealed under the key session-cache.ts keeps; undefined when resumption is off. */
  private readonly store: ServerSessionStore | undefined;
  /** The ticket the client resumes with, and its index among the offered identities (§4.2.11). */
  private psk: { state: ServerTicketState13; index: number; early: EarlySecret } | undefined;
  private master!: MasterSecret;

  constructor(
    private readonly ch: HandshakeChannel,
    private readonly options: TlsServerOptions,
    private readonly context: ServerContext,
  ) {
    ({ versions: this.versions, suites: this.suites, groups: this.groups, schemes: this.schemes, store: this.store } = context);
    this.clientAuth = options.clientAuth ?? 'none';
    this.random = options.random ?? ((n) => handshakeRandom(ch.provider, n));
  }

  async run(): Promise<HandshakeSummary> {
    await this.readClientHello();
    if (this.chooseVersion() === 'TLSv1.2') {
      this.ch.allowChangeCipherSpec(false);
      this.ch.useTls12Alerts();
      this.tls12 = new ServerHandshake12(this.ch, this.options, {
        clientHello: this.clientHello,
        transcript: this.transcript,
        enabled13: this.versions.includes('TLSv1.3'),
        suites: this.context.suites12,
        groups: this.groups,
        schemes: this.context.schemes12,
        store: this.store,
        started: this.started,
      });
      return this.tls12.run();
    }
    const share = this.processClientHello();
    this.checkForResumption();
    if (!share) {
      this.sendHelloRetryRequest();
      await this.readSecondClientHello();
      // §4.1.4, §4.2.11.2: the second ClientHello carries its own binders, over the new transcript.
      this.checkForResumption();
    }
    this.sendServerHello();
    this.sendEncryptedExtensions();
    if (this.psk) {
      // §2.2: the ticket authenticates the server; no Certificate, no CertificateVerify, and (§4.3.2) no CertificateRequest.
      this.peerCertificates = [...this.psk.state.peerCertificates];
    } else {
      if (this.clientAuth !== 'none') this.sendCertificateRequest();
      sendCertificate(this.ch, this.transcript, new Uint8Array(0), this.options.certificateChain);
      await makeCertificateVerify(this.ch, this.transcript, this.ks, this.options.privateKey, this.scheme, 'server');
    }
    sendFinished(this.ch, this.transcript, this.ks, this.serverHandshakeSecret);
    const [clientApp, serverApp] = this.deriveApplicationSecrets();
    const askedForCertificate = this.clientAuth !== 'none' && !this.psk;
    // §4.6.1: a server that asks for no certificate knows the client's Finished already, so its
    // tickets can go with this flight instead of a write of their own a round trip later (as Go does).
    const clientFinished = askedForCertificate ? undefined : this.predictClientFinished();
    if (clientFinished) this.sendNewSessionTickets();
    this.ch.flush();
    if (clientFinished) {
      await readExpectedFinished(this.ch, clientFinished, 'client');
    } else {
      await this.readClientCertificate();
      await readFinished(this.ch, this.transcript, this.ks, this.clientHandshakeSecret, 'client');
    }
    this.ch.setReadProtection(protectionFor(this.ks, clientApp));
    this.ch.allowChangeCipherSpec(false);
    this.appKeys = new ApplicationKeys(this.ch, this.ks, serverApp, clientApp);
    if (!clientFinished) {
      this.sendNewSessionTickets();
      this.ch.flush();
    }
    return this.summary();
  }

  /**
   * §4.4.4: the client's Finished as it must arrive, added to the transcript now so that the
   * resumption master secret (§7.1) can be derived before it does.
   */
  private predictClientFinished(): Uint8Array {
    const verify_data = this.ks.finishedMac(this.clientHandshakeSecret, this.transcript.hash(this.ks));
    this.transcript.add(FinishedCodec.encode({ verify_data }));
    return verify_data;
  }

  /** §4.1.2 */
  private async readClientHello(): Promise<void> {
    const { message, raw } = await readMessage(this.ch, ClientHelloCodec);
    this.clientHello = message;
    this.clientHelloRaw = raw;
    this.transcript.add(raw);
    // §D.4: a client in compatibility mode sends one change_cipher_spec before its second flight.
    this.ch.allowChangeCipherSpec(true);
  }

  /**
   * §4.2.1: TLS 1.3 when the client lists it in supported_versions and we speak it; otherwise
   * TLS 1.2 when the client reaches it (supported_versions, or legacy_version without it, RFC 5246 §E.1).
   * Anything lower is a protocol_version.
   */
  private chooseVersion(): TlsVersionName {
    const hello = this.clientHello;
    const versionsData = findExtension(hello.extensions, ExtensionType.supported_versions);
    const offered = versionsData ? supportedVersionsExt.client.decode(versionsData) : [];
    if (offered.includes(TLS13) && this.versions.includes('TLSv1.3')) return 'TLSv1.3';
    const reaches12 = versionsData ? offered.includes(TLS12) : hello.legacy_version >= TLS12;
    if (reaches12 && this.versions.includes('TLSv1.2')) return 'TLSv1.2';
    throw fatal('protocol_version', `the client offers none of the enabled versions (${this.versions.join(', ')})`);
  }

  /**
   * §4.1.1: picks the version, suite, group, signature scheme and ALPN protocol. Returns the
   * client's share for the chosen group, or undefined when a HelloRetryRequest must ask for one.
   */
  private processClientHello(): KeyShareEntry | undefined {
    const hello = this.clientHello;
    const versions = findExtension(hello.extensions, ExtensionType.supported_versions);
    // §4.2.1: chooseVersion already sent a client without TLS 1.3 elsewhere; this stays as the 1.3 path's own guard.
    if (!versions || !supportedVersionsExt.client.decode(versions).includes(TLS13)) {
      throw fatal('protocol_version', 'the client does not offer TLS 1.3, the only version enabled');
    }
    // §4.1.2: TLS 1.3 clients send exactly one compression method, null.
    if (hello.legacy_compression_methods.length !== 1 || hello.legacy_compression_methods[0] !== 0) {
      throw fatal('illegal_parameter', 'the ClientHello offers compression');
    }
    const suite = this.suites.find((s) => hello.cipher_suites.includes(s.id));
    if (!suite) throw fatal('handshake_failure', 'the client offers none of the enabled cipher suites');
    this.suite = suite;
    this.ks = new KeySchedule(this.ch.provider, suite);

    const groupsData = findExtension(hello.extensions, ExtensionType.supported_groups);
    const sharesData = findExtension(hello.extensions, ExtensionType.key_share);
    const algorithmsData = findExtension(hello.extensions, ExtensionType.signature_algorithms);
    // §9.2: a ClientHello without a PSK must carry supported_groups, key_share and signature_algorithms.
    if (!groupsData || !sharesData) throw fatal('missing_extension', 'the ClientHello has no supported_groups or no key_share');
    if (!algorithmsData) throw fatal('missing_extension', 'the ClientHello has no signature_algorithms');
    const offeredGroups = supportedGroupsExt.decode(groupsData);
    const shares = keyShareExt.client.decode(sharesData);
    // §4.2.8: each share is for an offered group, at most one per group.
    const seen = new Set<number>();
    for (const s of shares) {
      if (!offeredGroups.includes(s.group) || seen.has(s.group)) throw fatal('illegal_parameter', `the ClientHello has a key share for group 0x${s.group.toString(16)} that is repeated or not in supported_groups`);
      seen.add(s.group);
    }
    const mutual = this.groups.filter((g) => offeredGroups.includes(g.id));
    if (!mutual.length) throw fatal('handshake_failure', 'the client supports none of the enabled groups');
    const withShare = mutual.find((g) => seen.has(g.id));
    this.group = withShare ?? mutual[0];

    const scheme = pickSignatureScheme(this.options.privateKey, signatureAlgorithmsExt.decode(algorithmsData), this.schemes);
    if (!scheme) throw fatal('handshake_failure', "the client accepts no signature scheme this server's key can make");
    this.scheme = scheme;

    this.serverName = requestedServerName(hello.extensions);
    this.alpn = chooseApplicationProtocol(hello.extensions, this.options.alpnProtocols);
    this.clientShare = shares.find((s) => s.group === this.group.id);
    return this.clientShare;
  }

  /**
   * §4.2.9–§4.2.11: a ticket of ours the client offers with psk_dhe_ke, for a suite of the same hash and
   * the same server name, whose binder verifies. A ticket that does not open or fit is passed over (a
   * full handshake); a binder that does not verify is a decrypt_error.
   */
  private checkForResumption(): void {
    this.psk = undefined;
    const hello = this.clientHello;
    const pskData = findExtension(hello.extensions, ExtensionType.pre_shared_key);
    if (!pskData) return;
    // §4.2.11: pre_shared_key MUST be the last extension in the ClientHello.
    if (hello.extensions[hello.extensions.length - 1].extension_type !== ExtensionType.pre_shared_key) {
      throw fatal('illegal_parameter', 'pre_shared_key is not the last extension of the ClientHello');
    }
    const modesData = findExtension(hello.extensions, ExtensionType.psk_key_exchange_modes);
    // §4.2.9: a PSK offered without psk_key_exchange_modes is a missing_extension.
    if (!modesData) throw fatal('missing_extension', 'the ClientHello offers a PSK without psk_key_exchange_modes');
    const offer = preSharedKeyExt.client.decode(pskData);
    // §4.2.11: one binder per identity.
    if (offer.identities.length !== offer.binders.length) throw fatal('illegal_parameter', 'the ClientHello has a different number of PSK identities and binders');
    // psk_ke (no fresh (EC)DHE) is not offered by kyman: without psk_dhe_ke, a full handshake.
    if (!this.store || !pskModesExt.decode(modesData).includes(1)) return;
    const now = Math.floor((this.options.now?.() ?? new Date()).getTime() / 1000);
    const count = Math.min(offer.identities.length, MAX_CLIENT_PSK_IDENTITIES);
    for (let index = 0; index < count; index++) {
      const state = this.store.open13(offer.identities[index].identity, now);
      if (!state) continue;
      const suite = this.suites.find((s) => s.id === state.suiteId);
      // §4.2.11: the PSK's hash must be the chosen suite's; §4.6.1 (RFC 6066 §3): the same server name.
      if (!suite || suite.hash !== this.suite.hash || state.serverName !== this.serverName) continue;
      // §4.2.11.2: the binder over the transcript up to this ClientHello without its binders.
      const truncated = this.clientHelloRaw.subarray(0, this.clientHelloRaw.length - offer.bindersLength);
      const early = this.ks.earlySecret(state.psk);
      const binderKey = this.ks.resumptionBinderKey(early);
      const expected = this.ks.finishedMac(binderKey, this.transcript.hashReplacingLast(this.ks, truncated));
      if (!equalBytes(offer.binders[index], expected)) throw fatal('decrypt_error', 'the PSK binder does not verify');
      this.psk = { state, index, early };
      return;
    }
  }

  /** §4.6.1: tickets, queued under the application keys, each the PSK and parameters sealed under the server's ticket key. */
  private sendNewSessionTickets(): void {
    const modes = findExtension(this.clientHello.extensions, ExtensionType.psk_key_exchange_modes);
    // §4.2.9: a client that offers no psk_dhe_ke could not use a ticket.
    if (!this.store || !modes || !pskModesExt.decode(modes).includes(1)) return;
    // §7.1: resumption_master_secret over the transcript through the client Finished.
    const rms = this.ks.resumptionMasterSecret(this.master, this.transcript.hash(this.ks));
    const createdAt = Math.floor((this.options.now?.() ?? new Date()).getTime() / 1000);
    for (let i = 0; i < TICKETS_PER_HANDSHAKE; i++) {
      const nonce = Uint8Array.of(i);
      const r = this.random(4);
      const ageAdd = new DataView(r.buffer, r.byteOffset, 4).getUint32(0);
      const ticket = this.store.seal13({
        suiteId: this.suite.id,
        psk: this.ks.resumptionPsk(rms, nonce),
        createdAt,
        ticketAgeAdd: ageAdd,
        ...(this.serverName !== undefined ? { serverName: this.serverName } : {}),
        peerCertificates: this.peerCertificates,
      });
      sendMessage(this.ch, NewSessionTicketCodec, { ticket_lifetime: SESSION_LIFETIME_SECONDS, ticket_age_add: ageAdd, ticket_nonce: nonce, ticket, extensions: [] });
    }
  }

  /** §4.1.4: asks for a share of the group we chose; ClientHello1 becomes a message_hash in the transcript. */
  private sendHelloRetryRequest(): void {
    this.helloRetry = true;
    this.transcript.replaceWithMessageHash(this.ks);
    const extensions: Extension[] = [
      ext(ExtensionType.supported_versions, supportedVersionsExt.server.encode(TLS13)),
      ext(ExtensionType.key_share, keyShareExt.retry.encode(this.group.id)),
    ];
    const hrr = {
      legacy_version: TLS12,
      random: HELLO_RETRY_REQUEST_RANDOM,
      legacy_session_id_echo: this.clientHello.legacy_session_id,
      cipher_suite: this.suite.id,
      legacy_compression_method: 0,
      extensions,
    };
    this.transcript.add(sendMessage(this.ch, ServerHelloCodec, hrr));
    this.sendCompatibilityChangeCipherSpec();
    this.ch.flush();
  }

  /** §4.1.2: the second ClientHello is the first with the share asked for; anything else is illegal_parameter. */
  private async readSecondClientHello(): Promise<void> {
    const first = this.clientHello;
    await this.readClientHello();
    const second = this.clientHello;
    if (!Buffer.from(second.legacy_session_id).equals(first.legacy_session_id) || !Buffer.from(second.random).equals(first.random)) {
      throw fatal('illegal_parameter', 'the second ClientHello changed its random or legacy_session_id');
    }
    if (!second.cipher_suites.includes(this.suite.id)) throw fatal('illegal_parameter', 'the second ClientHello dropped the cipher suite chosen');
    const sharesData = findExtension(second.extensions, ExtensionType.key_share);
    const shares = sharesData ? keyShareExt.client.decode(sharesData) : [];
    if (shares.length !== 1 || shares[0].group !== this.group.id) {
      throw fatal('illegal_parameter', `the second ClientHello does not carry exactly one share, for ${this.group.name}, as asked`);
    }
    this.clientShare = shares[0];
  }

  /** §D.4: one change_cipher_spec right after our first handshake message, when the client is in compatibility mode. */
  private sendCompatibilityChangeCipherSpec(): void {
    if (this.ccsSent || this.clientHello.legacy_session_id.length === 0) return;
    this.ccsSent = true;
    this.ch.sendChangeCipherSpec();
  }

  /** §4.1.3, §7.1: our share; the shared secret gives the handshake traffic secrets. */
  private sendServerHello(): void {
    let share: KeyShare;
    let shared: Uint8Array;
    share = this.ch.provider.generateKeyShare(this.group.provider);
    try {
      shared = share.deriveSecret(this.clientShare!.key_exchange);
    } catch (e) {
      throw fatal('illegal_parameter', `the client's ${this.group.name} key share is not a valid public key`, e);
    }
    const sh = {
      legacy_version: TLS12,
      random: this.random(32),
      legacy_session_id_echo: this.clientHello.legacy_session_id,
      cipher_suite: this.suite.id,
      legacy_compression_method: 0,
      extensions: [
        ext(ExtensionType.key_share, keyShareExt.server.encode({ group: this.group.id, key_exchange: share.publicKey })),
        ext(ExtensionType.supported_versions, supportedVersionsExt.server.encode(TLS13)),
        // §4.2.11: the identity chosen, psk_dhe_ke with the shares above.
        ...(this.psk ? [ext(ExtensionType.pre_shared_key, preSharedKeyExt.server.encode(this.psk.index))] : []),
      ],
    };
    this.transcript.add(sendMessage(this.ch, ServerHelloCodec, sh));
    this.sendCompatibilityChangeCipherSpec();
    const th = this.transcript.hash(this.ks);
    this.handshakeSecret = this.ks.handshakeSecret(this.psk?.early ?? this.ks.earlySecret(), shared);
    this.clientHandshakeSecret = this.ks.clientHandshakeTrafficSecret(this.handshakeSecret, th);
    this.serverHandshakeSecret = this.ks.serverHandshakeTrafficSecret(this.handshakeSecret, th);
    this.ch.keyLog(NSS.clientHandshake, this.clientHello.random, this.clientHandshakeSecret);
    this.ch.keyLog(NSS.serverHandshake, this.clientHello.random, this.serverHandshakeSecret);
    this.ch.setWriteProtection(protectionFor(this.ks, this.serverHandshakeSecret));
    this.ch.setReadProtection(protectionFor(this.ks, this.clientHandshakeSecret));
  }

  /** §4.3.1: the negotiated extensions that are not needed to set up keys. */
  private sendEncryptedExtensions(): void {
    const extensions: Extension[] = [];
    // RFC 6066 §3: an empty server_name says the name was seen.
    if (this.serverName !== undefined) extensions.push(ext(ExtensionType.server_name, new Uint8Array(0)));
    if (this.alpn !== undefined) extensions.push(ext(ExtensionType.application_layer_protocol_negotiation, alpnExt.encode([this.alpn])));
    this.transcript.add(sendMessage(this.ch, EncryptedExtensionsCodec, { extensions }));
  }

  /** §4.3.2 */
  private sendCertificateRequest(): void {
    const request = {
      certificate_request_context: new Uint8Array(0),
      extensions: [ext(ExtensionType.signature_algorithms, signatureAlgorithmsExt.encode(this.schemes.filter((s) => s.handshake).map((s) => s.id)))],
    };
    this.transcript.add(sendMessage(this.ch, CertificateRequestCodec, request));
  }

  /** §7.1: the application secrets over the transcript through our Finished; we may send under them at once. */
  private deriveApplicationSecrets(): [TrafficSecret, TrafficSecret] {
    const master = (this.master = this.ks.masterSecret(this.handshakeSecret));
    const th = this.transcript.hash(this.ks);
    const clientApp = this.ks.clientApplicationTrafficSecret(master, th);
    const serverApp = this.ks.serverApplicationTrafficSecret(master, th);
    this.ch.keyLog(NSS.clientTraffic0, this.clientHello.random, clientApp);
    this.ch.keyLog(NSS.serverTraffic0, this.clientHello.random, serverApp);
    this.ch.setWriteProtection(protectionFor(this.ks, serverApp));
    return [clientApp, serverApp];
  }

  /** §4.4.2, §4.4.2.4: the client's chain (or none), then its CertificateVerify when it sent one. */
  private async readClientCertificate(): Promise<void> {
    const { message, raw } = await readMessage(this.ch, CertificateCodec);
    if (message.certificate_request_context.length !== 0) throw fatal('illegal_parameter', "the client's Certificate has the wrong request context");
    this.transcript.add(raw);
    if (message.certificate_list.length === 0) {
      // §4.4.2.4: a server that requires a certificate answers none with certificate_required.
      if (this.clientAuth === 'required') throw fatal('certificate_required', 'the client sent no certificate, and one is required');
      return;
    }
    this.peerCertificates = certificatesOf(message);
    this.validation = checkPeerChain(this.ch.provider, this.peerCertificates, {
      trustAnchors: this.options.clientTrustAnchors ?? [],
      purpose: 'client',
      at: this.options.now?.() ?? new Date(),
    });
    this.clientScheme = await readCertificateVerify(this.ch, this.transcript, this.ks, this.validation.chain[0].publicKey.spki, this.schemes, 'client');
  }

  private summary(): HandshakeSummary {
    return {
      version: 'TLSv1.3',
      cipherSuite: this.suite.name,
      group: this.group.name,
      ...(this.clientScheme ? { signatureScheme: this.clientScheme.name } : {}),
      ...(this.alpn !== undefined ? { alpn: this.alpn } : {}),
      ...(this.serverName !== undefined ? { serverName: this.serverName } : {}),
      resumed: this.psk !== undefined,
      helloRetry: this.helloRetry,
      peerCertificates: this.peerCertificates,
      ...(this.validation ? { validation: this.validation } : {}),
      handshakeMs: performance.now() - this.started,
    };
  }

  /** §4.6: a client may only send KeyUpdate after the handshake (kyman does not offer post-handshake auth). */
  postHandshake(m: HandshakeMessage): void {
    if (this.tls12) return this.tls12.postHandshake(m);
    if (m.type !== HandshakeType.key_update) throw fatal('unexpected_message', `the client sent handshake type ${m.type} after the handshake`);
    this.appKeys!.onKeyUpdate(m);
  }

  keyUpdate(requestPeer: boolean): void {
    if (this.tls12) return this.tls12.keyUpdate();
    this.appKeys!.send(requestPeer ? 1 : 0);
  }
}
