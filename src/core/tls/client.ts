// The client entry (after Go's clientHandshake): a ClientContext resolved once per configuration, the ClientHello, and the version the ServerHello picks.

import { isIP } from 'node:net';
import { classicalHalf, isHybridGroup } from '../crypto/hybrid-kem.js';
import type { CryptoProvider, KeyShare } from '../crypto/provider.js';
import { usage } from '../errors.js';
import type { ValidationResult } from '../pki/validate.js';
import { fatal } from './alerts.js';
import { ClientHandshake12 } from './client-tls12.js';
import { ClientHandshake13 } from './client-tls13.js';
import type { Handshake, HandshakeChannel } from './handshake.js';
import type { TlsClientOptions } from './options.js';
import { anchorsFor, checkedName } from './server-chain-check.js';
import { checkPeerChain, readMessage } from './handshake-tls13.js';
import { KeySchedule, Transcript, type EarlySecret } from './key-schedule.js';
import {
  ClientHelloCodec,
  ExtensionType,
  ServerHelloCodec,
  TLS12,
  TLS13,
  alpnExt,
  OCSP_STATUS_REQUEST,
  cookieExt,
  ecPointFormatsExt,
  ext,
  findExtension,
  isHelloRetryRequest,
  keyShareExt,
  preSharedKeyExt,
  pskModesExt,
  PSK_DHE_KE,
  PSK_KE,
  renegotiationInfoExt,
  serverNameExt,
  signatureAlgorithmsCertExt,
  signatureAlgorithmsExt,
  supportedGroupsExt,
  supportedVersionsExt,
  type ClientHello,
  type Extension,
  type ServerHello,
} from './msgs/index.js';
import { handshakeRandom } from './random-pool.js';
import { recallValidation, session13Usable, sessionUsable, type TlsSession, type TlsSession12, type TlsSession13 } from './session-cache.js';
import {
  CIPHER_SUITES,
  CERTIFICATE_ONLY_SCHEMES,
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

/**
 * What a client configuration resolves to, worked out once (createTlsClient, or connect for a
 * single connection) and shared by every connection made with it.
 */
export interface ClientContext {
  readonly versions: TlsVersionName[];
  readonly suites: CipherSuite[];
  readonly suites12: CipherSuite12[];
  readonly groups: Group[];
  readonly schemes: SignatureSchemeInfo[];
  readonly schemes12: SignatureSchemeInfo[];
  /** Whether the server's chain is checked (`verify` is not 'insecure'). */
  readonly verify: boolean;
}

/** Checks `options` (USAGE for a configuration that cannot work) and resolves them for `provider`. */
export function clientContext(options: TlsClientOptions, provider: CryptoProvider): ClientContext {
  const versions = resolveVersions(options.versions, options.cipherSuites);
  const context: ClientContext = {
    versions,
    suites: versions.includes('TLSv1.3') ? resolveSuites(options.cipherSuites) : [],
    suites12: versions.includes('TLSv1.2') ? resolveSuites12(options.cipherSuites) : [],
    groups: resolveGroups(options.groups, provider),
    schemes: resolveSchemes(options.signatureSchemes),
    schemes12: resolveSchemes12(options.signatureSchemes),
    verify: (options.verify ?? true) === true,
  };
  if (!context.groups.length || !context.schemes.length) throw usage('groups and signatureSchemes must each name at least one');
  checkDheGroups(context.suites12, context.groups);
  const verify = options.verify ?? true;
  if (verify !== true && verify !== 'insecure') throw usage("verify is true, or 'insecure' to turn certificate checks off");
  if (verify === true && !options.serverName) throw usage('serverName is needed to check the server certificate (or verify: \'insecure\')');
  if (verify === true && !options.trustAnchors?.length && !options.trustAnchorSource) throw usage('trustAnchors are needed to check the server certificate (or verify: \'insecure\')');
  if ((options.certificateChain?.length ?? 0) > 0 !== (options.privateKey !== undefined)) throw usage('a client certificate needs both certificateChain and privateKey');
  return context;
}

/**
 * The ClientHello as sent (RFC 8446 §4.1.2), and what it offered: a key share, a TLS 1.3 ticket, a
 * TLS 1.2 session. After a HelloRetryRequest the TLS 1.3 handshake sends it again with `retry`.
 */
export class ClientOffer {
  hello: ClientHello;
  raw: Uint8Array;
  /**
   * §4.2.8: our shares, when TLS 1.3 is offered: one for the first group, and beside a hybrid its
   * classical half's too when that group is enabled (X25519MLKEM768 and x25519, as OpenSSL 3.5
   * sends), so a server without ML-KEM needs no HelloRetryRequest. A retry sends one.
   */
  shares: KeyShare[] = [];
  /** §4.2.11: the TLS 1.3 ticket offered in pre_shared_key, and its Early Secret, made for the binder. */
  psk: { session: TlsSession13; suite: CipherSuite; early: EarlySecret } | undefined;
  /** RFC 5246 §7.4.1.2, RFC 5077 §3.4: the TLS 1.2 session offered for resumption. */
  readonly session12: TlsSession12 | undefined;
  /** How the offered session's server chain validated when it was offered. */
  readonly sessionValidation: ValidationResult | undefined;
  private readonly random: (n: number) => Uint8Array;
  private cookie: Uint8Array | undefined;

  constructor(
    private readonly ch: HandshakeChannel,
    private readonly options: TlsClientOptions,
    private readonly context: ClientContext,
    private readonly transcript: Transcript,
  ) {
    this.random = options.random ?? ((n) => handshakeRandom(ch.provider, n));
    const o = options;
    const now = (o.now?.() ?? new Date()).getTime();
    let session12: TlsSession12 | undefined;
    let validation: ValidationResult | undefined;
    const ticket = this.offers13 ? this.pickTicket(now) : undefined;
    const ticketValidation = ticket ? this.recheck(ticket.session) : null;
    if (ticket && ticketValidation !== null) {
      validation = ticketValidation;
      this.psk = { ...ticket, early: new KeySchedule(ch.provider, ticket.suite).earlySecret(ticket.session.psk) };
    }
    if (this.offers12 && o.session && sessionUsable(o.session, o.serverName, now)) {
      const v = this.recheck(o.session);
      if (v !== null) {
        validation = v;
        if (o.session.version === 'TLSv1.2') session12 = o.session;
      }
    }
    this.session12 = session12;
    this.sessionValidation = validation;
    ({ hello: this.hello, raw: this.raw } = this.send(firstShareGroups(context.groups), undefined));
  }

  get offers13(): boolean {
    return this.context.versions.includes('TLSv1.3');
  }

  get offers12(): boolean {
    return this.context.versions.includes('TLSv1.2');
  }

  /**
   * §4.1.4: the ClientHello again, with a share for `group` and the server's cookie; a PSK whose hash
   * differs from the suite the HelloRetryRequest chose is dropped.
   */
  retry(groups: readonly Group[], cookie: Uint8Array | undefined, suite: CipherSuite): void {
    this.cookie = cookie;
    if (this.psk && this.psk.suite.hash !== suite.hash) this.psk = undefined;
    ({ hello: this.hello, raw: this.raw } = this.send(groups, this.hello));
  }

  /**
   * A session is offered only while the server's chain it was made with still validates against
   * today's trust anchors and clock (as Go's client checks before resuming); null when it does not.
   */
  private recheck(session: TlsSession): ValidationResult | undefined | null {
    if (!this.context.verify) return undefined;
    const o = this.options;
    const at = o.now?.() ?? new Date();
    try {
      return (
        recallValidation(session, anchorsFor(o, session.peerCertificates), checkedName(o), at) ??
        checkPeerChain(this.ch.provider, [...session.peerCertificates], { trustAnchors: anchorsFor(o, session.peerCertificates), purpose: 'server', host: checkedName(o), at })
      );
    } catch {
      return null;
    }
  }

  /** §4.2.11: the ticket to offer, when it is still good, for this name, and its suite's hash is one we offer. */
  private pickTicket(now: number): { session: TlsSession13; suite: CipherSuite } | undefined {
    const s = this.options.session;
    if (!s || !session13Usable(s, this.options.serverName, now)) return undefined;
    const suite = this.context.suites.find((x) => x.name === s.cipherSuite) ?? CIPHER_SUITES.find((x) => x.name === s.cipherSuite);
    if (!suite || !this.context.suites.some((x) => x.hash === suite.hash)) return undefined;
    return { session: s, suite };
  }

  /**
   * §4.1.2: encodes, traces, sends and flushes the ClientHello, and adds it to the transcript.
   * With TLS 1.2 enabled it also carries what RFC 5246 needs: the 1.2 suites, extended_master_secret
   * (RFC 7627), an empty renegotiation_info (RFC 5746 §3.4) and ec_point_formats (RFC 8422 §5.1.2).
   */
  private send(shareGroups: readonly Group[], previous: ClientHello | undefined): { hello: ClientHello; raw: Uint8Array } {
    const o = this.options;
    const c = this.context;
    const extensions: Extension[] = [];
    // RFC 6066 §3: literal IP addresses are not sent as host names.
    if (o.serverName && !isIP(o.serverName)) extensions.push(ext(ExtensionType.server_name, serverNameExt.encode(o.serverName)));
    // §4.2.1: a client offering only TLS 1.2 sends no supported_versions; legacy_version says it all.
    if (this.offers13) extensions.push(ext(ExtensionType.supported_versions, supportedVersionsExt.client.encode(this.offers12 ? [TLS13, TLS12] : [TLS13])));
    extensions.push(ext(ExtensionType.supported_groups, supportedGroupsExt.encode(c.groups.map((g) => g.id))));
    const offeredSchemes = this.offers13 ? [...c.schemes] : [];
    if (this.offers12) for (const s of c.schemes12) if (!offeredSchemes.includes(s)) offeredSchemes.push(s);
    extensions.push(ext(ExtensionType.signature_algorithms, signatureAlgorithmsExt.encode(offeredSchemes.map((s) => s.id))));
    if (this.offers13) {
      this.shares = shareGroups.map((g) => this.ch.provider.generateKeyShare(g.provider));
      // §4.2.3: certificates may be signed with RSA PKCS #1 v1.5 even though handshakes may not.
      const certSchemes = [...c.schemes.map((s) => s.id), ...CERTIFICATE_ONLY_SCHEMES.map((s) => s.id)];
      extensions.push(ext(ExtensionType.signature_algorithms_cert, signatureAlgorithmsCertExt.encode([...new Set(certSchemes)])));
      extensions.push(ext(ExtensionType.key_share, keyShareExt.client.encode(this.shares.map((share, i) => ({ group: shareGroups[i].id, key_exchange: share.publicKey })))));
    }
    if (o.alpnProtocols?.length) extensions.push(ext(ExtensionType.application_layer_protocol_negotiation, alpnExt.encode(o.alpnProtocols)));
    // RFC 8446 §4.4.2.1: a TLS 1.3 server answers both in the leaf's CertificateEntry; a TLS 1.2 one would send a CertificateStatus message.
    if (o.requestCertificateStatus && this.offers13 && !this.offers12) {
      extensions.push(ext(ExtensionType.status_request, OCSP_STATUS_REQUEST));
      extensions.push(ext(ExtensionType.signed_certificate_timestamp, new Uint8Array(0)));
    }
    if (this.cookie) extensions.push(ext(ExtensionType.cookie, cookieExt.encode(this.cookie)));
    // §4.2.9: one mode, psk_dhe_ke unless psk_ke is asked for; without this extension a server sends no tickets (§4.6.1).
    if (this.offers13) extensions.push(ext(ExtensionType.psk_key_exchange_modes, pskModesExt.encode([o.pskKeyExchange === 'psk_ke' ? PSK_KE : PSK_DHE_KE])));
    if (this.offers12) {
      // RFC 5077 §3.2: empty asks for a ticket; a ticket offers to resume.
      extensions.push(ext(ExtensionType.session_ticket, this.session12?.ticket ?? new Uint8Array(0)));
      extensions.push(ext(ExtensionType.ec_point_formats, ecPointFormatsExt.encode([0])));
      extensions.push(ext(ExtensionType.extended_master_secret, new Uint8Array(0)));
      extensions.push(ext(ExtensionType.renegotiation_info, renegotiationInfoExt.encode(new Uint8Array(0))));
      // RFC 7366 §2: encrypt-then-MAC is asked for whenever a CBC suite is offered.
      if (c.suites12.some((s) => s.cbc)) extensions.push(ext(ExtensionType.encrypt_then_mac, new Uint8Array(0)));
    }
    const psk = this.psk;
    if (psk) {
      // §4.2.11: pre_shared_key is the last extension; the binder is a placeholder until it is filled in below.
      const age = ((o.now?.() ?? new Date()).getTime() - psk.session.createdAt + psk.session.ticketAgeAdd) >>> 0;
      const binder = new Uint8Array(psk.suite.hashLength);
      extensions.push(ext(ExtensionType.pre_shared_key, preSharedKeyExt.client.encode({ identities: [{ identity: psk.session.ticket, obfuscated_ticket_age: age }], binders: [binder] })));
    }
    // §4.1.2: a retry keeps the first ClientHello's random and session id.
    const hello: ClientHello = {
      legacy_version: TLS12,
      random: previous?.random ?? this.random(32),
      // §D.4: a non-empty legacy_session_id puts the handshake in middlebox compatibility mode;
      // RFC 5246 §7.4.1.2: a TLS 1.2 session to resume is offered by its id (RFC 5077 §3.4: or a fresh one with its ticket).
      legacy_session_id: previous?.legacy_session_id ?? (this.session12?.sessionId.length ? this.session12.sessionId : this.random(32)),
      cipher_suites: [...c.suites.map((s) => s.id), ...c.suites12.map((s) => s.id)],
      legacy_compression_methods: Uint8Array.of(0),
      extensions,
    };
    const raw = ClientHelloCodec.encode(hello);
    if (psk) this.fillBinder(raw, psk.suite, psk.early);
    if (this.ch.tracing) this.ch.trace('sent', ClientHelloCodec, hello);
    this.ch.sendHandshake(raw);
    this.transcript.add(raw);
    this.ch.flush();
    return { hello, raw };
  }

  /**
   * §4.2.11.2: the binder is an HMAC over the transcript up to this ClientHello without its binders,
   * keyed from the ticket's PSK; it is filled into the encoded message's last bytes.
   */
  private fillBinder(raw: Uint8Array, suite: CipherSuite, early: EarlySecret): void {
    const ks = new KeySchedule(this.ch.provider, suite);
    const length = suite.hashLength;
    const truncated = raw.subarray(0, raw.length - (2 + 1 + length));
    const binder = ks.finishedMac(ks.resumptionBinderKey(early), this.transcript.hashWith(ks, truncated));
    raw.set(binder, raw.length - length);
  }
}

/**
 * The groups the first ClientHello sends shares for: the first enabled group, and when that is a
 * hybrid, its classical half as well if that is enabled too.
 */
function firstShareGroups(groups: readonly Group[]): Group[] {
  const first = groups[0];
  if (first.kind !== 'hybrid' || !isHybridGroup(first.provider)) return [first];
  const classical = classicalHalf(first.provider);
  const beside = groups.find((g) => g.provider === classical);
  return beside ? [first, beside] : [first];
}

/**
 * §4.1.3: a ServerHello without supported_versions negotiated TLS 1.2 (or older, refused with
 * protocol_version, RFC 5246 §E.1); everything else is the TLS 1.3 handshake's to check.
 */
function serverChoseTls12(sh: ServerHello, offer: ClientOffer): boolean {
  if (findExtension(sh.extensions, ExtensionType.supported_versions) || !offer.offers12 || isHelloRetryRequest(sh)) return false;
  if (sh.legacy_version !== TLS12) throw fatal('protocol_version', `the server chose version 0x${sh.legacy_version.toString(16)}; kyman speaks TLS 1.2 and 1.3`);
  return true;
}

/** The client side of one connection: the ClientHello, the server's first answer, then the chosen version's handshake. */
export function clientHandshake(options: TlsClientOptions, context: ClientContext): Handshake {
  return async (ch) => {
    const started = performance.now();
    const transcript = new Transcript();
    const offer = new ClientOffer(ch, options, context, transcript);
    // §D.4: a server in compatibility mode sends one change_cipher_spec after its first message, HelloRetryRequest or ServerHello.
    ch.allowChangeCipherSpec(true);
    const { message: serverHello, raw: serverHelloRaw } = await readMessage(ch, ServerHelloCodec);
    if (!serverChoseTls12(serverHello, offer)) {
      return new ClientHandshake13(ch, options, context, { offer, transcript, serverHello, serverHelloRaw, started }).run();
    }
    // RFC 8446 §4.1.3: the server chose TLS 1.2; RFC 5246 §7.2: its alerts, where a warning does not end the connection.
    ch.allowChangeCipherSpec(false);
    ch.useTls12Alerts();
    return new ClientHandshake12(ch, options, {
      hello: offer.hello,
      transcript,
      serverHello,
      serverHelloRaw,
      offered13: offer.offers13,
      suites: context.suites12,
      groups: context.groups,
      schemes: context.schemes12,
      started,
      ...(offer.session12 ? { session: offer.session12 } : {}),
      ...(offer.sessionValidation ? { sessionValidation: offer.sessionValidation } : {}),
    }).run();
  };
}
