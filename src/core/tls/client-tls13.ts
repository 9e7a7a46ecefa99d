// The TLS 1.3 client handshake (RFC 8446 §2, §4), one method per step, read top to bottom as the RFC's message flow.

import { isIP } from 'node:net';
import type { KeyShare } from '../crypto/provider.js';
import { usage } from '../errors.js';
import { summarizeCertificate } from '../pki/certificate.js';
import type { ValidationResult } from '../pki/validate.js';
import { fatal } from './alerts.js';
import { ClientHandshake12 } from './client-tls12.js';
import type { HandshakeChannel, HandshakeMessage, HandshakeSummary, Handshaker, TlsClientOptions } from './connection.js';
import {
  ApplicationKeys,
  NSS,
  certificatesOf,
  checkPeerChain,
  makeCertificateVerify,
  protectionFor,
  readCertificateVerify,
  readFinished,
  readMessage,
  sendCertificate,
  sendFinished,
  sendMessage,
} from './handshake-tls13.js';
import { KeySchedule, Transcript, type EarlySecret, type HandshakeSecret, type MasterSecret, type ResumptionMasterSecret, type TrafficSecret } from './key-schedule.js';
import { SESSION_LIFETIME_SECONDS, recallValidation, rememberValidation, session13Usable, sessionUsable, type TlsSession, type TlsSession12, type TlsSession13 } from './session-cache.js';
import {
  CertificateCodec,
  CertificateRequestCodec,
  ClientHelloCodec,
  preSharedKeyExt,
  pskModesExt,
  EncryptedExtensionsCodec,
  ExtensionType,
  HandshakeType,
  NewSessionTicketCodec,
  type NewSessionTicket,
  ServerHelloCodec,
  TLS12,
  TLS13,
  alpnExt,
  ecPointFormatsExt,
  renegotiationInfoExt,
  cookieExt,
  ext,
  extensionName,
  findExtension,
  isHelloRetryRequest,
  keyShareExt,
  serverNameExt,
  supportedVersionsExt,
  supportedGroupsExt, signatureAlgorithmsExt, signatureAlgorithmsCertExt,
  type CertificateRequest,
  type ClientHello,
  type Extension,
  type ServerHello,
} from './msgs/index.js';
import {
  SIGNATURE_SCHEMES,
  groupById,
  pickSignatureScheme,
  resolveGroups,
  resolveSchemes,
  resolveSchemes12,
  resolveSuites,
  resolveSuites12,
  resolveVersions,
  CIPHER_SUITES,
  suiteById,
  type CipherSuite,
  type CipherSuite12,
  type TlsVersionName,
  type Group,
  type SignatureSchemeInfo,
} from './suites.js';
import { handshakeRandom } from './random-pool.js';

/** §4.1.3: extensions a ServerHello may carry; anything else is unsupported_extension. */
const SERVER_HELLO_EXTENSIONS = new Set<number>([ExtensionType.key_share, ExtensionType.supported_versions, ExtensionType.pre_shared_key]);
const HELLO_RETRY_EXTENSIONS = new Set<number>([ExtensionType.key_share, ExtensionType.supported_versions, ExtensionType.cookie]);
/** §4.2 table: extensions that must never appear in EncryptedExtensions (illegal_parameter, §4.3.1). */
const FORBIDDEN_IN_ENCRYPTED_EXTENSIONS = new Set<number>([
  ExtensionType.key_share,
  ExtensionType.supported_versions,
  ExtensionType.pre_shared_key,
  ExtensionType.psk_key_exchange_modes,
  ExtensionType.signature_algorithms,
  ExtensionType.signature_algorithms_cert,
  ExtensionType.cookie,
  ExtensionType.certificate_authorities,
]);
/** §4.4.2.4 / RFC 8446 Appendix D: the last 8 bytes of a TLS 1.2 or older server's random, when it could have done 1.3. */
const DOWNGRADE_TLS12 = '444f574e47524401';
const DOWNGRADE_TLS11 = '444f574e47524400';

