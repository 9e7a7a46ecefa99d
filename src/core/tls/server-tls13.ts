// The TLS 1.3 server handshake (RFC 8446 §2, §4) from the first ClientHello on, one method per step; the server's flight is buffered and written once.

import { answerKeyShare, type KeyShareAnswer } from '../crypto/key-agreement.js';
import type { ValidationResult } from '../pki/validate.js';
import { equalBytes } from '../bytes.js';
import { KymanError } from '../errors.js';
import { fatal } from './alerts.js';
import { summarize, type Established, type HandshakeChannel } from './handshake.js';
import type { ClientAuthMode, TlsServerOptions } from './options.js';
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
  sendMessage,
  type ApplicationTrafficSecrets,
  type HandshakeTrafficSecrets,
} from './handshake-tls13.js';
import { KeySchedule, type EarlySecret, type MasterSecret, type Transcript } from './key-schedule.js';
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
  TLS12,
  TLS13,
  alpnExt,
  ext,
  findExtension,
  cookieExt,
  keyShareExt,
  preSharedKeyExt,
  PSK_DHE_KE,
  PSK_KE,
  pskModesExt,
  signatureAlgorithmsCertExt,
  signatureAlgorithmsExt,
  supportedGroupsExt,
  supportedVersionsExt,
  type ClientHello,
  type Extension,
  type KeyShareEntry,
} from './msgs/index.js';
import { handshakeRandom } from './random-pool.js';
import type { ServerContext } from './server.js';
import { chooseApplicationProtocol, requestedServerName } from './server-negotiation.js';
import { SESSION_LIFETIME_SECONDS, type ServerTicketState13 } from './session-cache.js';
import { CERTIFICATE_ONLY_SCHEMES, pickSignatureScheme, type CipherSuite, type Group, type SignatureSchemeInfo } from './suites.js';

/** §4.2.11: identities looked at per ClientHello; a cheap ClientHello must not cause unbounded ticket decryption (Go's maxClientPSKIdentities). */
export const MAX_CLIENT_PSK_IDENTITIES = 5;
/**
 * §4.2.10: kyman never accepts early data; a client that sent some anyway has this many bytes of it
 * skipped (four full records), as OpenSSL and BoringSSL bound theirs; more ends the connection.
 */
export const MAX_EARLY_DATA_SKIPPED = 4 * (16_384 + 256);
/** §4.6.1: tickets sent after each full or resumed handshake; one is enough for a client that resumes once per connection. */
const TICKETS_PER_HANDSHAKE = 1;
/** §4.2.2: the cookie a forced HelloRetryRequest carries; random, and checked against this connection's own. */
const COOKIE_LENGTH = 32;

/** What the server's TLS 1.3 handshake is handed by the server entry: the first ClientHello, read once. */
export interface ServerFirstFlight {
  readonly clientHello: ClientHello;
  readonly clientHelloRaw: Uint8Array;
  /** The transcript, holding the ClientHello. */
  readonly transcript: Transcript;
  /** performance.now() when the handshake began. */
  readonly started: number;
}

/** §4.1.1: what the server chose from the ClientHello; a HelloRetryRequest keeps it all (§4.1.4). */
interface Choice13 {
  readonly suite: CipherSuite;
  readonly ks: KeySchedule;
  /** Undefined when the ClientHello has no supported_groups: allowed only with a PSK (§9.2), checked once resumption is decided. */
  readonly group: Group | undefined;
  /** Undefined when the ClientHello has no signature_algorithms: the same. */
  readonly scheme: SignatureSchemeInfo | undefined;
  readonly serverName: string | undefined;
  readonly alpn: string | undefined;
}

/** The server's TLS 1.3 handshake state, as Go's serverHandshakeStateTLS13 keeps it; each later stage's secrets are passed on as values. */
export class ServerHandshake13 {
  private readonly clientAuth: ClientAuthMode;
  private readonly random: (n: number) => Uint8Array;
  private readonly transcript: Transcript;
  private readonly started: number;
  /** Replaced only by a forced HelloRetryRequest, which may move the key exchange to another group. */
  private choice: Choice13;
  private clientHello: ClientHello;
  private clientHelloRaw: Uint8Array;
  /** The client's share for the chosen group in its first ClientHello; none asks for a HelloRetryRequest. */
  private firstShare: KeyShareEntry | undefined;
  private helloRetry = false;
  /** §4.2.2: the cookie a forced HelloRetryRequest sent, to be echoed. */
  private cookie: Uint8Array | undefined;
  /** Whether the HelloRetryRequest left the client's share as it was (a forced retry). */
  private retryKeepsShare = false;
  private ccsSent = false;
  private peerCertificates: Uint8Array[] = [];
  private validation: ValidationResult | undefined;
  private clientScheme: SignatureSchemeInfo | undefined;
  /**
   * The ticket the client resumes with, and its index among the offered identities (§4.2.11);
   * `keOnly` for psk_ke (§4.2.9: the PSK alone, no (EC)DHE), only when allowPskKe says so.
   */
  private psk: { state: ServerTicketState13; index: number; early: EarlySecret; keOnly: boolean } | undefined;

