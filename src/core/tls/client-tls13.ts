// The TLS 1.3 client handshake (RFC 8446 §2, §4) from the server's first answer on, one method per step, read top to bottom as the RFC's message flow.

import type { KeyShare } from '../crypto/provider.js';
import { summarizeCertificate } from '../pki/certificate/index.js';
import type { ValidationResult } from '../pki/validate.js';
import { equalBytes, ownCopies } from '../bytes.js';
import { fatal } from './alerts.js';
import type { ClientContext, ClientOffer } from './client.js';
import { summarize, type Established, type HandshakeChannel, type HandshakeMessage } from './handshake.js';
import type { TlsClientOptions } from './options.js';
import { anchorsFor, checkedName } from './server-chain-check.js';
import {
  ApplicationKeys,
  NSS,
  applicationTrafficSecrets,
  certificatesOf,
  checkPeerChain,
  handshakeTrafficSecrets,
  makeCertificateVerify,
  protectionFor,
  readCertificateVerify,
  readFinished,
  readMessage,
  sendCertificate,
  sendFinished,
  type ApplicationTrafficSecrets,
  type HandshakeTrafficSecrets,
} from './handshake-tls13.js';
import { hasDowngradeSentinel } from './handshake-tls12.js';
import { KeySchedule, type ResumptionMasterSecret, type Transcript } from './key-schedule.js';
import {
  CertificateCodec,
  CertificateRequestCodec,
  EncryptedExtensionsCodec,
  ExtensionType,
  HandshakeType,
  NewSessionTicketCodec,
  ServerHelloCodec,
  TLS12,
  TLS13,
  alpnExt,
  certificateStatusExt,
  cookieExt,
  extensionName,
  findExtension,
  isHelloRetryRequest,
  keyShareExt,
  preSharedKeyExt,
  signatureAlgorithmsExt,
  supportedVersionsExt,
  type NewSessionTicket,
  type ServerHello,
} from './msgs/index.js';
import { SESSION_LIFETIME_SECONDS, rememberValidation, type TlsSession13 } from './session-cache.js';
import { groupById, pickSignatureScheme, suiteById, type CipherSuite, type Group, type SignatureSchemeInfo } from './suites.js';

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

/** What the client's TLS 1.3 handshake is handed by the client entry: the ClientHello sent, and the server's first answer. */
export interface ClientFirstFlight {
  readonly offer: ClientOffer;
  /** The transcript, holding the ClientHello. */
  readonly transcript: Transcript;
  /** A ServerHello or a HelloRetryRequest (§4.1.3, §4.1.4), not yet in the transcript. */
  readonly serverHello: ServerHello;
  readonly serverHelloRaw: Uint8Array;
  /** performance.now() when the handshake began. */
  readonly started: number;
}

/** The client's TLS 1.3 handshake state, as Go's clientHandshakeStateTLS13 keeps it; each later stage's secrets are passed on as values. */
export class ClientHandshake13 {
  private readonly offer: ClientOffer;
  private readonly transcript: Transcript;
  private readonly started: number;
  /** §4.1.3: the suite the server chose; a HelloRetryRequest's ServerHello keeps it (§4.1.4). */
  private readonly suite: CipherSuite;
  private readonly ks: KeySchedule;
  private resumed = false;
  private helloRetry = false;
  private ccsSent = false;
  private alpn: string | undefined;
  /** §4.3.2: the server's CertificateRequest: its context, and the signature_algorithms it accepts. */
  private certificateRequest: { context: Uint8Array; accepted: number[] } | undefined;
  private peerCertificates: Uint8Array[] = [];
  private validation: ValidationResult | undefined;
  private leafStatus: { ocspResponse?: Uint8Array; sctList?: Uint8Array } | undefined;
  private serverScheme: SignatureSchemeInfo | undefined;
  private clientCertificateSent = false;

  constructor(
    private readonly ch: HandshakeChannel,
    private readonly options: TlsClientOptions,
    private readonly context: ClientContext,
    private readonly first: ClientFirstFlight,
  ) {
    this.offer = first.offer;
    this.transcript = first.transcript;
    this.started = first.started;
    this.suite = this.checkServerHello(first.serverHello, isHelloRetryRequest(first.serverHello));
    this.ks = new KeySchedule(ch.provider, this.suite);
  }

