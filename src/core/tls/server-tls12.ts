// The TLS 1.2 server handshake (RFC 5246 §7.3, RFC 8422, RFC 7919, RFC 7627, RFC 5746), from the ClientHello the server entry read; the server's flight is written once.

import type { KeyShare } from '../crypto/provider.js';
import { usage } from '../errors.js';
import type { ValidationResult } from '../pki/validate.js';
import { fatal } from './alerts.js';
import { summarize, type Established, type HandshakeChannel, type HandshakeMessage, type HandshakeSummary } from './handshake.js';
import type { ClientAuthMode, TlsServerOptions } from './options.js';
import type { ServerContext } from './server.js';
import {
  DOWNGRADE_TLS12,
  NSS_CLIENT_RANDOM,
  protections12,
  readChangeCipherSpecAndFinished,
  readMessage12,
  sendChangeCipherSpecAndFinished,
  signedParams,
} from './handshake-tls12.js';
import { checkPeerChain, sendMessage } from './handshake-tls13.js';
import { chooseApplicationProtocol, requestedServerName } from './server-negotiation.js';
import { SESSION_LIFETIME_SECONDS, type ServerSessionState, type ServerSessionStore } from './session-cache.js';
import type { Transcript } from './key-schedule.js';
import { Tls12KeySchedule, type PreMasterSecret, type Tls12MasterSecret } from './key-schedule-tls12.js';
import {
  Certificate12Codec,
  CertificateRequest12Codec,
  CertificateVerifyCodec,
  ClientCertificateType,
  ClientHelloCodec,
  ClientKeyExchangeCodec,
  ClientKeyExchangeDheCodec,
  EC_CURVE_TYPE_NAMED_CURVE,
  NewSessionTicket12Codec,
  ExtensionType,
  HandshakeType,
  ServerHelloCodec,
  ServerHelloDoneCodec,
  ServerKeyExchangeCodec,
  ServerKeyExchangeDheCodec,
  serverDhParams,
  serverEcdhParams,
  TLS12,
  alpnExt,
  ecPointFormatsExt,
  ext,
  findExtension,
  renegotiationInfoExt,
  supportedGroupsExt, signatureAlgorithmsExt,
  type ClientHello,
  type Extension,
  type ServerHello,
} from './msgs/index.js';
import {
  TLS_EMPTY_RENEGOTIATION_INFO_SCSV,
  keyFitsSuite12,
  keyKindOf,
  pickSignatureScheme12,
  schemeById,
  schemeFitsKey12,
  suite12ById,
  type CipherSuite12,
  type Group,
  type SignatureSchemeInfo,
} from './suites.js';
import { handshakeRandom } from './random-pool.js';
import { NO_COMMON_FFDHE_GROUP, chooseDheGroup, dhePremaster, dheGroupParams } from './dhe-tls12.js';

/** RFC 8422 §5.1.1 NamedCurve code points of the curves an ECDSA certificate key may be on. */
const CURVE_GROUP_IDS: Readonly<Record<string, number>> = { 'P-256': 0x0017, 'P-384': 0x0018, 'P-521': 0x0019 };

/** What the server's TLS 1.2 handshake is handed by the server entry: the ClientHello, read once. */
export interface ServerTls12Start {
  readonly clientHello: ClientHello;
  /** Holds the ClientHello already. */
  readonly transcript: Transcript;
  /** performance.now() when the handshake began. */
  readonly started: number;
}

/** RFC 5246 §7.4.1.2, §7.4.1.4: what the server chose from the ClientHello. */
interface Choice12 {
  readonly suite: CipherSuite12;
  readonly ks: Tls12KeySchedule;
  readonly group: Group;
  readonly scheme: SignatureSchemeInfo;
  readonly serverName: string | undefined;
  readonly alpn: string | undefined;
  /** RFC 5746 §3.6: the client knows secure renegotiation, so renegotiation_info is answered. */
  readonly secureRenegotiation: boolean;
  /** RFC 8422 §5.1.2: the client listed point formats, so ec_point_formats is answered. */
  readonly pointFormats: boolean;
  /** RFC 7627: the client offered the extended master secret (without it only when allowed). */
  readonly ems: boolean;
  /** RFC 7366 §2: the client offered encrypt_then_mac and the suite is CBC (a resumption: the session's setting). */
  readonly encryptThenMac: boolean;
}