  constructor(
    private readonly ch: HandshakeChannel,
    private readonly options: TlsServerOptions,
    private readonly context: ServerContext,
    first: ServerFirstFlight,
  ) {
    this.clientAuth = options.clientAuth ?? 'none';
    this.random = options.random ?? ((n) => handshakeRandom(ch.provider, n));
    this.clientHello = first.clientHello;
    this.clientHelloRaw = first.clientHelloRaw;
    this.transcript = first.transcript;
    this.started = first.started;
    this.choice = this.processClientHello();
  }

  async run(): Promise<Established> {
    // §D.4: a client in compatibility mode sends one change_cipher_spec before its second flight.
    this.ch.allowChangeCipherSpec(true);
    this.checkForResumption();
    let share = this.firstShare;
    // §4.2.10: early data is never accepted (no early_data in EncryptedExtensions); what the client sent is skipped.
    const earlyData = findExtension(this.clientHello.extensions, ExtensionType.early_data) !== undefined;
    const forced = this.options.requireHelloRetry === true;
    if ((!share && !this.psk?.keOnly) || forced) {
      // A forced retry asks for a share of another group the client supports, so it exercises the
      // client's whole retry path; a client that supports one group only is asked for the cookie alone.
      const other = share && forced ? this.unsharedGroup() : undefined;
      if (other) this.choice = { ...this.choice, group: other };
      this.sendHelloRetryRequest(this.requireGroup(), share !== undefined && !other, forced ? this.random(COOKIE_LENGTH) : undefined);
      // §4.2.10: after a HelloRetryRequest every application_data record before the second ClientHello is early data.
      if (earlyData) this.ch.skipEarlyData(MAX_EARLY_DATA_SKIPPED);
      share = await this.readSecondClientHello();
      this.ch.skipEarlyData(0);
      // §4.1.2: the second ClientHello MUST NOT offer early data.
      if (findExtension(this.clientHello.extensions, ExtensionType.early_data) !== undefined) throw fatal('illegal_parameter', 'the second ClientHello offers early data');
      // §4.1.4, §4.2.11.2: the second ClientHello carries its own binders, over the new transcript.
      this.checkForResumption();
    }
    const hs = this.sendServerHello(this.psk?.keOnly ? undefined : share);
    // §4.2.10: without a HelloRetryRequest, early data is what does not decrypt under the handshake keys.
    if (earlyData && !this.helloRetry) this.ch.skipEarlyData(MAX_EARLY_DATA_SKIPPED);
    this.sendEncryptedExtensions();
    const { ks } = this.choice;
    if (this.psk) {
      // §2.2: the ticket authenticates the server; no Certificate, no CertificateVerify, and (§4.3.2) no CertificateRequest.
      this.peerCertificates = [...this.psk.state.peerCertificates];
    } else {
      // §9.2: without a PSK, signature_algorithms is mandatory.
      const scheme = this.choice.scheme;
      if (!scheme) throw fatal('missing_extension', 'the ClientHello has no signature_algorithms');
      if (this.clientAuth !== 'none') this.sendCertificateRequest();
      sendCertificate(this.ch, this.transcript, new Uint8Array(0), this.options.certificateChain, this.context.certificate13);
      await makeCertificateVerify(this.ch, this.transcript, ks, this.options.privateKey, scheme, 'server');
    }
    sendFinished(this.ch, this.transcript, ks, hs.server);
    const app = this.deriveApplicationSecrets(hs);
    this.ch.flush();
    if (this.clientAuth !== 'none' && !this.psk) await this.readClientCertificate();
    await readFinished(this.ch, this.transcript, ks, hs.client, 'client');
    this.ch.setReadProtection(protectionFor(ks, app.client));
    this.ch.allowChangeCipherSpec(false);
    const appKeys = new ApplicationKeys(this.ch, ks, app.server, app.client);
    // §4.6.1: tickets go "after the server has received the client Finished", not with our flight;
    // the client does not wait for them, so they go with the first application data written this tick.
    this.sendNewSessionTickets(app.master);
    this.ch.flushAtEndOfTick();
    const c = this.choice;
    return {
      summary: summarize({
        version: 'TLSv1.3',
        suite: c.suite,
        // §4.2.9 psk_ke: no key exchange took place.
        group: this.psk?.keOnly || !c.group ? { name: 'none' } : c.group,
        peerScheme: this.clientScheme,
        alpn: c.alpn,
        serverName: c.serverName,
        resumed: this.psk !== undefined,
        helloRetry: this.helloRetry,
        peerCertificates: this.peerCertificates,
        validation: this.validation,
        started: this.started,
      }),
      // §4.6: a client may only send KeyUpdate after the handshake (kyman does not offer post-handshake auth).
      postHandshake: (m) => {
        if (m.type !== HandshakeType.key_update) throw fatal('unexpected_message', `the client sent handshake type ${m.type} after the handshake`);
        appKeys.onKeyUpdate(m);
      },
      keyUpdate: (requestPeer) => appKeys.send(requestPeer ? 1 : 0),
    };
  }