  async run(): Promise<Established> {
    let sh = this.first.serverHello;
    let raw = this.first.serverHelloRaw;
    if (isHelloRetryRequest(sh)) {
      this.processHelloRetryRequest(sh, raw);
      ({ message: sh, raw } = await readMessage(this.ch, ServerHelloCodec));
      const isRetry = isHelloRetryRequest(sh);
      // §4.1.4: after a HelloRetryRequest the ServerHello keeps its suite.
      if (this.checkServerHello(sh, isRetry) !== this.suite) throw fatal('illegal_parameter', 'the ServerHello changed the cipher suite the HelloRetryRequest chose');
      // §4.1.4: a second HelloRetryRequest is an unexpected_message.
      if (isRetry) throw fatal('unexpected_message', 'the server sent a second HelloRetryRequest');
    }
    const { group, hs } = this.processServerHello(sh, raw);
    await this.readEncryptedExtensions();
    const psk = this.offer.psk;
    if (this.resumed && psk) {
      // §2.2: a resumed handshake has no Certificate or CertificateVerify; the ticket vouches for the
      // server, and a CertificateRequest is not allowed with a PSK (§4.3.2), so Finished comes next.
      this.peerCertificates = [...psk.session.peerCertificates];
      this.validation = this.offer.sessionValidation;
    } else {
      let next = await this.ch.readHandshake();
      if (next.type === HandshakeType.certificate_request) {
        this.processCertificateRequest(next);
        next = await this.ch.readHandshake();
      }
      const leafSpki = this.processServerCertificate(next);
      this.serverScheme = await readCertificateVerify(this.ch, this.transcript, this.ks, leafSpki, this.context.schemes, 'server');
    }
    await readFinished(this.ch, this.transcript, this.ks, hs.server, 'server');
    const app = this.deriveApplicationSecrets(hs);
    this.sendCompatibilityChangeCipherSpec();
    if (this.certificateRequest) await this.sendClientCertificate(this.certificateRequest);
    sendFinished(this.ch, this.transcript, this.ks, hs.client);
    this.ch.flush();
    // §7.1: resumption_master_secret over the transcript through the client Finished, for the tickets that follow.
    const resumptionSecret = this.ks.resumptionMasterSecret(app.master, this.transcript.hash(this.ks));
    this.ch.setWriteProtection(protectionFor(this.ks, app.client));
    const appKeys = new ApplicationKeys(this.ch, this.ks, app.client, app.server);
    return {
      summary: summarize({
        version: 'TLSv1.3',
        suite: this.suite,
        // §4.2.9 psk_ke: no key exchange took place.
        group: group ?? { name: 'none' },
        peerScheme: this.serverScheme,
        alpn: this.alpn,
        serverName: this.options.serverName,
        resumed: this.resumed,
        helloRetry: this.helloRetry,
        peerCertificates: this.peerCertificates,
        validation: this.validation,
        leafStatus: this.leafStatus,
        clientCertificateSent: this.clientCertificateSent,
        started: this.started,
      }),
      // §4.6: after the handshake a server may send tickets and key updates; nothing else.
      postHandshake: (m) => {
        switch (m.type) {
          case HandshakeType.new_session_ticket: {
            const ticket = NewSessionTicketCodec.decode(m.body);
            if (this.ch.tracing) this.ch.trace('received', NewSessionTicketCodec, ticket);
            this.processNewSessionTicket(ticket, resumptionSecret);
            return;
          }
          case HandshakeType.key_update:
            appKeys.onKeyUpdate(m);
            return;
          default:
            throw fatal('unexpected_message', `the server sent handshake type ${m.type} after the handshake`);
        }
      },
      keyUpdate: (requestPeer) => appKeys.send(requestPeer ? 1 : 0),
    };
  }

  /** Our key shares: checkServerHello has made sure TLS 1.3 was offered, and with it at least one share. */
  private get shares(): KeyShare[] {
    const shares = this.offer.shares;
    if (!shares.length) throw fatal('internal_error', 'TLS 1.3 was chosen, but no key share was offered');
    return shares;
  }