/** The client's handshake state, as Go's clientHandshakeStateTLS13 keeps it. */
export class ClientHandshake13 implements Handshaker {
  private readonly suites: CipherSuite[];
  private readonly groups: Group[];
  private readonly schemes: SignatureSchemeInfo[];
  private readonly versions: TlsVersionName[];
  private readonly suites12: CipherSuite12[];
  private readonly schemes12: SignatureSchemeInfo[];
  private readonly random: (n: number) => Uint8Array;
  private readonly transcript = new Transcript();
  private readonly started = performance.now();
  /** The TLS 1.2 handshake, when the server chose TLS 1.2 (RFC 8446 §4.1.3, RFC 5246). */
  private tls12: ClientHandshake12 | undefined;
  /** A TLS 1.2 session offered for resumption (RFC 5246 §7.4.1.2, RFC 5077 §3.4). */
  private session: TlsSession12 | undefined;
  private sessionValidation: ValidationResult | undefined;
  /** A TLS 1.3 ticket offered in pre_shared_key (§4.2.11), and whether the server took it. */
  private psk: TlsSession13 | undefined;
  private resumed = false;
  /** The offered PSK's Early Secret, made for its binder and used again if the server takes it. */
  private pskEarlySecret: EarlySecret | undefined;
  private master!: MasterSecret;
  private resumptionSecret: ResumptionMasterSecret | undefined;

  private hello!: ClientHello;
  private helloRaw!: Uint8Array;
  private share!: KeyShare;
  private cookie: Uint8Array | undefined;
  private helloRetry = false;
  private ccsSent = false;
  private suite!: CipherSuite;
  private ks!: KeySchedule;
  private group!: Group;
  private handshakeSecret!: HandshakeSecret;
  private clientHandshakeSecret!: TrafficSecret;
  private serverHandshakeSecret!: TrafficSecret;
  private alpn: string | undefined;
  private certificateRequest: CertificateRequest | undefined;
  private peerCertificates: Uint8Array[] = [];
  private validation: ValidationResult | undefined;
  private serverScheme: SignatureSchemeInfo | undefined;
  private clientCertificateSent = false;
  private appKeys: ApplicationKeys | undefined;

  constructor(
    private readonly ch: HandshakeChannel,
    private readonly options: TlsClientOptions,
  ) {
    this.versions = resolveVersions(options.versions, options.cipherSuites);
    this.suites = this.versions.includes('TLSv1.3') ? resolveSuites(options.cipherSuites) : [];
    this.suites12 = this.versions.includes('TLSv1.2') ? resolveSuites12(options.cipherSuites) : [];
    this.groups = resolveGroups(options.groups, ch.provider);
    this.schemes = resolveSchemes(options.signatureSchemes);
    this.schemes12 = resolveSchemes12(options.signatureSchemes);
    this.random = options.random ?? ((n) => handshakeRandom(ch.provider, n));
    if (!this.groups.length || !this.schemes.length) throw usage('groups and signatureSchemes must each name at least one');
    const verify = options.verify ?? true;
    if (verify !== true && verify !== 'insecure') throw usage("verify is true, or 'insecure' to turn certificate checks off");
    if (verify === true && !options.serverName) throw usage('serverName is needed to check the server certificate (or verify: \'insecure\')');
    if (verify === true && !options.trustAnchors?.length) throw usage('trustAnchors are needed to check the server certificate (or verify: \'insecure\')');
    if ((options.certificateChain?.length ?? 0) > 0 !== (options.privateKey !== undefined)) throw usage('a client certificate needs both certificateChain and privateKey');
  }