  /**
   * §4.1.1: picks the suite, group, signature scheme and ALPN protocol (the server entry chose the
   * version). Keeps the client's share for the chosen group, or none when a HelloRetryRequest must ask for one.
   */
  private processClientHello(): Choice13 {
    const hello = this.clientHello;
    // §4.1.2: TLS 1.3 clients send exactly one compression method, null.
    if (hello.legacy_compression_methods.length !== 1 || hello.legacy_compression_methods[0] !== 0) {
      throw fatal('illegal_parameter', 'the ClientHello offers compression');
    }
    const suite = this.context.suites.find((s) => hello.cipher_suites.includes(s.id));
    if (!suite) throw fatal('handshake_failure', 'the client offers none of the enabled cipher suites');

    const groupsData = findExtension(hello.extensions, ExtensionType.supported_groups);
    const sharesData = findExtension(hello.extensions, ExtensionType.key_share);
    const algorithmsData = findExtension(hello.extensions, ExtensionType.signature_algorithms);
    const withPsk = findExtension(hello.extensions, ExtensionType.pre_shared_key) !== undefined;
    // §9.2: a ClientHello without a PSK must carry supported_groups, key_share and signature_algorithms;
    // with one, supported_groups and key_share come together or not at all.
    if (!withPsk && (!groupsData || !sharesData)) throw fatal('missing_extension', 'the ClientHello has no supported_groups or no key_share');
    if (!groupsData !== !sharesData) throw fatal('missing_extension', 'the ClientHello has one of supported_groups and key_share without the other');
    if (!withPsk && !algorithmsData) throw fatal('missing_extension', 'the ClientHello has no signature_algorithms');
    const offeredGroups = groupsData ? supportedGroupsExt.decode(groupsData) : [];
    const shares = sharesData ? keyShareExt.client.decode(sharesData) : [];
    // §4.2.8: each share is for an offered group, at most one per group.
    const seen = new Set<number>();
    for (const s of shares) {
      if (!offeredGroups.includes(s.group) || seen.has(s.group)) throw fatal('illegal_parameter', `the ClientHello has a key share for group 0x${s.group.toString(16)} that is repeated or not in supported_groups`);
      seen.add(s.group);
    }
    const mutual = this.context.groups.filter((g) => offeredGroups.includes(g.id));
    if (groupsData && !mutual.length) throw fatal('handshake_failure', 'the client supports none of the enabled groups');
    // In our preference order, the first group with a share, except that a post-quantum hybrid the
    // client supports and we prefer to it wins with a HelloRetryRequest (as OpenSSL 3.5's default
    // puts X25519MLKEM768 in a tuple of its own): a share of x25519 alone does not forgo ML-KEM.
    const withShare = mutual.find((g) => seen.has(g.id) || g.kind === 'hybrid');
    const group = withShare ?? mutual[0];

    const scheme = algorithmsData ? pickSignatureScheme(this.options.privateKey, signatureAlgorithmsExt.decode(algorithmsData), this.context.schemes) : undefined;
    if (algorithmsData && !scheme) throw fatal('handshake_failure', "the client accepts no signature scheme this server's key can make");

    this.firstShare = group && shares.find((s) => s.group === group.id);
    return {
      suite,
      ks: new KeySchedule(this.ch.provider, suite),
      group,
      scheme,
      serverName: requestedServerName(hello.extensions),
      alpn: chooseApplicationProtocol(hello.extensions, this.options.alpnProtocols),
    };
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
    // §4.2.9: psk_dhe_ke when the client offers it; psk_ke (no fresh (EC)DHE, so no forward secrecy)
    // only when allowPskKe says so, or when there is no share to use; otherwise a full handshake.
    const modes = pskModesExt.decode(modesData);
    const dhe = modes.includes(PSK_DHE_KE) && this.choice.group !== undefined;
    const keOnly = !dhe && modes.includes(PSK_KE) && this.options.allowPskKe === true;
    if (!this.context.store || (!dhe && !keOnly)) return;
    const now = Math.floor((this.options.now?.() ?? new Date()).getTime() / 1000);
    const count = Math.min(offer.identities.length, MAX_CLIENT_PSK_IDENTITIES);
    for (let index = 0; index < count; index++) {
      const state = this.context.store.open13(offer.identities[index].identity, now);
      if (!state) continue;
      const suite = this.context.suites.find((s) => s.id === state.suiteId);
      // §4.2.11: the PSK's hash must be the chosen suite's; §4.6.1 (RFC 6066 §3): the same server name.
      if (!suite || suite.hash !== this.choice.suite.hash || state.serverName !== this.choice.serverName) continue;
      // §4.2.11.2: the binder over the transcript up to this ClientHello without its binders.
      const truncated = this.clientHelloRaw.subarray(0, this.clientHelloRaw.length - offer.bindersLength);
      const early = this.choice.ks.earlySecret(state.psk);
      const binderKey = this.choice.ks.resumptionBinderKey(early);
      const expected = this.choice.ks.finishedMac(binderKey, this.transcript.hashReplacingLast(this.choice.ks, truncated));
      if (!equalBytes(offer.binders[index], expected)) throw fatal('decrypt_error', 'the PSK binder does not verify');
      this.psk = { state, index, early, keOnly };
      return;
    }
  }