  /**
   * §4.1.3: the ServerHello (or HelloRetryRequest), checked for everything that must agree with what
   * we sent; returns the suite it chose. The client entry has sent a TLS 1.2 answer elsewhere.
   */
  private checkServerHello(message: ServerHello, isRetry: boolean): CipherSuite {
    const versions = findExtension(message.extensions, ExtensionType.supported_versions);
    if (!versions && this.helloRetry) throw fatal('illegal_parameter', 'the ServerHello after a HelloRetryRequest does not select TLS 1.3');
    if (!versions) {
      // §4.1.3, §D: a server without supported_versions negotiated TLS 1.2 or older, which this client does not speak.
      const hint = hasDowngradeSentinel(message.random) ? ' (its random carries the downgrade sentinel)' : '';
      throw fatal('protocol_version', `the server chose ${message.legacy_version === TLS12 ? 'TLS 1.2' : `version 0x${message.legacy_version.toString(16)}`}, but only TLS 1.3 is enabled${hint}`);
    }
    if (!this.offer.offers13) throw fatal('illegal_parameter', 'the server selected TLS 1.3, which was not offered');
    const version = supportedVersionsExt.server.decode(versions);
    if (version !== TLS13) throw fatal('illegal_parameter', `the server selected version 0x${version.toString(16)}, which was not offered`);
    if (message.legacy_version !== TLS12) throw fatal('illegal_parameter', `ServerHello legacy_version is 0x${message.legacy_version.toString(16)}, not 0x0303`);
    if (!equalBytes(message.legacy_session_id_echo, this.offer.hello.legacy_session_id)) {
      throw fatal('illegal_parameter', 'the server did not echo our legacy_session_id');
    }
    if (message.legacy_compression_method !== 0) throw fatal('illegal_parameter', 'the server chose a compression method');
    const suite = suiteById(message.cipher_suite);
    if (!suite || !this.context.suites.includes(suite)) throw fatal('illegal_parameter', `the server chose cipher suite 0x${message.cipher_suite.toString(16)}, which was not offered`);
    const allowed = isRetry ? HELLO_RETRY_EXTENSIONS : SERVER_HELLO_EXTENSIONS;
    for (const e of message.extensions) {
      if (!allowed.has(e.extension_type)) throw fatal('unsupported_extension', `the server sent ${extensionName(e.extension_type)} in its ${isRetry ? 'HelloRetryRequest' : 'ServerHello'}`);
    }
    return suite;
  }

  /** §4.1.4: the server asked for another share (or sent a cookie); ClientHello1 becomes a message_hash in the transcript. */
  private processHelloRetryRequest(hrr: ServerHello, raw: Uint8Array): void {
    this.helloRetry = true;
    this.transcript.replaceWithMessageHash(this.ks);
    this.transcript.add(raw);
    const shareData = findExtension(hrr.extensions, ExtensionType.key_share);
    const cookieData = findExtension(hrr.extensions, ExtensionType.cookie);
    const shares = this.shares;
    // §4.1.2: without a key_share in the HelloRetryRequest the shares are sent again, for the same groups.
    let groups = this.context.groups.filter((g) => shares.some((s) => s.group === g.provider));
    if (shareData) {
      const selected = keyShareExt.retry.decode(shareData);
      const g = this.context.groups.find((x) => x.id === selected);
      // §4.2.8: the selected group must be one we offered, and not one we already sent a share for.
      if (!g) throw fatal('illegal_parameter', `the HelloRetryRequest asks for group 0x${selected.toString(16)}, which was not offered`);
      if (shares.some((s) => s.group === g.provider)) throw fatal('illegal_parameter', `the HelloRetryRequest asks for ${g.name}, for which a share was already sent`);
      groups = [g];
    }
    const cookie = cookieData ? cookieExt.decode(cookieData) : undefined;
    // §4.1.4: a HelloRetryRequest that would change nothing in the ClientHello is illegal.
    if (!shareData && !cookieData) throw fatal('illegal_parameter', 'the HelloRetryRequest asks for no change');
    // The shares sent were for our groups, so `groups` is not empty whenever the HelloRetryRequest names none.
    if (!groups.length) throw fatal('internal_error', 'the key shares sent are for no enabled group');
    this.sendCompatibilityChangeCipherSpec();
    this.offer.retry(groups, cookie, this.suite);
  }