/** The server's TLS 1.2 state, as Go's serverHandshakeState keeps it. */
export class ServerHandshake12 {
  private readonly transcript: Transcript;
  private readonly hello: ClientHello;
  private readonly clientAuth: ClientAuthMode;
  /** What processClientHello chose; a resumed session brings its own suite and group. */
  private choice: Choice12;
  private peerCertificates: Uint8Array[] = [];
  private validation: ValidationResult | undefined;
  private clientScheme: SignatureSchemeInfo | undefined;
  /** RFC 5077, RFC 5246 §7.3: resumption state shared by this server's connections; undefined when turned off. */
  private readonly store: ServerSessionStore | undefined;
  private sessionId: Uint8Array = new Uint8Array(0);
  /** RFC 5077 §3.2: the client sent session_ticket, so a NewSessionTicket will follow. */
  private sendTicket = false;
  private resumed = false;

  constructor(
    private readonly ch: HandshakeChannel,
    private readonly options: TlsServerOptions,
    private readonly context: ServerContext,
    private readonly start: ServerTls12Start,
  ) {
    this.transcript = start.transcript;
    this.hello = start.clientHello;
    this.clientAuth = options.clientAuth ?? 'none';
    this.store = context.store;
    this.choice = this.processClientHello();
  }

  async run(): Promise<Established> {
    const summary = await this.handshake();
    return { summary, postHandshake: (m) => this.postHandshake(m), keyUpdate: () => this.keyUpdate() };
  }

  private async handshake(): Promise<HandshakeSummary> {
    const session = this.checkForResumption();
    if (session) return this.resumeSession(session);
    const store = this.store;
    this.sessionId = store ? handshakeRandom(this.ch.provider, 32) : new Uint8Array(0);
    const serverRandom = this.sendServerHello();
    this.transcript.add(sendMessage(this.ch, Certificate12Codec, { certificate_list: this.options.certificateChain }));
    const ephemeral = await this.sendServerKeyExchange(serverRandom);
    if (this.clientAuth !== 'none') this.sendCertificateRequest();
    this.transcript.add(sendMessage(this.ch, ServerHelloDoneCodec, {}));
    this.ch.flush();
    if (this.clientAuth !== 'none') await this.readClientCertificate();
    const master = await this.readClientKeyExchange(ephemeral, serverRandom);
    if (this.validation) await this.readCertificateVerify(this.validation);
    const ks = this.choice.ks;
    const { client, server } = protections12(ks, master, this.hello.random, serverRandom, this.choice.encryptThenMac);
    await readChangeCipherSpecAndFinished(this.ch, this.transcript, ks, master, 'client', client);
    const state = this.sessionState(master);
    if (store && this.sessionId.length) store.put(this.sessionId, state);
    if (store && this.sendTicket) this.sendNewSessionTicket(store, state);
    sendChangeCipherSpecAndFinished(this.ch, this.transcript, ks, master, 'server', server);
    this.ch.flush();
    return this.summary();
  }

  /**
   * RFC 5246 §7.4.1.2, RFC 5077 §3.4: a session the client offers by ticket or by id, that we
   * still hold, for a suite it offers again, the same server name, and (when we insist) a client
   * certificate. Anything else is a full handshake, not an error.
   */
  private checkForResumption(): ServerSessionState | undefined {
    if (!this.store) return undefined;
    const now = Math.floor((this.options.now?.() ?? new Date()).getTime() / 1000);
    const ticket = findExtension(this.hello.extensions, ExtensionType.session_ticket);
    this.sendTicket = ticket !== undefined && this.options.ticketsPerHandshake !== 0;
    const state = (ticket?.length ? this.store.open(ticket, now) : undefined) ?? this.store.get(this.hello.legacy_session_id, now);
    if (!state) return undefined;
    const suite = suite12ById(state.suiteId);
    if (!suite || !this.context.suites12.includes(suite) || !this.hello.cipher_suites.includes(suite.id)) return undefined;
    if (state.serverName !== this.choice.serverName) return undefined;
    // RFC 7627 §5.3: a session with the extended master secret offered without it is aborted; one
    // without it offered with it is not resumed (a full handshake follows).
    if (state.extendedMasterSecret && !this.choice.ems) throw fatal('handshake_failure', 'the client resumes a session made with the extended master secret without offering it (RFC 7627 §5.3)');
    if (!state.extendedMasterSecret && this.choice.ems) return undefined;
    if (this.clientAuth === 'required' && state.peerCertificates.length === 0) return undefined;
    // RFC 7366 §3.1: a resumed session keeps its encrypt-then-MAC setting; a client that no longer offers it gets a full handshake.
    const encryptThenMac = state.encryptThenMac ?? false;
    if (encryptThenMac && !findExtension(this.hello.extensions, ExtensionType.encrypt_then_mac)) return undefined;
    this.choice = {
      ...this.choice,
      encryptThenMac,
      suite,
      ks: new Tls12KeySchedule(this.ch.provider, suite),
      group: this.context.groups.find((g) => g.name === state.group) ?? this.choice.group,
    };
    return state;
  }