  /** §4.6.1: tickets, queued under the application keys, each the PSK and parameters sealed under the server's ticket key. */
  private sendNewSessionTickets(master: MasterSecret): void {
    const modesData = findExtension(this.clientHello.extensions, ExtensionType.psk_key_exchange_modes);
    // §4.2.9: no ticket a client's modes could not use (SHOULD NOT); a client that names no modes
    // gets one all the same, as OpenSSL sends it: it may offer psk_dhe_ke when it resumes.
    const modes = modesData ? pskModesExt.decode(modesData) : [PSK_DHE_KE];
    if (!this.context.store || !(modes.includes(PSK_DHE_KE) || (modes.includes(PSK_KE) && this.options.allowPskKe === true))) return;
    // §7.1: resumption_master_secret over the transcript through the client Finished.
    const rms = this.choice.ks.resumptionMasterSecret(master, this.transcript.hash(this.choice.ks));
    const createdAt = Math.floor((this.options.now?.() ?? new Date()).getTime() / 1000);
    const count = this.options.ticketsPerHandshake ?? TICKETS_PER_HANDSHAKE;
    if (count <= 0) return;
    for (let i = 0; i < count; i++) {
      const nonce = Uint8Array.of(i);
      const r = this.random(4);
      const ageAdd = new DataView(r.buffer, r.byteOffset, 4).getUint32(0);
      const ticket = this.context.store.seal13({
        suiteId: this.choice.suite.id,
        psk: this.choice.ks.resumptionPsk(rms, nonce),
        createdAt,
        ticketAgeAdd: ageAdd,
        ...(this.choice.serverName !== undefined ? { serverName: this.choice.serverName } : {}),
        peerCertificates: this.peerCertificates,
      });
      sendMessage(this.ch, NewSessionTicketCodec, { ticket_lifetime: SESSION_LIFETIME_SECONDS, ticket_age_add: ageAdd, ticket_nonce: nonce, ticket, extensions: [] });
    }
  }