  async run(): Promise<HandshakeSummary> {
    this.sendClientHello(this.groups[0]);
    // §D.4: a server in compatibility mode sends one change_cipher_spec after its first message, HelloRetryRequest or ServerHello.
    this.ch.allowChangeCipherSpec(true);
    let sh = await this.readServerHello();
    if (sh.tls12) {
      // RFC 8446 §4.1.3: the server chose TLS 1.2; the 1.2 client takes over from its ServerHello.
      this.ch.allowChangeCipherSpec(false);
      this.ch.useTls12Alerts();
      this.tls12 = new ClientHandshake12(this.ch, this.options, {
        hello: this.hello,
        transcript: this.transcript,
        serverHello: sh.message,
        serverHelloRaw: sh.raw,
        offered13: this.offers13,
        suites: this.suites12,
        groups: this.groups,
        schemes: this.schemes12,
        started: this.started,
        ...(this.session ? { session: this.session } : {}),
        ...(this.sessionValidation ? { sessionValidation: this.sessionValidation } : {}),
      });
      return this.tls12.run();
    }
    if (sh.isRetry) {
      this.processHelloRetryRequest(sh.message, sh.raw);
      sh = await this.readServerHello();
      // §4.1.4: a second HelloRetryRequest is an unexpected_message.
      if (sh.isRetry) throw fatal('unexpected_message', 'the server sent a second HelloRetryRequest');
    }
    this.processServerHello(sh.message, sh.raw);
    await this.readEncryptedExtensions();
    if (this.resumed) {
      // §2.2: a resumed handshake has no Certificate or CertificateVerify; the ticket vouches for the
      // server, and a CertificateRequest is not allowed with a PSK (§4.3.2), so Finished comes next.
      this.peerCertificates = [...this.psk!.peerCertificates];
      this.validation = this.sessionValidation;
    } else {
      let next = await this.ch.readHandshake();
      if (next.type === HandshakeType.certificate_request) {
        this.processCertificateRequest(next);
        next = await this.ch.readHandshake();
      }
      const leafSpki = this.processServerCertificate(next);
      this.serverScheme = await readCertificateVerify(this.ch, this.transcript, this.ks, leafSpki, this.schemes, 'server');
    }
    await readFinished(this.ch, this.transcript, this.ks, this.serverHandshakeSecret, 'server');
    const [clientApp, serverApp] = this.deriveApplicationSecrets();
    this.sendCompatibilityChangeCipherSpec();
    if (this.certificateRequest) await this.sendClientCertificate();
    sendFinished(this.ch, this.transcript, this.ks, this.clientHandshakeSecret);
    this.ch.flush();
    // §7.1: resumption_master_secret over the transcript through the client Finished, for the tickets that follow.
    this.resumptionSecret = this.ks.resumptionMasterSecret(this.master, this.transcript.hash(this.ks));
    this.ch.setWriteProtection(protectionFor(this.ks, clientApp));
    this.appKeys = new ApplicationKeys(this.ch, this.ks, clientApp, serverApp);
    return this.summary();
  }

  /**
   * A session is offered only while the server's chain it was made with still validates against
   * today's trust anchors and clock (as Go's client checks before resuming); otherwise a full handshake.
   */
  private offerSession(session: TlsSession): boolean {
    if ((this.options.verify ?? true) === true) {
      const at = this.options.now?.() ?? new Date();
      try {
        this.sessionValidation =
          recallValidation(session, this.options.trustAnchors, this.options.serverName, at) ??
          checkPeerChain(this.ch.provider, [...session.peerCertificates], {
            trustAnchors: this.options.trustAnchors ?? [],
            purpose: 'server',
            host: this.options.serverName,
            at,
          });
      } catch {
        return false;
      }
    }
    if (session.version === 'TLSv1.2') this.session = session;
    return true;
  }

  /** §4.2.11: the ticket to offer, when it is still good, for this name, and its suite's hash is one we offer. */
  private pickTicket(): TlsSession13 | undefined {
    const o = this.options;
    const s = o.session;
    if (!s || !this.offers13 || !session13Usable(s, o.serverName, (o.now?.() ?? new Date()).getTime())) return undefined;
    const suite = this.suiteOf(s);
    if (!suite || !this.suites.some((x) => x.hash === suite.hash)) return undefined;
    return this.offerSession(s) ? s : undefined;
  }

  private suiteOf(s: TlsSession13): CipherSuite | undefined {
    return this.suites.find((x) => x.name === s.cipherSuite) ?? CIPHER_SUITES.find((x) => x.name === s.cipherSuite);
  }

  /**
   * §4.2.11.2: the binder is an HMAC over the transcript up to this ClientHello without its binders,
   * keyed from the ticket's PSK; it is filled into the encoded message's last bytes.
   */
  private fillBinder(raw: Uint8Array): void {
    const ks = new KeySchedule(this.ch.provider, this.suiteOf(this.psk!)!);
    const length = ks.suite.hashLength;
    const truncated = raw.subarray(0, raw.length - (2 + 1 + length));
    this.pskEarlySecret = ks.earlySecret(this.psk!.psk);
    const binder = ks.finishedMac(ks.resumptionBinderKey(this.pskEarlySecret), this.transcript.hashWith(ks, truncated));
    raw.set(binder, raw.length - length);
  }

  private get offers13(): boolean {
    return this.versions.includes('TLSv1.3');
  }