  /** RFC 5246 §7.3 (abbreviated handshake): ServerHello, [NewSessionTicket], ChangeCipherSpec, Finished; then the client's. */
  private async resumeSession(state: ServerSessionState): Promise<HandshakeSummary> {
    this.resumed = true;
    const master = state.masterSecret;
    const ks = this.choice.ks;
    this.peerCertificates = [...state.peerCertificates];
    // RFC 5077 §3.4: the server echoes the client's session id to say it accepted the ticket.
    this.sessionId = this.hello.legacy_session_id;
    const serverRandom = this.sendServerHello();
    this.ch.keyLog(NSS_CLIENT_RANDOM, this.hello.random, master);
    // A new ticket for the same session: its lifetime still counts from the full handshake.
    if (this.store && this.sendTicket) this.sendNewSessionTicket(this.store, state);
    const { client, server } = protections12(ks, master, this.hello.random, serverRandom, this.choice.encryptThenMac);
    sendChangeCipherSpecAndFinished(this.ch, this.transcript, ks, master, 'server', server);
    this.ch.flush();
    await readChangeCipherSpecAndFinished(this.ch, this.transcript, ks, master, 'client', client);
    return this.summary();
  }

  private sessionState(master: Tls12MasterSecret): ServerSessionState {
    return {
      suiteId: this.choice.suite.id,
      group: this.choice.group.name,
      masterSecret: master,
      createdAt: Math.floor((this.options.now?.() ?? new Date()).getTime() / 1000),
      ...(this.choice.serverName !== undefined ? { serverName: this.choice.serverName } : {}),
      peerCertificates: this.peerCertificates,
      extendedMasterSecret: this.choice.ems,
      ...(this.choice.encryptThenMac ? { encryptThenMac: true } : {}),
    };
  }

  /** RFC 5077 §3.3: the sealed session, sent after the client's Finished (or our ServerHello when resuming). */
  private sendNewSessionTicket(store: ServerSessionStore, state: ServerSessionState): void {
    const now = Math.floor((this.options.now?.() ?? new Date()).getTime() / 1000);
    const message = { ticket_lifetime_hint: SESSION_LIFETIME_SECONDS, ticket: store.seal(state, now) };
    this.transcript.add(sendMessage(this.ch, NewSessionTicket12Codec, message));
  }