  /**
   * §4.1.4: asks for a share of the group we chose; ClientHello1 becomes a message_hash in the
   * transcript. When the client already sent that share (a forced retry), the HelloRetryRequest
   * names no group (§4.2.8: it must not ask for a share it has) and carries only the cookie.
   */
  private sendHelloRetryRequest(group: Group, hasShare = false, cookie?: Uint8Array): void {
    this.helloRetry = true;
    this.cookie = cookie;
    this.retryKeepsShare = hasShare;
    this.transcript.replaceWithMessageHash(this.choice.ks);
    const extensions: Extension[] = [
      ext(ExtensionType.supported_versions, supportedVersionsExt.server.encode(TLS13)),
      ...(hasShare ? [] : [ext(ExtensionType.key_share, keyShareExt.retry.encode(group.id))]),
      ...(cookie ? [ext(ExtensionType.cookie, cookieExt.encode(cookie))] : []),
    ];
    const hrr = {
      legacy_version: TLS12,
      random: HELLO_RETRY_REQUEST_RANDOM,
      legacy_session_id_echo: this.clientHello.legacy_session_id,
      cipher_suite: this.choice.suite.id,
      legacy_compression_method: 0,
      extensions,
    };
    this.transcript.add(sendMessage(this.ch, ServerHelloCodec, hrr));
    this.sendCompatibilityChangeCipherSpec();
    this.ch.flush();
  }

  /** §4.1.2: the second ClientHello is the first with the share asked for; anything else is illegal_parameter. */
  private async readSecondClientHello(): Promise<KeyShareEntry> {
    const first = this.clientHello;
    const { message: second, raw } = await readMessage(this.ch, ClientHelloCodec);
    this.transcript.add(raw);
    this.clientHello = second;
    this.clientHelloRaw = raw;
    if (!equalBytes(second.legacy_session_id, first.legacy_session_id) || !equalBytes(second.random, first.random)) {
      throw fatal('illegal_parameter', 'the second ClientHello changed its random or legacy_session_id');
    }
    if (!second.cipher_suites.includes(this.choice.suite.id)) throw fatal('illegal_parameter', 'the second ClientHello dropped the cipher suite chosen');
    const sharesData = findExtension(second.extensions, ExtensionType.key_share);
    const shares = sharesData ? keyShareExt.client.decode(sharesData) : [];
    const group = this.requireGroup();
    if (this.cookie) {
      // §4.2.2: the second ClientHello echoes the cookie unchanged.
      const echoed = findExtension(second.extensions, ExtensionType.cookie);
      if (!echoed || !equalBytes(cookieExt.decode(echoed), this.cookie)) throw fatal('illegal_parameter', 'the second ClientHello does not echo the cookie of the HelloRetryRequest');
    }
    if (this.retryKeepsShare) {
      // §4.1.2: nothing was asked of the key shares, so they are the first ClientHello's.
      const same = shares.find((s) => s.group === group.id);
      if (!same) throw fatal('illegal_parameter', `the second ClientHello dropped its share for ${group.name}`);
      return same;
    }
    if (shares.length !== 1 || shares[0].group !== group.id) {
      throw fatal('illegal_parameter', `the second ClientHello does not carry exactly one share, for ${group.name}, as asked`);
    }
    return shares[0];
  }

  /** §D.4: one change_cipher_spec right after our first handshake message, when the client is in compatibility mode. */
  private sendCompatibilityChangeCipherSpec(): void {
    if (this.ccsSent || this.clientHello.legacy_session_id.length === 0) return;
    this.ccsSent = true;
    this.ch.sendChangeCipherSpec();
  }

  /** A group both sides support for which the first ClientHello sent no share, in our preference order. */
  private unsharedGroup(): Group | undefined {
    const groupsData = findExtension(this.clientHello.extensions, ExtensionType.supported_groups);
    const sharesData = findExtension(this.clientHello.extensions, ExtensionType.key_share);
    const offered = groupsData ? supportedGroupsExt.decode(groupsData) : [];
    const shared = new Set((sharesData ? keyShareExt.client.decode(sharesData) : []).map((s) => s.group));
    return this.context.groups.find((g) => offered.includes(g.id) && !shared.has(g.id));
  }

  /** The group a key exchange needs; a ClientHello without supported_groups had only a PSK to offer (§9.2). */
  private requireGroup(): Group {
    if (!this.choice.group) throw fatal('missing_extension', 'the ClientHello has no supported_groups and key_share, and its PSK cannot be used');
    return this.choice.group;
  }