  private get offers12(): boolean {
    return this.versions.includes('TLSv1.2');
  }

  /**
   * §4.1.2: the ClientHello; after a HelloRetryRequest, the same one with the new share and the cookie (§4.1.4).
   * With TLS 1.2 enabled it also carries what RFC 5246 needs: the 1.2 suites, extended_master_secret
   * (RFC 7627), an empty renegotiation_info (RFC 5746 §3.4) and ec_point_formats (RFC 8422 §5.1.2).
   */
  private sendClientHello(group: Group): void {
    const o = this.options;
    const extensions: Extension[] = [];
    // RFC 6066 §3: literal IP addresses are not sent as host names.
    if (o.serverName && !isIP(o.serverName)) extensions.push(ext(ExtensionType.server_name, serverNameExt.encode(o.serverName)));
    // §4.2.1: a client offering only TLS 1.2 sends no supported_versions; legacy_version says it all.
    if (this.offers13) extensions.push(ext(ExtensionType.supported_versions, supportedVersionsExt.client.encode(this.offers12 ? [TLS13, TLS12] : [TLS13])));
    extensions.push(ext(ExtensionType.supported_groups, supportedGroupsExt.encode(this.groups.map((g) => g.id))));
    const offeredSchemes = this.offers13 ? [...this.schemes] : [];
    if (this.offers12) for (const s of this.schemes12) if (!offeredSchemes.includes(s)) offeredSchemes.push(s);
    extensions.push(ext(ExtensionType.signature_algorithms, signatureAlgorithmsExt.encode(offeredSchemes.map((s) => s.id))));
    if (this.offers13) {
      this.share = this.ch.provider.generateKeyShare(group.provider);
      // §4.2.3: certificates may be signed with RSA PKCS #1 v1.5 even though handshakes may not.
      const certSchemes = [...this.schemes.map((s) => s.id), ...SIGNATURE_SCHEMES.filter((s) => !s.handshake).map((s) => s.id)];
      extensions.push(ext(ExtensionType.signature_algorithms_cert, signatureAlgorithmsCertExt.encode([...new Set(certSchemes)])));
      extensions.push(ext(ExtensionType.key_share, keyShareExt.client.encode([{ group: group.id, key_exchange: this.share.publicKey }])));
    }
    if (o.alpnProtocols?.length) extensions.push(ext(ExtensionType.application_layer_protocol_negotiation, alpnExt.encode(o.alpnProtocols)));
    if (this.cookie) extensions.push(ext(ExtensionType.cookie, cookieExt.encode(this.cookie)));
    if (this.offers13) {
      // §4.2.9: psk_dhe_ke only; without this extension a server sends no tickets (§4.6.1).
      extensions.push(ext(ExtensionType.psk_key_exchange_modes, pskModesExt.encode([1])));
      if (!this.hello) this.psk = this.pickTicket();
      // §4.1.4: after a HelloRetryRequest a PSK whose hash differs from the chosen suite's is dropped.
      else if (this.psk && this.suiteOf(this.psk)!.hash !== this.suite.hash) this.psk = undefined;
    }
    if (this.offers12) {
      if (!this.hello && o.session && sessionUsable(o.session, o.serverName, (o.now?.() ?? new Date()).getTime())) this.offerSession(o.session);
      // RFC 5077 §3.2: empty asks for a ticket; a ticket offers to resume.
      extensions.push(ext(ExtensionType.session_ticket, this.session?.ticket ?? new Uint8Array(0)));
      extensions.push(ext(ExtensionType.ec_point_formats, ecPointFormatsExt.encode([0])));
      extensions.push(ext(ExtensionType.extended_master_secret, new Uint8Array(0)));
      extensions.push(ext(ExtensionType.renegotiation_info, renegotiationInfoExt.encode(new Uint8Array(0))));
    }
    if (this.psk) {
      // §4.2.11: pre_shared_key is the last extension; the binder is a placeholder until fillBinder.
      const age = ((o.now?.() ?? new Date()).getTime() - this.psk.createdAt + this.psk.ticketAgeAdd) >>> 0;
      const binder = new Uint8Array(this.suiteOf(this.psk)!.hashLength);
      extensions.push(ext(ExtensionType.pre_shared_key, preSharedKeyExt.client.encode({ identities: [{ identity: this.psk.ticket, obfuscated_ticket_age: age }], binders: [binder] })));
    }
    this.hello = {
      legacy_version: TLS12,
      random: this.hello?.random ?? this.random(32),
      // §D.4: a non-empty legacy_session_id puts the handshake in middlebox compatibility mode;
      // RFC 5246 §7.4.1.2: a TLS 1.2 session to resume is offered by its id (RFC 5077 §3.4: or a fresh one with its ticket).
      legacy_session_id: this.hello?.legacy_session_id ?? (this.session?.sessionId.length ? this.session.sessionId : this.random(32)),
      cipher_suites: [...this.suites.map((s) => s.id), ...this.suites12.map((s) => s.id)],
      legacy_compression_methods: Uint8Array.of(0),
      extensions,
    };
    this.helloRaw = ClientHelloCodec.encode(this.hello);
    if (this.psk) this.fillBinder(this.helloRaw);
    if (this.ch.tracing) this.ch.trace('sent', ClientHelloCodec, this.hello);
    this.ch.sendHandshake(this.helloRaw);
    this.transcript.add(this.helloRaw);
    this.ch.flush();
  }