  /** RFC 5246 §7.4.1.2 and the extensions of RFC 7627, RFC 5746, RFC 8422, RFC 6066, RFC 7301: picks suite, group, scheme, ALPN. */
  private processClientHello(): Choice12 {
    const hello = this.hello;
    // RFC 5246 §7.4.1.2: the null compression method MUST be offered; kyman uses no other.
    if (!hello.legacy_compression_methods.includes(0)) throw fatal('illegal_parameter', 'the ClientHello does not offer the null compression method');
    // RFC 7627 §5.3: without the extended master secret kyman does not go on, unless told to.
    const ems = findExtension(hello.extensions, ExtensionType.extended_master_secret);
    if (!ems && !this.options.allowNoExtendedMasterSecret) {
      throw fatal('handshake_failure', 'the client does not support the extended master secret (RFC 7627), which kyman requires for TLS 1.2');
    }
    // RFC 7627 §5.1: its extension_data is empty.
    if (ems && ems.length !== 0) throw fatal('decode_error', 'the extended_master_secret extension is not empty');
    // RFC 5746 §3.6: the SCSV or an empty renegotiation_info marks a client that knows secure renegotiation.
    const reneg = findExtension(hello.extensions, ExtensionType.renegotiation_info);
    if (reneg && renegotiationInfoExt.decode(reneg).length !== 0) throw fatal('handshake_failure', 'the client sent a non-empty renegotiation_info on an initial handshake');
    const secureRenegotiation = reneg !== undefined || hello.cipher_suites.includes(TLS_EMPTY_RENEGOTIATION_INFO_SCSV);
    // RFC 8422 §5.1.2: a client that lists point formats must list uncompressed.
    const formats = findExtension(hello.extensions, ExtensionType.ec_point_formats);
    if (formats && !ecPointFormatsExt.decode(formats).includes(0)) throw fatal('illegal_parameter', 'the client does not accept uncompressed EC points');
    const pointFormats = formats !== undefined;
    // RFC 7366 §2: extension_data is empty.
    const etm = findExtension(hello.extensions, ExtensionType.encrypt_then_mac);
    if (etm && etm.length !== 0) throw fatal('decode_error', 'the encrypt_then_mac extension is not empty');

    // RFC 8422 §4: without supported_groups the server may pick any curve.
    const groupsData = findExtension(hello.extensions, ExtensionType.supported_groups);
    const offered = groupsData ? supportedGroupsExt.decode(groupsData) : this.context.groups.map((g) => g.id);

    const kind = keyKindOf(this.options.privateKey.spki);
    // RFC 8422 §5.1, §5.3: supported_groups also limits the curve of an ECDSA certificate's key.
    const certCurveOk = kind?.key !== 'ec' || !groupsData || offered.includes(CURVE_GROUP_IDS[kind.curve!]);
    // RFC 8422 §5.1.1: ECDHE takes the elliptic-curve groups; RFC 7919 §4: DHE a finite-field one.
    const ecGroup = this.context.groups.find((g) => g.kind === 'ec' && offered.includes(g.id));
    const dheGroup = chooseDheGroup(groupsData ? offered : undefined, this.context.groups);
    const groupFor = (s: CipherSuite12) => (s.kx === 'DHE_RSA' ? (typeof dheGroup === 'object' ? dheGroup : undefined) : ecGroup);
    const offeredSuites = this.context.suites12.filter((s) => hello.cipher_suites.includes(s.id) && keyFitsSuite12(s, kind) && (s.kx !== 'ECDHE_ECDSA' || certCurveOk));
    const suite = offeredSuites.find((s) => groupFor(s) !== undefined);
    if (!suite) {
      // RFC 7919 §4: finite-field groups listed, none acceptable, and no other suite to fall back on.
      if (dheGroup === NO_COMMON_FFDHE_GROUP && offeredSuites.some((s) => s.kx === 'DHE_RSA')) {
        throw fatal('insufficient_security', 'the client lists none of the enabled finite-field groups for its DHE suites (RFC 7919 §4), and no other suite this server can serve');
      }
      if (offeredSuites.length) throw fatal('handshake_failure', 'the client supports none of the enabled groups for the TLS 1.2 suites it offers');
      throw fatal('handshake_failure', "the client offers none of the enabled TLS 1.2 cipher suites that this server's key (and its curve) can serve");
    }
    const group = groupFor(suite)!;

    // RFC 5246 §7.4.1.4.1: without signature_algorithms the client means SHA-1, which kyman does not sign with.
    const algorithmsData = findExtension(hello.extensions, ExtensionType.signature_algorithms);
    if (!algorithmsData) throw fatal('handshake_failure', 'the ClientHello has no signature_algorithms, and the SHA-1 default is not supported');
    const scheme = pickSignatureScheme12(this.options.privateKey, signatureAlgorithmsExt.decode(algorithmsData), this.context.schemes12);
    if (!scheme) throw fatal('handshake_failure', "the client accepts no signature scheme this server's key can make");
    return {
      suite,
      ks: new Tls12KeySchedule(this.ch.provider, suite),
      group,
      scheme,
      serverName: requestedServerName(hello.extensions),
      alpn: chooseApplicationProtocol(hello.extensions, this.options.alpnProtocols),
      secureRenegotiation,
      pointFormats,
      ems: ems !== undefined,
      // RFC 7366 §3: never with an AEAD suite.
      encryptThenMac: etm !== undefined && suite.cbc !== undefined,
    };
  }