  /** §4.1.3, §7.1: our share (none for psk_ke); the shared secret gives the handshake traffic secrets. */
  private sendServerHello(clientShare: KeyShareEntry | undefined): HandshakeTrafficSecrets {
    let share: KeyShareAnswer | undefined;
    // §7.1: a secret that is not available is Hash.length zero bytes: psk_ke has no (EC)DHE input.
    let shared: Uint8Array = new Uint8Array(this.choice.ks.suite.hashLength);
    if (clientShare) {
      const group = this.requireGroup();
      try {
        // A hybrid's answer is an ML-KEM encapsulation to the client's key beside our ECDH value.
        share = answerKeyShare(this.ch.provider, group.provider, clientShare.key_exchange);
      } catch (e) {
        // A token's own failure is not the peer's fault: it goes up as it came.
        if (e instanceof KymanError) throw e;
        throw fatal('illegal_parameter', `the client's ${group.name} key share is not a valid public key`, e);
      }
      shared = share.sharedSecret;
    }
    const sh = {
      legacy_version: TLS12,
      random: this.random(32),
      legacy_session_id_echo: this.clientHello.legacy_session_id,
      cipher_suite: this.choice.suite.id,
      legacy_compression_method: 0,
      extensions: [
        ...(share ? [ext(ExtensionType.key_share, keyShareExt.server.encode({ group: this.requireGroup().id, key_exchange: share.publicKey }))] : []),
        ext(ExtensionType.supported_versions, supportedVersionsExt.server.encode(TLS13)),
        // §4.2.11: the identity chosen, psk_dhe_ke with the shares above.
        ...(this.psk ? [ext(ExtensionType.pre_shared_key, preSharedKeyExt.server.encode(this.psk.index))] : []),
      ],
    };
    this.transcript.add(sendMessage(this.ch, ServerHelloCodec, sh));
    this.sendCompatibilityChangeCipherSpec();
    const th = this.transcript.hash(this.choice.ks);
    const ks = this.choice.ks;
    const hs = handshakeTrafficSecrets(ks, ks.handshakeSecret(this.psk?.early ?? ks.earlySecret(), shared), th);
    this.ch.keyLog(NSS.clientHandshake, this.clientHello.random, hs.client);
    this.ch.keyLog(NSS.serverHandshake, this.clientHello.random, hs.server);
    this.ch.setWriteProtection(protectionFor(ks, hs.server));
    this.ch.setReadProtection(protectionFor(ks, hs.client));
    return hs;
  }

  /** §4.3.1: the negotiated extensions that are not needed to set up keys. */
  private sendEncryptedExtensions(): void {
    const extensions: Extension[] = [];
    // RFC 6066 §3: an empty server_name says the name was seen.
    if (this.choice.serverName !== undefined) extensions.push(ext(ExtensionType.server_name, new Uint8Array(0)));
    if (this.choice.alpn !== undefined) extensions.push(ext(ExtensionType.application_layer_protocol_negotiation, alpnExt.encode([this.choice.alpn])));
    this.transcript.add(sendMessage(this.ch, EncryptedExtensionsCodec, { extensions }));
  }

  /**
   * §4.3.2: the schemes a client's CertificateVerify may use, and (§4.2.3) in signature_algorithms_cert
   * those its certificates may be signed with, RSA PKCS #1 v1.5 among them: without it a client
   * whose chain is signed with sha256WithRSAEncryption (Java's, for one) sends no certificate.
   */
  private sendCertificateRequest(): void {
    const handshake = this.context.schemes.filter((s) => s.handshake).map((s) => s.id);
    const inCertificates = [...new Set([...handshake, ...CERTIFICATE_ONLY_SCHEMES.map((s) => s.id)])];
    const request = {
      certificate_request_context: new Uint8Array(0),
      extensions: [
        ext(ExtensionType.signature_algorithms, signatureAlgorithmsExt.encode(handshake)),
        ext(ExtensionType.signature_algorithms_cert, signatureAlgorithmsCertExt.encode(inCertificates)),
      ],
    };
    this.transcript.add(sendMessage(this.ch, CertificateRequestCodec, request));
  }

  /** §7.1: the application secrets over the transcript through our Finished; we may send under them at once. */
  private deriveApplicationSecrets(hs: HandshakeTrafficSecrets): ApplicationTrafficSecrets {
    const app = applicationTrafficSecrets(this.choice.ks, hs.handshakeSecret, this.transcript.hash(this.choice.ks));
    this.ch.keyLog(NSS.clientTraffic0, this.clientHello.random, app.client);
    this.ch.keyLog(NSS.serverTraffic0, this.clientHello.random, app.server);
    this.ch.setWriteProtection(protectionFor(this.choice.ks, app.server));
    return app;
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
    this.clientScheme = await readCertificateVerify(this.ch, this.transcript, this.choice.ks, this.validation.chain[0].publicKey.spki, this.context.schemes, 'client');
  }
}