  /** §4.1.3: the ServerHello (or HelloRetryRequest), checked for everything that must agree with what we sent. */
  private async readServerHello(): Promise<{ message: ServerHello; raw: Uint8Array; isRetry: boolean; tls12?: boolean }> {
    const { message, raw } = await readMessage(this.ch, ServerHelloCodec);
    const isRetry = isHelloRetryRequest(message);
    const versions = findExtension(message.extensions, ExtensionType.supported_versions);
    // §4.1.3: without supported_versions the server negotiated TLS 1.2 or older, as legacy_version says.
    if (!versions && this.offers12 && !this.helloRetry && !isRetry) {
      // RFC 5246 §E.1: a server below what we speak is refused with protocol_version.
      if (message.legacy_version !== TLS12) throw fatal('protocol_version', `the server chose version 0x${message.legacy_version.toString(16)}; kyman speaks TLS 1.2 and 1.3`);
      return { message, raw, isRetry: false, tls12: true };
    }
    if (!versions && this.helloRetry) throw fatal('illegal_parameter', 'the ServerHello after a HelloRetryRequest does not select TLS 1.3');
    if (!versions) {
      // §4.1.3, §D: a server without supported_versions negotiated TLS 1.2 or older, which this client does not speak.
      const tail = Buffer.from(message.random.subarray(24)).toString('hex');
      const hint = tail === DOWNGRADE_TLS12 || tail === DOWNGRADE_TLS11 ? ' (its random carries the downgrade sentinel)' : '';
      throw fatal('protocol_version', `the server chose ${message.legacy_version === TLS12 ? 'TLS 1.2' : `version 0x${message.legacy_version.toString(16)}`}, but only TLS 1.3 is enabled${hint}`);
    }
    if (!this.offers13) throw fatal('illegal_parameter', 'the server selected TLS 1.3, which was not offered');
    const version = supportedVersionsExt.server.decode(versions);
    if (version !== TLS13) throw fatal('illegal_parameter', `the server selected version 0x${version.toString(16)}, which was not offered`);
    if (message.legacy_version !== TLS12) throw fatal('illegal_parameter', `ServerHello legacy_version is 0x${message.legacy_version.toString(16)}, not 0x0303`);
    if (!Buffer.from(message.legacy_session_id_echo).equals(this.hello.legacy_session_id)) {
      throw fatal('illegal_parameter', 'the server did not echo our legacy_session_id');
    }
    if (message.legacy_compression_method !== 0) throw fatal('illegal_parameter', 'the server chose a compression method');
    const suite = suiteById(message.cipher_suite);
    if (!suite || !this.suites.includes(suite)) throw fatal('illegal_parameter', `the server chose cipher suite 0x${message.cipher_suite.toString(16)}, which was not offered`);
    // §4.1.4: after a HelloRetryRequest the ServerHello keeps its suite.
    if (this.helloRetry && suite !== this.suite) throw fatal('illegal_parameter', 'the ServerHello changed the cipher suite the HelloRetryRequest chose');
    const allowed = isRetry ? HELLO_RETRY_EXTENSIONS : SERVER_HELLO_EXTENSIONS;
    for (const e of message.extensions) {
      if (!allowed.has(e.extension_type)) throw fatal('unsupported_extension', `the server sent ${extensionName(e.extension_type)} in its ${isRetry ? 'HelloRetryRequest' : 'ServerHello'}`);
    }
    this.suite = suite;
    return { message, raw, isRetry };
  }

