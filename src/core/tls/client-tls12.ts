// The TLS 1.2 client handshake (RFC 5246 §7.3, RFC 8422, RFC 7919, RFC 7627, RFC 5746), from the ServerHello on, one method per step.

import type { PrivateKeyHandle } from '../crypto/provider.js';
import { usage } from '../errors.js';
import { summarizeCertificate } from '../pki/certificate/index.js';
import type { ValidationResult } from '../pki/validate.js';
import { fatal } from './alerts.js';
import { equalBytes, ownCopies } from '../bytes.js';
import { summarize, type Established, type HandshakeChannel, type HandshakeMessage, type HandshakeSummary } from './handshake.js';
import type { TlsClientOptions } from './options.js';
import { anchorsFor, checkedName } from './server-chain-check.js';
import {
  NSS_CLIENT_RANDOM,
  hasDowngradeSentinel,
  nextMessage12,
  protections12,
  readChangeCipherSpecAndFinished,
  readMessage12,
  sendChangeCipherSpecAndFinished,
  signedParams,
} from './handshake-tls12.js';
import { checkPeerChain, decodeMessage, sendMessage } from './handshake-tls13.js';
import { SESSION_LIFETIME_SECONDS, rememberValidation, type TlsSession12 as TlsSession } from './session-cache.js';
import { Transcript } from './key-schedule.js';
import { Tls12KeySchedule, type PreMasterSecret, type Tls12MasterSecret } from './key-schedule-tls12.js';
import {
  Certificate12Codec,
  CertificateRequest12Codec,
  CertificateVerifyCodec,
  ClientCertificateType,
  ClientKeyExchangeCodec,
  ClientKeyExchangeDheCodec,
  ExtensionType,
  HandshakeType,
  NewSessionTicket12Codec,
  ServerHelloDoneCodec,
  HelloRequestCodec,
  ServerKeyExchangeCodec,
  ServerKeyExchangeDheCodec,
  serverDhParams,
  serverEcdhParams,
  alpnExt,
  ecPointFormatsExt,
  extensionName,
  findExtension,
  renegotiationInfoExt,
  type CertificateRequest12,
  type ClientHello,
  type ServerHello,
} from './msgs/index.js';
import {
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
import { dhePremaster, groupOfDhParams } from './dhe-tls12.js';

/** RFC 5246 §7.4.1.4: the extensions a TLS 1.2 ServerHello may carry, each only if we sent it. */
const SERVER_HELLO_EXTENSIONS_12 = new Set<number>([
  ExtensionType.server_name,
  ExtensionType.application_layer_protocol_negotiation,
  ExtensionType.extended_master_secret,
  ExtensionType.renegotiation_info,
  ExtensionType.ec_point_formats,
  ExtensionType.session_ticket,
  ExtensionType.encrypt_then_mac,
]);

/** What the client entry hands over when the server answered its ClientHello with TLS 1.2. */
export interface ClientTls12Start {
  readonly hello: ClientHello;
  readonly transcript: Transcript;
  readonly serverHello: ServerHello;
  readonly serverHelloRaw: Uint8Array;
  /** Whether the ClientHello offered TLS 1.3: then the downgrade sentinel is checked (RFC 8446 §4.1.3). */
  readonly offered13: boolean;
  readonly suites: readonly CipherSuite12[];
  readonly groups: readonly Group[];
  readonly schemes: readonly SignatureSchemeInfo[];
  readonly started: number;
  /** The session the ClientHello offered to resume, if any, and how its server chain validated when offered. */
  readonly session?: TlsSession;
  readonly sessionValidation?: ValidationResult;
}

/** The client's TLS 1.2 state, as Go's clientHandshakeState keeps it. */
export class ClientHandshake12 {
  private readonly transcript: Transcript;
  /** RFC 5246 §7.4.1.3: the suite the ServerHello chose. */
  private readonly suite: CipherSuite12;
  private readonly ks: Tls12KeySchedule;
  /** RFC 5246 §7.4.1.3: the offered session, when the server echoed its id to resume it. */
  private resumedSession: TlsSession | undefined;
  private alpn: string | undefined;
  private peerCertificates: Uint8Array[] = [];
  private validation: ValidationResult | undefined;
  private serverScheme: SignatureSchemeInfo | undefined;
  private clientCertificateSent = false;
  /** RFC 5077 §3.2: the server answered session_ticket, so a NewSessionTicket comes before its ChangeCipherSpec. */
  private expectTicket = false;
  /** RFC 7627: whether the server answered the extended master secret. */
  private ems = true;
  private ticket: { ticket: Uint8Array; lifetime: number } | undefined;
  /** RFC 7366: the server answered encrypt_then_mac for a CBC suite. */
  private encryptThenMac = false;

  constructor(
    private readonly ch: HandshakeChannel,
    private readonly options: TlsClientOptions,
    private readonly start: ClientTls12Start,
  ) {
    this.transcript = start.transcript;
    this.suite = this.processServerHello();
    this.ks = new Tls12KeySchedule(ch.provider, this.suite);
  }

  async run(): Promise<Established> {
    const summary = await this.handshake();
    return { summary, postHandshake: (m) => this.postHandshake(m), keyUpdate: () => this.keyUpdate() };
  }

  private async handshake(): Promise<HandshakeSummary> {
    if (this.resumedSession) return this.resumeSession(this.resumedSession);
    const leafSpki = await this.readServerCertificate();
    const { group, serverPublic } = await this.readServerKeyExchange(leafSpki);
    let next = await nextMessage12(this.ch);
    let request: CertificateRequest12 | undefined;
    if (next.type === HandshakeType.certificate_request) {
      request = this.processCertificateRequest(next);
      next = await nextMessage12(this.ch);
    }
    this.processServerHelloDone(next);
    const signer = request ? this.sendClientCertificate(request) : undefined;
    const pms = this.sendClientKeyExchange(group, serverPublic);
    const master = this.deriveMasterSecret(pms);
    if (signer) await this.sendCertificateVerify(signer);
    const { client, server } = protections12(this.ks, master, this.start.hello.random, this.start.serverHello.random, this.encryptThenMac);
    sendChangeCipherSpecAndFinished(this.ch, this.transcript, this.ks, master, 'client', client);
    this.ch.flush();
    if (this.expectTicket) await this.readNewSessionTicket();
    await readChangeCipherSpecAndFinished(this.ch, this.transcript, this.ks, master, 'server', server);
    this.saveSession(master, group);
    return this.summary(group);
  }

  /** RFC 5246 §7.3 (abbreviated handshake): [NewSessionTicket], the server's ChangeCipherSpec and Finished, then ours. */
  private async resumeSession(session: TlsSession): Promise<HandshakeSummary> {
    const master = session.masterSecret;
    this.peerCertificates = [...session.peerCertificates];
    this.validation = this.start.sessionValidation;
    const group = this.start.groups.find((g) => g.name === session.group) ?? this.start.groups[0];
    this.ch.keyLog(NSS_CLIENT_RANDOM, this.start.hello.random, master);
    if (this.expectTicket) await this.readNewSessionTicket();
    const { client, server } = protections12(this.ks, master, this.start.hello.random, this.start.serverHello.random, this.encryptThenMac);
    await readChangeCipherSpecAndFinished(this.ch, this.transcript, this.ks, master, 'server', server);
    sendChangeCipherSpecAndFinished(this.ch, this.transcript, this.ks, master, 'client', client);
    this.ch.flush();
    this.saveSession(master, group);
    return this.summary(group);
  }

  /** RFC 5077 §3.3 */
  private async readNewSessionTicket(): Promise<void> {
    const { message, raw } = await readMessage12(this.ch, NewSessionTicket12Codec);
    if (message.ticket.length) this.ticket = { ticket: Uint8Array.from(message.ticket), lifetime: message.ticket_lifetime_hint };
    this.transcript.add(raw);
  }

  /** Hands the session to the application (the socket's 'session' event) when the server made it resumable. */
  private saveSession(master: Tls12MasterSecret, group: Group): void {
    const sessionId = Uint8Array.from(this.start.serverHello.legacy_session_id_echo);
    const original = this.resumedSession;
    const ticket = this.ticket?.ticket ?? original?.ticket;
    if (!sessionId.length && !ticket) return;
    // RFC 5077 §5.6: a hint of 0 means unspecified; kyman never keeps a session longer than its own limit.
    const hint = this.ticket?.lifetime || SESSION_LIFETIME_SECONDS;
    const session: TlsSession = {
      version: 'TLSv1.2',
      cipherSuite: this.suite.name,
      group: group.name,
      ...(this.options.serverName !== undefined ? { serverName: this.options.serverName } : {}),
      sessionId,
      ...(ticket ? { ticket } : {}),
      // A resumed session keeps its first handshake's time: resumption does not extend it.
      createdAt: original?.createdAt ?? (this.options.now?.() ?? new Date()).getTime(),
      lifetimeSeconds: Math.min(hint, original?.lifetimeSeconds ?? SESSION_LIFETIME_SECONDS, SESSION_LIFETIME_SECONDS),
      peerCertificates: ownCopies(this.peerCertificates),
      extendedMasterSecret: this.ems,
      masterSecret: master,
      ...(this.encryptThenMac ? { encryptThenMac: true } : {}),
    };
    rememberValidation(session, this.validation, anchorsFor(this.options, this.peerCertificates), checkedName(this.options));
    this.ch.newSession(session);
  }

  /** RFC 5246 §7.4.1.3, RFC 8446 §4.1.3, RFC 7627 §5.2, RFC 5746 §3.4: what the ServerHello must agree to. */
  private processServerHello(): CipherSuite12 {
    const sh = this.start.serverHello;
    // RFC 8446 §4.1.3: a 1.3-capable client seeing TLS 1.2 chosen checks for the downgrade sentinel.
    if (this.start.offered13 && hasDowngradeSentinel(sh.random)) {
      throw fatal('illegal_parameter', 'the server chose TLS 1.2 but its random carries the TLS 1.3 downgrade sentinel: a downgrade attack, or a broken middlebox');
    }
    if (sh.legacy_compression_method !== 0) throw fatal('illegal_parameter', 'the server chose a compression method');
    const suite = suite12ById(sh.cipher_suite);
    if (!suite || !this.start.suites.includes(suite)) throw fatal('illegal_parameter', `the server chose cipher suite 0x${sh.cipher_suite.toString(16)}, which was not offered for TLS 1.2`);
    for (const e of sh.extensions) {
      const offered = this.start.hello.extensions.some((x) => x.extension_type === e.extension_type);
      if (!SERVER_HELLO_EXTENSIONS_12.has(e.extension_type) || !offered) {
        throw fatal('unsupported_extension', `the server sent ${extensionName(e.extension_type)} in its TLS 1.2 ServerHello`);
      }
    }
    // RFC 7627 §5.2: kyman does not run a TLS 1.2 handshake without the extended master secret, unless told to.
    const ems = findExtension(sh.extensions, ExtensionType.extended_master_secret);
    if (!ems && !this.options.allowNoExtendedMasterSecret) {
      throw fatal('handshake_failure', 'the server does not support the extended master secret (RFC 7627), which kyman requires for TLS 1.2');
    }
    // RFC 7627 §5.1: its extension_data is empty.
    if (ems && ems.length !== 0) throw fatal('decode_error', 'the extended_master_secret extension is not empty');
    this.ems = ems !== undefined;
    // RFC 5746 §3.4: on an initial handshake renegotiated_connection must be empty.
    const reneg = findExtension(sh.extensions, ExtensionType.renegotiation_info);
    if (reneg && renegotiationInfoExt.decode(reneg).length !== 0) throw fatal('handshake_failure', 'the server sent a non-empty renegotiation_info on an initial handshake');
    // RFC 8422 §5.2: if the server sends point formats, uncompressed must be among them.
    const formats = findExtension(sh.extensions, ExtensionType.ec_point_formats);
    if (formats && !ecPointFormatsExt.decode(formats).includes(0)) throw fatal('illegal_parameter', 'the server does not accept uncompressed EC points');
    // RFC 5077 §3.2: the server's session_ticket is empty.
    const ticketExt = findExtension(sh.extensions, ExtensionType.session_ticket);
    if (ticketExt && ticketExt.length) throw fatal('decode_error', "the server's session_ticket extension is not empty");
    this.expectTicket = ticketExt !== undefined;
    // RFC 7366 §2: an empty extension; §3: it means nothing with an AEAD suite, and is ignored there, as OpenSSL does.
    const etm = findExtension(sh.extensions, ExtensionType.encrypt_then_mac);
    if (etm && etm.length) throw fatal('decode_error', "the server's encrypt_then_mac extension is not empty");
    this.encryptThenMac = etm !== undefined && suite.cbc !== undefined;
    // RFC 5246 §7.4.1.3: echoing the session id we offered resumes that session (RFC 5077 §3.4: also for a ticket).
    const echo = sh.legacy_session_id_echo;
    if (echo.length && equalBytes(echo, this.start.hello.legacy_session_id)) {
      const session = this.start.session;
      if (!session) throw fatal('illegal_parameter', 'the server resumed a session that was not offered');
      // RFC 5246 §7.4.1.3: a resumed session keeps its cipher suite.
      if (session.cipherSuite !== suite.name) throw fatal('illegal_parameter', `the server resumed a ${session.cipherSuite} session with ${suite.name}`);
      // RFC 7627 §5.3: a resumed session keeps its kind of master secret.
      if (session.extendedMasterSecret !== this.ems) throw fatal('handshake_failure', 'the server resumed a session with a different extended master secret setting (RFC 7627 §5.3)');
      // RFC 7366 §3.1: and its encrypt-then-MAC setting.
      if (this.encryptThenMac !== (session.encryptThenMac ?? false)) {
        throw fatal('illegal_parameter', `the server resumed a session ${this.encryptThenMac ? 'without' : 'with'} encrypt-then-MAC ${this.encryptThenMac ? 'with' : 'without'} it`);
      }
      this.resumedSession = session;
    }
    const alpn = findExtension(sh.extensions, ExtensionType.application_layer_protocol_negotiation);
    if (alpn) {
      const chosen = alpnExt.decode(alpn);
      // RFC 7301 §3.1: exactly one protocol, one we offered.
      if (chosen.length !== 1 || !this.options.alpnProtocols?.includes(chosen[0])) throw fatal('illegal_parameter', `the server chose ALPN protocol ${chosen.join(', ')}, which was not offered`);
      this.alpn = chosen[0];
    }
    this.transcript.add(this.start.serverHelloRaw);
    return suite;
  }

  /** RFC 5246 §7.4.2: the server's chain, validated as for TLS 1.3; its key must fit the suite (RFC 8422 §2). */
  private async readServerCertificate(): Promise<Uint8Array> {
    const { message, raw } = await readMessage12(this.ch, Certificate12Codec);
    if (message.certificate_list.length === 0) throw fatal('decode_error', 'the server sent no certificate');
    this.peerCertificates = [...message.certificate_list];
    if ((this.options.verify ?? true) === true) {
      this.validation = checkPeerChain(this.ch.provider, this.peerCertificates, {
        trustAnchors: anchorsFor(this.options, this.peerCertificates),
        purpose: 'server',
        host: checkedName(this.options),
        at: this.options.now?.() ?? new Date(),
      });
    }
    const spki = this.validation?.chain[0]?.publicKey.spki ?? leafSpki(this.peerCertificates[0]);
    if (!keyFitsSuite12(this.suite, keyKindOf(spki))) {
      throw fatal('unsupported_certificate', `the server's certificate key cannot authenticate ${this.suite.name}`);
    }
    this.transcript.add(raw);
    return spki;
  }

  /**
   * RFC 8422 §5.4: the server's ephemeral point on a group we offered, signed over both randoms;
   * RFC 5246 §7.4.3 for DHE: the group must be one of the RFC 7919 groups we offered (RFC 7919 §3).
   */
  private async readServerKeyExchange(leafSpki: Uint8Array): Promise<{ group: Group; serverPublic: Uint8Array }> {
    let group: Group | undefined;
    let message: { algorithm: number; signature: Uint8Array };
    let params: Uint8Array;
    let serverPublic: Uint8Array;
    let raw: Uint8Array;
    if (this.suite.kx === 'DHE_RSA') {
      const read = await readMessage12(this.ch, ServerKeyExchangeDheCodec);
      ({ message, raw } = read);
      group = groupOfDhParams(read.message.dh_p, read.message.dh_g, this.start.groups);
      // RFC 7919 §3 leaves a group the client did not offer to the client; kyman does DHE only in the named groups it offered.
      if (!group) throw fatal('insufficient_security', `the server's DHE group (a ${read.message.dh_p.length * 8}-bit prime) is not one of the RFC 7919 groups offered`);
      params = serverDhParams(read.message);
      serverPublic = read.message.dh_Ys;
    } else {
      const read = await readMessage12(this.ch, ServerKeyExchangeCodec);
      ({ message, raw } = read);
      const id = read.message.namedcurve;
      group = this.start.groups.find((g) => g.kind === 'ec' && g.id === id);
      if (!group) throw fatal('illegal_parameter', `the server chose group 0x${id.toString(16)}, which was not offered`);
      params = serverEcdhParams(read.message);
      serverPublic = read.message.public;
    }
    // RFC 5246 §7.4.1.4.1: the algorithm must be one we offered, and fit the certificate's key.
    const scheme = this.start.schemes.find((s) => s.id === message.algorithm);
    if (!scheme) throw fatal('illegal_parameter', `the server signed with ${schemeById(message.algorithm)?.name ?? `scheme 0x${message.algorithm.toString(16)}`}, which was not offered`);
    if (!schemeFitsKey12(scheme, keyKindOf(leafSpki))) throw fatal('illegal_parameter', `the server signed with ${scheme.name}, which does not fit its certificate's key`);
    const content = signedParams(this.start.hello.random, this.start.serverHello.random, params);
    if (!this.ch.provider.verify(leafSpki, scheme.scheme, content, message.signature)) {
      throw fatal('decrypt_error', "the server's ServerKeyExchange signature does not verify");
    }
    this.serverScheme = scheme;
    this.transcript.add(raw);
    return { group, serverPublic };
  }

  /** RFC 5246 §7.4.4 */
  private processCertificateRequest(m: HandshakeMessage): CertificateRequest12 {
    const request = decodeMessage(this.ch, m, CertificateRequest12Codec);
    this.transcript.add(m.raw);
    return request;
  }

  /** RFC 5246 §7.4.5 */
  private processServerHelloDone(m: HandshakeMessage): void {
    decodeMessage(this.ch, m, ServerHelloDoneCodec);
    this.transcript.add(m.raw);
  }

  /**
   * RFC 5246 §7.4.6: our chain if it fits a certificate type and a scheme the server asked for;
   * otherwise an empty list. Returns the key and scheme the CertificateVerify is to use, when sent.
   */
  private sendClientCertificate(request: CertificateRequest12): { key: PrivateKeyHandle; scheme: SignatureSchemeInfo } | undefined {
    const key = this.options.privateKey;
    const chain = this.options.certificateChain ?? [];
    let signer: { key: PrivateKeyHandle; scheme: SignatureSchemeInfo } | undefined;
    if (key && chain.length) {
      const kind = keyKindOf(key.spki);
      const type = kind?.key === 'rsa' || kind?.key === 'rsa-pss' ? ClientCertificateType.rsa_sign : ClientCertificateType.ecdsa_sign;
      const scheme = pickSignatureScheme12(key, request.supported_signature_algorithms, this.start.schemes);
      if (request.certificate_types.includes(type) && scheme) signer = { key, scheme };
    }
    this.transcript.add(sendMessage(this.ch, Certificate12Codec, { certificate_list: signer ? chain : [] }));
    this.clientCertificateSent = signer !== undefined;
    return signer;
  }

  /** RFC 8422 §5.7, §5.10: our ephemeral point; the ECDH result is the premaster secret. RFC 5246 §7.4.7.2, §8.1.2 for DHE. */
  private sendClientKeyExchange(group: Group, serverPublic: Uint8Array): PreMasterSecret {
    const share = this.ch.provider.generateKeyShare(group.provider);
    if (this.suite.kx === 'DHE_RSA') {
      const pms = dhePremaster(share, group, serverPublic, 'server');
      this.transcript.add(sendMessage(this.ch, ClientKeyExchangeDheCodec, { dh_Yc: share.publicKey }));
      return pms as PreMasterSecret;
    }
    let pms: Uint8Array;
    try {
      pms = share.deriveSecret(serverPublic);
    } catch (e) {
      throw fatal('illegal_parameter', `the server's ${group.name} public value is not a valid point`, e);
    }
    this.transcript.add(sendMessage(this.ch, ClientKeyExchangeCodec, { ecdh_Yc: share.publicKey }));
    return pms as PreMasterSecret;
  }

  /** RFC 7627 §4: the session hash covers the messages through ClientKeyExchange. */
  private deriveMasterSecret(pms: PreMasterSecret): Tls12MasterSecret {
    const master = this.ems
      ? this.ks.extendedMasterSecret(pms, this.transcript.hash(this.ks))
      : this.ks.legacyMasterSecret(pms, this.start.hello.random, this.start.serverHello.random);
    this.ch.keyLog(NSS_CLIENT_RANDOM, this.start.hello.random, master);
    return master;
  }

  /** RFC 5246 §7.4.8: a signature over all handshake messages so far. */
  private async sendCertificateVerify({ key, scheme }: { key: PrivateKeyHandle; scheme: SignatureSchemeInfo }): Promise<void> {
    const signature = await this.ch.provider.sign(key, scheme.scheme, this.transcript.bytes());
    this.transcript.add(sendMessage(this.ch, CertificateVerifyCodec, { algorithm: scheme.id, signature }));
  }

  private summary(group: Group): HandshakeSummary {
    return summarize({
      version: 'TLSv1.2',
      suite: this.suite,
      group,
      peerScheme: this.serverScheme,
      alpn: this.alpn,
      serverName: this.options.serverName,
      resumed: this.resumedSession !== undefined,
      helloRetry: false,
      peerCertificates: this.peerCertificates,
      validation: this.validation,
      clientCertificateSent: this.clientCertificateSent,
      started: this.start.started,
    });
  }

  /**
   * RFC 5246 §7.4.1.1, RFC 5746 §4.2: a HelloRequest after the handshake asks to renegotiate,
   * which kyman does not do: it answers with a no_renegotiation warning and carries on.
   */
  postHandshake(m: HandshakeMessage): void {
    if (m.type !== HandshakeType.hello_request) throw fatal('unexpected_message', `the server sent handshake type ${m.type} after the handshake`);
    const message = HelloRequestCodec.decode(m.body);
    if (this.ch.tracing) this.ch.trace('received', HelloRequestCodec, message);
    this.ch.sendWarningAlert('no_renegotiation');
  }

  keyUpdate(): void {
    throw usage('KeyUpdate is TLS 1.3 only; this connection is TLS 1.2');
  }
}

/** The leaf's SubjectPublicKeyInfo when the chain was not validated (verify: 'insecure'). */
function leafSpki(der: Uint8Array): Uint8Array {
  try {
    return summarizeCertificate(der).spki;
  } catch (e) {
    throw fatal('bad_certificate', "the server's certificate cannot be read", e);
  }
}