  /** RFC 5246 §7.4.1.3; RFC 8446 §4.1.3 downgrade sentinel when this server could have spoken TLS 1.3. */
  private sendServerHello(): Uint8Array {
    const random = Uint8Array.from((this.options.random ?? ((n: number) => handshakeRandom(this.ch.provider, n)))(32));
    if (this.context.versions.includes('TLSv1.3')) random.set(DOWNGRADE_TLS12, 24);
    const c = this.choice;
    const extensions: Extension[] = [];
    if (c.secureRenegotiation) extensions.push(ext(ExtensionType.renegotiation_info, renegotiationInfoExt.encode(new Uint8Array(0))));
    if (c.ems) extensions.push(ext(ExtensionType.extended_master_secret, new Uint8Array(0)));
    // RFC 6066 §3: an empty server_name says the name was seen.
    if (c.serverName !== undefined) extensions.push(ext(ExtensionType.server_name, new Uint8Array(0)));
    if (c.alpn !== undefined) extensions.push(ext(ExtensionType.application_layer_protocol_negotiation, alpnExt.encode([c.alpn])));
    if (c.pointFormats) extensions.push(ext(ExtensionType.ec_point_formats, ecPointFormatsExt.encode([0])));
    if (c.encryptThenMac) extensions.push(ext(ExtensionType.encrypt_then_mac, new Uint8Array(0)));
    // RFC 5077 §3.2: an empty session_ticket promises a NewSessionTicket.
    if (this.sendTicket) extensions.push(ext(ExtensionType.session_ticket, new Uint8Array(0)));
    const sh: ServerHello = {
      legacy_version: TLS12,
      random,
      // RFC 5246 §7.4.1.3: a new id for a session we cache, the client's when resuming, empty when resumption is off.
      legacy_session_id_echo: this.sessionId,
      cipher_suite: c.suite.id,
      legacy_compression_method: 0,
      extensions,
    };
    this.transcript.add(sendMessage(this.ch, ServerHelloCodec, sh));
    return random;
  }

  /** RFC 8422 §5.4: our ephemeral point, signed with the randoms; RFC 5246 §7.4.3: for DHE, the group and our public value. */
  private async sendServerKeyExchange(serverRandom: Uint8Array): Promise<KeyShare> {
    const { group, scheme, suite } = this.choice;
    const ephemeral = this.ch.provider.generateKeyShare(group.provider);
    const sign = (params: Uint8Array) => this.ch.provider.sign(this.options.privateKey, scheme.scheme, signedParams(this.hello.random, serverRandom, params));
    if (suite.kx === 'DHE_RSA') {
      const params = { ...dheGroupParams(group), dh_Ys: ephemeral.publicKey };
      const signature = await sign(serverDhParams(params));
      this.transcript.add(sendMessage(this.ch, ServerKeyExchangeDheCodec, { ...params, algorithm: scheme.id, signature }));
      return ephemeral;
    }
    const params = { curve_type: EC_CURVE_TYPE_NAMED_CURVE, namedcurve: group.id, public: ephemeral.publicKey };
    const signature = await sign(serverEcdhParams(params));
    this.transcript.add(sendMessage(this.ch, ServerKeyExchangeCodec, { ...params, algorithm: scheme.id, signature }));
    return ephemeral;
  }

  /** RFC 5246 §7.4.4: ECDSA and RSA certificates, signed with any scheme we accept; no CA names. */
  private sendCertificateRequest(): void {
    const request = {
      certificate_types: Uint8Array.of(ClientCertificateType.ecdsa_sign, ClientCertificateType.rsa_sign),
      supported_signature_algorithms: this.context.schemes12.map((s) => s.id),
      certificate_authorities: [],
    };
    this.transcript.add(sendMessage(this.ch, CertificateRequest12Codec, request));
  }