  /** §4.1.4: the server asked for another share (or sent a cookie); ClientHello1 becomes a message_hash in the transcript. */
  private processHelloRetryRequest(hrr: ServerHello, raw: Uint8Array): void {
    this.helloRetry = true;
    this.ks = new KeySchedule(this.ch.provider, this.suite);
    this.transcript.replaceWithMessageHash(this.ks);
    this.transcript.add(raw);
    const shareData = findExtension(hrr.extensions, ExtensionType.key_share);
    const cookieData = findExtension(hrr.extensions, ExtensionType.cookie);
    let group = this.groups.find((g) => g.provider === this.share.group)!;
    if (shareData) {
      const selected = keyShareExt.retry.decode(shareData);
      const g = this.groups.find((x) => x.id === selected);
      // §4.2.8: the selected group must be one we offered, and not the one we already sent a share for.
      if (!g) throw fatal('illegal_parameter', `the HelloRetryRequest asks for group 0x${selected.toString(16)}, which was not offered`);
      if (g.provider === this.share.group) throw fatal('illegal_parameter', `the HelloRetryRequest asks for ${g.name}, for which a share was already sent`);
      group = g;
    }
    if (cookieData) this.cookie = cookieExt.decode(cookieData);
    // §4.1.4: a HelloRetryRequest that would change nothing in the ClientHello is illegal.
    if (!shareData && !cookieData) throw fatal('illegal_parameter', 'the HelloRetryRequest asks for no change');
    this.sendCompatibilityChangeCipherSpec();
    this.sendClientHello(group);
  }

  /** §D.4: one change_cipher_spec before our second flight, in compatibility mode. */
  private sendCompatibilityChangeCipherSpec(): void {
    if (this.ccsSent) return;
    this.ccsSent = true;
    this.ch.sendChangeCipherSpec();
  }

  /** §4.1.3, §7.1: the server's share gives the handshake secret; from here on the server's records are protected. */
  private processServerHello(sh: ServerHello, raw: Uint8Array): void {
    this.ks ??= new KeySchedule(this.ch.provider, this.suite);
    const shareData = findExtension(sh.extensions, ExtensionType.key_share);
    if (!shareData) throw fatal('missing_extension', 'the ServerHello has no key_share');
    const serverShare = keyShareExt.server.decode(shareData);
    const group = groupById(serverShare.group);
    if (!group || group.provider !== this.share.group) throw fatal('illegal_parameter', `the server's key share is for a group it was not offered a share for`);
    this.group = group;
    let shared: Uint8Array;
    try {
      shared = this.share.deriveSecret(serverShare.key_exchange);
    } catch (e) {
      throw fatal('illegal_parameter', `the server's ${group.name} key share is not a valid public key`, e);
    }
    const pskData = findExtension(sh.extensions, ExtensionType.pre_shared_key);
    if (pskData) {
      // §4.2.11: the server selects one of the identities we offered, for a suite of the PSK's hash.
      if (!this.psk) throw fatal('illegal_parameter', 'the server selected a pre_shared_key that was not offered');
      if (preSharedKeyExt.server.decode(pskData) !== 0) throw fatal('illegal_parameter', 'the server selected a PSK identity that was not offered');
      if (this.suiteOf(this.psk)!.hash !== this.suite.hash) throw fatal('illegal_parameter', "the server chose a cipher suite whose hash is not the PSK's");
      this.resumed = true;
    }
    this.transcript.add(raw);
    const th = this.transcript.hash(this.ks);
    // §4.2.11: the PSK's hash is the suite's (checked above), so the binder's Early Secret is this one.
    const early = this.resumed ? this.pskEarlySecret! : this.ks.earlySecret();
    this.handshakeSecret = this.ks.handshakeSecret(early, shared);
    this.clientHandshakeSecret = this.ks.clientHandshakeTrafficSecret(this.handshakeSecret, th);
    this.serverHandshakeSecret = this.ks.serverHandshakeTrafficSecret(this.handshakeSecret, th);
    this.ch.keyLog(NSS.clientHandshake, this.hello.random, this.clientHandshakeSecret);
    this.ch.keyLog(NSS.serverHandshake, this.hello.random, this.serverHandshakeSecret);
    this.ch.setReadProtection(protectionFor(this.ks, this.serverHandshakeSecret));
    this.ch.setWriteProtection(protectionFor(this.ks, this.clientHandshakeSecret));
  }