  /** §D.4: one change_cipher_spec before our second flight, in compatibility mode. */
  private sendCompatibilityChangeCipherSpec(): void {
    if (this.ccsSent) return;
    this.ccsSent = true;
    this.ch.sendChangeCipherSpec();
  }

  /**
   * §4.1.3, §7.1: the server's share gives the handshake secret; from here on the server's records are
   * protected. §4.2.9: a server that takes a psk_ke offer sends no share, and the (EC)DHE input is zeros.
   */
  private processServerHello(sh: ServerHello, raw: Uint8Array): { group: Group | undefined; hs: HandshakeTrafficSecrets } {
    const shareData = findExtension(sh.extensions, ExtensionType.key_share);
    const pskData = findExtension(sh.extensions, ExtensionType.pre_shared_key);
    const psk = this.offer.psk;
    if (pskData) {
      // §4.2.11: the server selects one of the identities we offered, for a suite of the PSK's hash.
      if (!psk) throw fatal('illegal_parameter', 'the server selected a pre_shared_key that was not offered');
      if (preSharedKeyExt.server.decode(pskData) !== 0) throw fatal('illegal_parameter', 'the server selected a PSK identity that was not offered');
      if (psk.suite.hash !== this.suite.hash) throw fatal('illegal_parameter', "the server chose a cipher suite whose hash is not the PSK's");
      this.resumed = true;
    }
    let group: Group | undefined;
    let shared: Uint8Array;
    if (!shareData) {
      // §4.2.9: only psk_ke goes without a key share, and only when it is the mode we offered.
      if (!this.resumed || this.options.pskKeyExchange !== 'psk_ke') throw fatal('missing_extension', 'the ServerHello has no key_share');
      shared = new Uint8Array(this.suite.hashLength);
    } else {
      // §4.2.9: "Servers MUST NOT select a key exchange mode that is not listed by the client".
      if (this.resumed && this.options.pskKeyExchange === 'psk_ke') throw fatal('illegal_parameter', 'the server resumed with psk_dhe_ke, but only psk_ke was offered');
      const serverShare = keyShareExt.server.decode(shareData);
      const chosen = groupById(serverShare.group);
      const share = chosen && this.shares.find((s) => s.group === chosen.provider);
      if (!chosen || !share) throw fatal('illegal_parameter', `the server's key share is for a group it was not offered a share for`);
      try {
        shared = share.deriveSecret(serverShare.key_exchange);
      } catch (e) {
        throw fatal('illegal_parameter', `the server's ${chosen.name} key share is not a valid public key`, e);
      }
      group = chosen;
    }
    this.transcript.add(raw);
    const th = this.transcript.hash(this.ks);
    // §4.2.11: the PSK's hash is the suite's (checked above), so the binder's Early Secret is this one.
    const early = this.resumed && psk ? psk.early : this.ks.earlySecret();
    const hs = handshakeTrafficSecrets(this.ks, this.ks.handshakeSecret(early, shared), th);
    this.ch.keyLog(NSS.clientHandshake, this.offer.hello.random, hs.client);
    this.ch.keyLog(NSS.serverHandshake, this.offer.hello.random, hs.server);
    this.ch.setReadProtection(protectionFor(this.ks, hs.server));
    this.ch.setWriteProtection(protectionFor(this.ks, hs.client));
    return { group, hs };
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
    const algorithms = findExtension(message.extensions, ExtensionType.signature_algorithms);
    if (!algorithms) throw fatal('missing_extension', 'the CertificateRequest has no signature_algorithms');
    // §4.3.2: in the main handshake the context is empty.
    if (message.certificate_request_context.length !== 0) throw fatal('illegal_parameter', 'the CertificateRequest has a context in the main handshake');
    this.certificateRequest = { context: message.certificate_request_context, accepted: signatureAlgorithmsExt.decode(algorithms) };
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
    this.leafStatus = this.readEntryExtensions(message.certificate_list);
    if ((this.options.verify ?? true) === true) {
      this.validation = checkPeerChain(this.ch.provider, this.peerCertificates, {
        trustAnchors: anchorsFor(this.options, this.peerCertificates),
        purpose: 'server',
        host: checkedName(this.options),
        at: this.options.now?.() ?? new Date(),
      });
    }
    this.transcript.add(m.raw);
    return this.validation?.chain[0]?.publicKey.spki ?? leafSpki(this.peerCertificates[0]);
  }