  /** RFC 5246 §7.4.6: the client's chain, or none; none when one is required is a handshake_failure. */
  private async readClientCertificate(): Promise<void> {
    const { message, raw } = await readMessage12(this.ch, Certificate12Codec);
    this.transcript.add(raw);
    if (message.certificate_list.length === 0) {
      if (this.clientAuth === 'required') throw fatal('handshake_failure', 'the client sent no certificate, and one is required');
      return;
    }
    this.peerCertificates = [...message.certificate_list];
    this.validation = checkPeerChain(this.ch.provider, this.peerCertificates, {
      trustAnchors: this.options.clientTrustAnchors ?? [],
      purpose: 'client',
      at: this.options.now?.() ?? new Date(),
    });
  }

  /** RFC 8422 §5.7 (RFC 5246 §7.4.7.2 for DHE), RFC 7627 §4: the client's public value gives the premaster secret; the session hash ends here. */
  private async readClientKeyExchange(ephemeral: KeyShare, serverRandom: Uint8Array): Promise<Tls12MasterSecret> {
    const { group, suite } = this.choice;
    let pms: Uint8Array;
    let raw: Uint8Array;
    if (suite.kx === 'DHE_RSA') {
      const read = await readMessage12(this.ch, ClientKeyExchangeDheCodec);
      raw = read.raw;
      pms = dhePremaster(ephemeral, group, read.message.dh_Yc, 'client');
    } else {
      const read = await readMessage12(this.ch, ClientKeyExchangeCodec);
      raw = read.raw;
      try {
        pms = ephemeral.deriveSecret(read.message.ecdh_Yc);
      } catch (e) {
        throw fatal('illegal_parameter', `the client's ${group.name} public value is not a valid point`, e);
      }
    }
    this.transcript.add(raw);
    const ks = this.choice.ks;
    const master = this.choice.ems
      ? ks.extendedMasterSecret(pms as PreMasterSecret, this.transcript.hash(ks))
      : ks.legacyMasterSecret(pms as PreMasterSecret, this.hello.random, serverRandom);
    this.ch.keyLog(NSS_CLIENT_RANDOM, this.hello.random, master);
    return master;
  }

  /** RFC 5246 §7.4.8: the client's signature over the handshake messages, with a scheme we asked for that fits its key. */
  private async readCertificateVerify(validation: ValidationResult): Promise<void> {
    const content = this.transcript.bytes();
    const { message, raw } = await readMessage12(this.ch, CertificateVerifyCodec);
    const spki = validation.chain[0].publicKey.spki;
    const scheme = this.context.schemes12.find((s) => s.id === message.algorithm);
    if (!scheme) throw fatal('illegal_parameter', `the client signed with ${schemeById(message.algorithm)?.name ?? `scheme 0x${message.algorithm.toString(16)}`}, which was not asked for`);
    if (!schemeFitsKey12(scheme, keyKindOf(spki))) throw fatal('illegal_parameter', `the client signed with ${scheme.name}, which does not fit its certificate's key`);
    if (!this.ch.provider.verify(spki, scheme.scheme, content, message.signature)) throw fatal('decrypt_error', "the client's CertificateVerify signature does not verify");
    this.clientScheme = scheme;
    this.transcript.add(raw);
  }

  private summary(): HandshakeSummary {
    return summarize({
      version: 'TLSv1.2',
      suite: this.choice.suite,
      group: this.choice.group,
      peerScheme: this.clientScheme,
      alpn: this.choice.alpn,
      serverName: this.choice.serverName,
      resumed: this.resumed,
      helloRetry: false,
      peerCertificates: this.peerCertificates,
      validation: this.validation,
      started: this.start.started,
    });
  }

  /**
   * RFC 5246 §7.4.1.2, RFC 5746 §4.4: a ClientHello after the handshake asks to renegotiate, which
   * kyman refuses with a no_renegotiation warning; the connection goes on if the client wants it.
   */
  postHandshake(m: HandshakeMessage): void {
    if (m.type !== HandshakeType.client_hello) throw fatal('unexpected_message', `the client sent handshake type ${m.type} after the handshake`);
    const hello = ClientHelloCodec.decode(m.body);
    if (this.ch.tracing) this.ch.trace('received', ClientHelloCodec, hello);
    this.ch.sendWarningAlert('no_renegotiation');
  }

  keyUpdate(): void {
    throw usage('KeyUpdate is TLS 1.3 only; this connection is TLS 1.2');
  }
}