  /** §4.3.1 */
  private async readEncryptedExtensions(): Promise<void> {
    const { message, raw } = await readMessage(this.ch, EncryptedExtensionsCodec);
    for (const e of message.extensions) {
      if (FORBIDDEN_IN_ENCRYPTED_EXTENSIONS.has(e.extension_type)) throw fatal('illegal_parameter', `the server sent ${extensionName(e.extension_type)} in EncryptedExtensions`);
    }
    const alpn = findExtension(message.extensions, ExtensionType.application_layer_protocol_negotiation);
    if (alpn) {
      const chosen = alpnExt.decode(alpn);
      // RFC 7301 §3.1: exactly one protocol, one we offered.
      if (!this.options.alpnProtocols?.length) throw fatal('unsupported_extension', 'the server chose an ALPN protocol although none was offered');
      if (chosen.length !== 1 || !this.options.alpnProtocols.includes(chosen[0])) throw fatal('illegal_parameter', `the server chose ALPN protocol ${chosen.join(', ')}, which was not offered`);
      this.alpn = chosen[0];
    }
    this.transcript.add(raw);
  }

  /** §4.3.2 */
  private processCertificateRequest(m: HandshakeMessage): void {
    const message = CertificateRequestCodec.decode(m.body);
    if (this.ch.tracing) this.ch.trace('received', CertificateRequestCodec, message);
    // §4.3.2: signature_algorithms MUST be specified.
    if (!findExtension(message.extensions, ExtensionType.signature_algorithms)) throw fatal('missing_extension', 'the CertificateRequest has no signature_algorithms');
    // §4.3.2: in the main handshake the context is empty.
    if (message.certificate_request_context.length !== 0) throw fatal('illegal_parameter', 'the CertificateRequest has a context in the main handshake');
    this.certificateRequest = message;
    this.transcript.add(m.raw);
  }

  /** §4.4.2: the server's chain, validated (trust from the given anchors, the host name against SNI). Returns the leaf's key. */
  private processServerCertificate(m: HandshakeMessage): Uint8Array {
    if (m.type !== HandshakeType.certificate) {
      throw fatal('unexpected_message', `expected Certificate, received handshake type ${m.type}`);
    }
    const message = CertificateCodec.decode(m.body);
    if (this.ch.tracing) this.ch.trace('received', CertificateCodec, message);
    if (message.certificate_request_context.length !== 0) throw fatal('illegal_parameter', "the server's Certificate has a request context");
    // §4.4.2.4: an empty server Certificate is a decode_error.
    if (message.certificate_list.length === 0) throw fatal('decode_error', 'the server sent no certificate');
    this.peerCertificates = certificatesOf(message);
    if ((this.options.verify ?? true) === true) {
      this.validation = checkPeerChain(this.ch.provider, this.peerCertificates, {
        trustAnchors: this.options.trustAnchors ?? [],
        purpose: 'server',
        host: this.options.serverName,
        at: this.options.now?.() ?? new Date(),
      });
    }
    this.transcript.add(m.raw);
    return this.validation?.chain[0]?.publicKey.spki ?? leafSpki(this.peerCertificates[0]);
  }

  /** §7.1: the master secret and the application traffic secrets, over the transcript through the server Finished. */
  private deriveApplicationSecrets(): [TrafficSecret, TrafficSecret] {
    const master = (this.master = this.ks.masterSecret(this.handshakeSecret));
    const th = this.transcript.hash(this.ks);
    const clientApp = this.ks.clientApplicationTrafficSecret(master, th);
    const serverApp = this.ks.serverApplicationTrafficSecret(master, th);
    this.ch.keyLog(NSS.clientTraffic0, this.hello.random, clientApp);
    this.ch.keyLog(NSS.serverTraffic0, this.hello.random, serverApp);
    // §5.1: what follows the server Finished is under the server's application keys.
    this.ch.setReadProtection(protectionFor(this.ks, serverApp));
    this.ch.allowChangeCipherSpec(false);
    return [clientApp, serverApp];
  }