  /**
   * §4.4.2: a CertificateEntry's extensions must answer ones the ClientHello sent (status_request and
   * signed_certificate_timestamp are the only ones kyman sends that a server answers there); the
   * leaf's carry its stapled OCSP response and its SCT list (§4.4.2.1, RFC 6962 §3.3).
   */
  private readEntryExtensions(entries: readonly { extensions: readonly { extension_type: number; extension_data: Uint8Array }[] }[]) {
    const offered = new Set(this.offer.hello.extensions.map((e) => e.extension_type));
    for (const entry of entries) {
      for (const e of entry.extensions) {
        const answerable = e.extension_type === ExtensionType.status_request || e.extension_type === ExtensionType.signed_certificate_timestamp;
        if (!answerable || !offered.has(e.extension_type)) throw fatal('unsupported_extension', `the server's Certificate has ${extensionName(e.extension_type)}, which the ClientHello did not ask for there`);
      }
    }
    const leaf = entries[0].extensions;
    const status = findExtension(leaf, ExtensionType.status_request);
    const scts = findExtension(leaf, ExtensionType.signed_certificate_timestamp);
    if (!status && !scts) return undefined;
    return { ...(status ? { ocspResponse: certificateStatusExt.decode(status) } : {}), ...(scts ? { sctList: scts } : {}) };
  }

  /** §7.1: the master secret and the application traffic secrets, over the transcript through the server Finished. */
  private deriveApplicationSecrets(hs: HandshakeTrafficSecrets): ApplicationTrafficSecrets {
    const app = applicationTrafficSecrets(this.ks, hs.handshakeSecret, this.transcript.hash(this.ks));
    this.ch.keyLog(NSS.clientTraffic0, this.offer.hello.random, app.client);
    this.ch.keyLog(NSS.serverTraffic0, this.offer.hello.random, app.server);
    // §5.1: what follows the server Finished is under the server's application keys.
    this.ch.setReadProtection(protectionFor(this.ks, app.server));
    this.ch.allowChangeCipherSpec(false);
    return app;
  }

  /** §4.4.2, §4.4.3: our chain when we have one that fits what the server accepts; otherwise an empty Certificate. */
  private async sendClientCertificate(request: { context: Uint8Array; accepted: number[] }): Promise<void> {
    const key = this.options.privateKey;
    const scheme = key ? pickSignatureScheme(key, request.accepted, this.context.schemes) : undefined;
    if (!key || !scheme || !this.options.certificateChain?.length) {
      sendCertificate(this.ch, this.transcript, request.context, []);
      return;
    }
    sendCertificate(this.ch, this.transcript, request.context, this.options.certificateChain);
    await makeCertificateVerify(this.ch, this.transcript, this.ks, key, scheme, 'client');
    this.clientCertificateSent = true;
  }

  /** §4.6.1: each ticket becomes a session to resume with; the PSK is derived now from its nonce. */
  private processNewSessionTicket(t: NewSessionTicket, resumptionSecret: ResumptionMasterSecret): void {
    // §4.6.1: servers MUST NOT use a lifetime above seven days.
    if (t.ticket_lifetime > MAX_TICKET_LIFETIME_SECONDS) throw fatal('illegal_parameter', `the server sent a ticket_lifetime of ${t.ticket_lifetime} s, more than seven days`);
    // §4.6.1: a lifetime of zero says the ticket must be discarded at once.
    if (t.ticket_lifetime === 0) return;
    const session: TlsSession13 = {
      version: 'TLSv1.3',
      cipherSuite: this.suite.name,
      ...(this.options.serverName !== undefined ? { serverName: this.options.serverName } : {}),
      ticket: Uint8Array.from(t.ticket),
      ticketAgeAdd: t.ticket_age_add,
      psk: this.ks.resumptionPsk(resumptionSecret, t.ticket_nonce),
      createdAt: (this.options.now?.() ?? new Date()).getTime(),
      lifetimeSeconds: Math.min(t.ticket_lifetime, SESSION_LIFETIME_SECONDS),
      peerCertificates: ownCopies(this.peerCertificates),
    };
    rememberValidation(session, this.validation, anchorsFor(this.options, this.peerCertificates), checkedName(this.options));
    this.ch.newSession(session);
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