  /** §4.4.2, §4.4.3: our chain when we have one that fits what the server accepts; otherwise an empty Certificate. */
  private async sendClientCertificate(): Promise<void> {
    const request = this.certificateRequest!;
    const accepted = signatureAlgorithmsExt.decode(findExtension(request.extensions, ExtensionType.signature_algorithms)!);
    const key = this.options.privateKey;
    const scheme = key ? pickSignatureScheme(key, accepted, this.schemes) : undefined;
    if (!key || !scheme || !this.options.certificateChain?.length) {
      sendCertificate(this.ch, this.transcript, request.certificate_request_context, []);
      return;
    }
    sendCertificate(this.ch, this.transcript, request.certificate_request_context, this.options.certificateChain);
    await makeCertificateVerify(this.ch, this.transcript, this.ks, key, scheme, 'client');
    this.clientCertificateSent = true;
  }

  private summary(): HandshakeSummary {
    return {
      version: 'TLSv1.3',
      cipherSuite: this.suite.name,
      group: this.group.name,
      ...(this.serverScheme ? { signatureScheme: this.serverScheme.name } : {}),
      ...(this.alpn !== undefined ? { alpn: this.alpn } : {}),
      ...(this.options.serverName !== undefined ? { serverName: this.options.serverName } : {}),
      resumed: this.resumed,
      helloRetry: this.helloRetry,
      peerCertificates: this.peerCertificates,
      ...(this.validation ? { validation: this.validation } : {}),
      clientCertificateSent: this.clientCertificateSent,
      handshakeMs: performance.now() - this.started,
    };
  }

  /** §4.6: after the handshake a server may send tickets and key updates; nothing else. */
  postHandshake(m: HandshakeMessage): void {
    if (this.tls12) return this.tls12.postHandshake(m);
    switch (m.type) {
      case HandshakeType.new_session_ticket: {
        const ticket = NewSessionTicketCodec.decode(m.body);
        if (this.ch.tracing) this.ch.trace('received', NewSessionTicketCodec, ticket);
        this.processNewSessionTicket(ticket);
        return;
      }
      case HandshakeType.key_update:
        this.appKeys!.onKeyUpdate(m);
        return;
      default:
        throw fatal('unexpected_message', `the server sent handshake type ${m.type} after the handshake`);
    }
  }

  /** §4.6.1: each ticket becomes a session to resume with; the PSK is derived now from its nonce. */
  private processNewSessionTicket(t: NewSessionTicket): void {
    // §4.6.1: servers MUST NOT use a lifetime above seven days.
    if (t.ticket_lifetime > MAX_TICKET_LIFETIME_SECONDS) throw fatal('illegal_parameter', `the server sent a ticket_lifetime of ${t.ticket_lifetime} s, more than seven days`);
    // §4.6.1: a lifetime of zero says the ticket must be discarded at once.
    if (t.ticket_lifetime === 0 || !this.resumptionSecret) return;
    const session: TlsSession13 = {
      version: 'TLSv1.3',
      cipherSuite: this.suite.name,
      ...(this.options.serverName !== undefined ? { serverName: this.options.serverName } : {}),
      ticket: Uint8Array.from(t.ticket),
      ticketAgeAdd: t.ticket_age_add,
      psk: this.ks.resumptionPsk(this.resumptionSecret, t.ticket_nonce),
      createdAt: (this.options.now?.() ?? new Date()).getTime(),
      lifetimeSeconds: Math.min(t.ticket_lifetime, SESSION_LIFETIME_SECONDS),
      peerCertificates: [...this.peerCertificates],
    };
    rememberValidation(session, this.validation, this.options.trustAnchors, this.options.serverName);
    this.ch.newSession(session);
  }

  keyUpdate(requestPeer: boolean): void {
    if (this.tls12) return this.tls12.keyUpdate();
    this.appKeys!.send(requestPeer ? 1 : 0);
  }
}

/** §4.6.1: the longest ticket_lifetime a server may give, seven days. */
const MAX_TICKET_LIFETIME_SECONDS = 604_800;

/** The leaf's SubjectPublicKeyInfo when the chain was not validated (verify: 'insecure'). */
function leafSpki(der: Uint8Array): Uint8Array {
  try {
    return summarizeCertificate(der).spki;
  } catch (e) {
    throw fatal('bad_certificate', "the server's certificate cannot be read", e);
  }
}
