// A PKCS #11 token as a key database: entries are certificates, paired with private keys by CKA_ID.

import { sameBytes } from '../bytes.js';
import { createPkcs11Provider, type Pkcs11Provider, type Pkcs11ProviderOptions } from '../crypto/pkcs11.js';
import { isPkcs11Key, keyHandleFor, type Pkcs11KeyHandle } from '../crypto/pkcs11-keys.js';
import { P11, type Handle } from '../crypto/pkcs11-module.js';
import type { KeySpec, PrivateKeyHandle } from '../crypto/provider.js';
import { conflict, notFound, usage } from '../errors.js';
import type { Tlv } from '../der/reader.js';
import { layoutCertificate, publicKeyMatches, summarizeCertificate } from '../pki/certificate/index.js';
import { checkLabel } from './labels.js';
import type { AddOptions, KeyStore, KeyStoreEntry, KeyStoreInfo } from './types.js';

/**
 * The default key is kept in one CKO_DATA object (a standard object class every token stores and
 * other tools ignore) whose value is the entry's label: portable across tokens, unlike a vendor
 * attribute, and it survives kyman closing.
 */
export const DEFAULT_KEY_APPLICATION = 'kyman';
export const DEFAULT_KEY_OBJECT_LABEL = 'kyman default key';

export interface OpenTokenKeyStoreOptions extends Pkcs11ProviderOptions {
  /** The default key for this run, overriding the one stored on the token (as a server's `--label`). */
  defaultLabel?: string;
  /** A provider already logged in to this token; when given, module/tokenLabel/pin are not used. */
  provider?: Pkcs11Provider;
}

interface TokenEntry extends KeyStoreEntry {
  readonly certObject: Handle;
  readonly id: Buffer;
  readonly keyObject?: Handle;
}

const utf8 = (b: Buffer | undefined) => b?.toString('utf8') ?? '';

/** The token as a KeyStore, over a logged-in PKCS #11 provider. */
export class Pkcs11KeyStore implements KeyStore {
  readonly type = 'pkcs11' as const;
  readonly path: string;
  #entries: TokenEntry[] = [];
  readonly #ownsProvider: boolean;

  private constructor(
    readonly provider: Pkcs11Provider,
    ownsProvider: boolean,
    private readonly defaultOverride?: string,
  ) {
    this.#ownsProvider = ownsProvider;
    // RFC 7512's URI for the token: how a person or another tool names it.
    this.path = `pkcs11:token=${encodeURIComponent(provider.tokenLabel)}`;
    this.reload();
  }

  /** Logs in to the token (or reuses `options.provider`) and reads its entries. */
  static open(options: OpenTokenKeyStoreOptions): Pkcs11KeyStore {
    const provider = options.provider ?? createPkcs11Provider(options);
    return new Pkcs11KeyStore(provider, !options.provider, options.defaultLabel);
  }

  /** Ends the login, unless the provider was lent by the caller. */
  close(): void {
    if (this.#ownsProvider) this.provider.close();
  }

  private get token() {
    return this.provider.token;
  }

  async newKeyPair(spec: KeySpec, label: string): Promise<PrivateKeyHandle> {
    return this.provider.generateTokenKeyPair(spec, label);
  }

  async discardKeyPair(key: PrivateKeyHandle): Promise<void> {
    if (!isPkcs11Key(key) || key.token !== this.provider.tokenLabel) return;
    // A key a certificate already pairs with is an entry's: it goes only with `delete`.
    if (this.certificatesWithId(key.id).length) return;
    this.destroyKeyObjects(key.id);
  }

  /** Private keys no certificate pairs with: made by another tool, or waiting for a requested certificate. */
  loneKeys(): Pkcs11KeyHandle[] {
    return this.find([{ type: P11.CKA_CLASS, value: P11.CKO_PRIVATE_KEY }])
      .map((o) => ({ o, id: this.token.attributes(o, [P11.CKA_ID]).get(P11.CKA_ID) ?? Buffer.alloc(0) }))
      .filter(({ id }) => id.length === 0 || this.certificatesWithId(id).length === 0)
      .map(({ o }) => keyHandleFor(this.token, o));
  }

  /**
   * The lone key labelled `label` (as `pkcs11-tool --keypairgen --label` makes one), for a
   * certificate or request made for a key already on the token.
   */
  loneKey(label: string): Pkcs11KeyHandle {
    const keys = this.loneKeys().filter((k) => k.label === label);
    if (keys.length === 0) throw notFound(`no private key labelled "${label}" without a certificate on token "${this.provider.tokenLabel}": see "kyman token show ${this.provider.tokenLabel} --pin …"`);
    if (keys.length > 1) throw conflict(`${keys.length} private keys are labelled "${label}" on token "${this.provider.tokenLabel}": relabel all but one with pkcs11-tool`);
    return keys[0];
  }

  private certificatesWithId(id: Uint8Array): Handle[] {
    return this.find([{ type: P11.CKA_CLASS, value: P11.CKO_CERTIFICATE }, { type: P11.CKA_ID, value: Buffer.from(id) }]);
  }

  private destroyKeyObjects(id: Uint8Array): void {
    const objects = [P11.CKO_PRIVATE_KEY, P11.CKO_PUBLIC_KEY].flatMap((cls) => this.find([{ type: P11.CKA_CLASS, value: cls }, { type: P11.CKA_ID, value: Buffer.from(id) }]));
    this.token.run(`deleting a key from token "${this.provider.tokenLabel}"`, (s, lib) => {
      for (const o of objects) lib.C_DestroyObject(s, o);
    });
  }

  private find(template: { type: number; value: number | boolean | string | Buffer }[]): Handle[] {
    return this.token.find(template);
  }

  /** Re-reads the token: other applications may change it between calls. */
  reload(): void {
    const keys = this.find([{ type: P11.CKA_CLASS, value: P11.CKO_PRIVATE_KEY }]).map((o) => ({ o, id: this.token.attributes(o, [P11.CKA_ID]).get(P11.CKA_ID) }));
    const stored = this.storedDefault();
    const entries: TokenEntry[] = [];
    for (const certObject of this.find([{ type: P11.CKA_CLASS, value: P11.CKO_CERTIFICATE }, { type: P11.CKA_CERTIFICATE_TYPE, value: P11.CKC_X_509 }])) {
      const a = this.token.attributes(certObject, [P11.CKA_LABEL, P11.CKA_ID, P11.CKA_VALUE]);
      const value = a.get(P11.CKA_VALUE);
      if (!value) continue;
      const id = a.get(P11.CKA_ID) ?? Buffer.alloc(0);
      const key = id.length ? keys.find((k) => k.id?.equals(id)) : undefined;
      entries.push({
        label: utf8(a.get(P11.CKA_LABEL)),
        certificate: new Uint8Array(value),
        hasPrivateKey: Boolean(key),
        // A certificate alone on a token is there to anchor chains; one with a key identifies us,
        // unless it is a CA's own certificate, which anchors what that CA signed.
        trusted: !key || summarizeCertificate(new Uint8Array(value)).isCA,
        isDefault: false,
        certObject,
        id,
        keyObject: key?.o,
      });
    }
    entries.sort((x, y) => x.label.localeCompare(y.label));
    const wanted = this.defaultOverride ?? stored;
    const def = entries.find((e) => e.hasPrivateKey && e.label === wanted) ?? entries.find((e) => e.hasPrivateKey);
    this.#entries = entries.map((e) => (e === def ? { ...e, isDefault: true } : e));
  }

  private defaultObject(): Handle | undefined {
    return this.find([
      { type: P11.CKA_CLASS, value: P11.CKO_DATA },
      { type: P11.CKA_APPLICATION, value: DEFAULT_KEY_APPLICATION },
      { type: P11.CKA_LABEL, value: DEFAULT_KEY_OBJECT_LABEL },
    ])[0];
  }

  private storedDefault(): string | undefined {
    const o = this.defaultObject();
    return o ? utf8(this.token.attributes(o, [P11.CKA_VALUE]).get(P11.CKA_VALUE)) : undefined;
  }

  private writeDefault(label: string): void {
    const existing = this.defaultObject();
    this.token.run('recording the default key', (s, lib) => {
      // A data object's value is read-only once made on some tokens (SoftHSM2): replace it whole.
      if (existing) lib.C_DestroyObject(s, existing);
      lib.C_CreateObject(s, [
          { type: P11.CKA_CLASS, value: P11.CKO_DATA },
          { type: P11.CKA_TOKEN, value: true },
          { type: P11.CKA_PRIVATE, value: false },
          { type: P11.CKA_APPLICATION, value: DEFAULT_KEY_APPLICATION },
          { type: P11.CKA_LABEL, value: DEFAULT_KEY_OBJECT_LABEL },
          { type: P11.CKA_VALUE, value: Buffer.from(label) },
        ]);
    });
  }

  private get(label: string): TokenEntry {
    const e = this.#entries.find((x) => x.label === label);
    if (!e) throw notFound(`no entry labelled "${label}" on token "${this.provider.tokenLabel}"`);
    return e;
  }

  info(): KeyStoreInfo {
    return { type: 'pkcs11', path: this.path, entryCount: this.#entries.length, keyCount: this.#entries.filter((e) => e.hasPrivateKey).length, integrity: 'none' };
  }

  entries(): readonly KeyStoreEntry[] {
    return this.#entries.map(publicView);
  }

  entry(label: string): KeyStoreEntry {
    return publicView(this.get(label));
  }

  has(label: string): boolean {
    return this.#entries.some((e) => e.label === label);
  }

  defaultEntry(): KeyStoreEntry | undefined {
    const e = this.#entries.find((x) => x.isDefault);
    return e && publicView(e);
  }

  async privateKey(label: string): Promise<PrivateKeyHandle> {
    const e = this.get(label);
    if (!e.keyObject) throw notFound(`entry "${label}" on token "${this.provider.tokenLabel}" has no private key`);
    return keyHandleFor(this.token, e.keyObject, certificateSpki(e.certificate));
  }

  private checkNew(label: string, certificate: Uint8Array): void {
    checkLabel(label);
    if (this.has(label)) throw conflict(`label "${label}" already exists on token "${this.provider.tokenLabel}"`);
    const same = this.#entries.find((e) => sameBytes(e.certificate, certificate));
    if (same) throw conflict(`this certificate is already on token "${this.provider.tokenLabel}" as "${same.label}"`);
  }

  private storeCertificate(label: string, certificate: Uint8Array, id: Uint8Array): void {
    this.createCertificateObject(label, certificateObjectTemplate(label, certificate, id));
  }

  private createCertificateObject(label: string, template: ReturnType<typeof certificateObjectTemplate>): void {
    this.token.run(`storing certificate "${label}" on token "${this.provider.tokenLabel}"`, (s, lib) => lib.C_CreateObject(s, template));
  }

  private finish(label: string, makeDefault: boolean): KeyStoreEntry {
    if (makeDefault) this.writeDefault(label);
    this.reload();
    return this.entry(label);
  }

  async addCertificate(label: string, certificate: Uint8Array, options?: AddOptions): Promise<KeyStoreEntry> {
    this.checkNew(label, certificate);
    if (options?.trusted === false) throw usage('a certificate alone on a token is a trust anchor; to distrust it, delete it');
    if (options?.isDefault) throw usage('the default must be an entry with a private key');
    // A random CKA_ID, so a later key with the same label does not pair with an anchor by accident.
    this.storeCertificate(label, certificate, this.provider.random(20));
    return this.finish(label, false);
  }

  async addKeyPair(label: string, certificate: Uint8Array, key: PrivateKeyHandle, options?: AddOptions): Promise<KeyStoreEntry> {
    this.checkNew(label, certificate);
    if (!publicKeyMatches(certificate, key.spki)) throw usage(`the private key does not belong to the certificate for "${label}"`);
    let tokenKey: Pkcs11KeyHandle;
    if (isPkcs11Key(key)) {
      if (key.token !== this.provider.tokenLabel) throw usage(`the key is on token "${key.token}", not "${this.provider.tokenLabel}"`);
      tokenKey = key;
      this.relabelKey(key.id, label);
    } else {
      // A private key copies to a token, never out: after this the software copy is the caller's to drop.
      tokenKey = this.provider.importTokenKey(this.provider.exportPrivateKey(key), label);
    }
    this.storeCertificate(label, certificate, tokenKey.id);
    const first = !this.#entries.some((e) => e.hasPrivateKey);
    return this.finish(label, Boolean(options?.isDefault) || first);
  }

  /** Sets CKA_LABEL on the private and public key objects with this CKA_ID. */
  private relabelKey(id: Uint8Array, label: string): void {
    const objects = [P11.CKO_PRIVATE_KEY, P11.CKO_PUBLIC_KEY].flatMap((cls) => this.find([{ type: P11.CKA_CLASS, value: cls }, { type: P11.CKA_ID, value: Buffer.from(id) }]));
    this.token.run('relabelling a key', (s, lib) => {
      for (const o of objects) lib.C_SetAttributeValue(s, o, [{ type: P11.CKA_LABEL, value: label }]);
    });
  }

  async replaceCertificate(label: string, certificate: Uint8Array): Promise<KeyStoreEntry> {
    const e = this.get(label);
    if (e.hasPrivateKey) {
      const key = await this.privateKey(label);
      if (!publicKeyMatches(certificate, key.spki)) throw usage(`the new certificate's public key is not the key of "${label}"`);
    }
    const template = certificateObjectTemplate(label, certificate, e.id); // BAD_INPUT before the old object goes
    this.token.run('removing the old certificate', (s, lib) => lib.C_DestroyObject(s, e.certObject));
    this.createCertificateObject(label, template);
    return this.finish(label, false);
  }

  async setTrusted(label: string, trusted: boolean): Promise<KeyStoreEntry> {
    const e = this.get(label);
    if (e.trusted !== trusted) {
      throw usage(
        trusted
          ? `"${label}" has a private key and is not a CA certificate; on a token only a certificate alone or a CA's own certificate is a trust anchor`
          : `on a token a certificate alone (or a CA's own certificate) is a trust anchor; to distrust "${label}", delete it`,
      );
    }
    return this.entry(label);
  }

  async setDefault(label: string): Promise<KeyStoreEntry> {
    const e = this.get(label);
    if (!e.hasPrivateKey) throw usage(`"${label}" has no private key, so it cannot be the default key`);
    return this.finish(label, true);
  }

  async rename(label: string, newLabel: string): Promise<KeyStoreEntry> {
    const e = this.get(label);
    checkLabel(newLabel);
    if (label !== newLabel && this.has(newLabel)) throw conflict(`label "${newLabel}" already exists on token "${this.provider.tokenLabel}"`);
    this.token.run(`renaming "${label}"`, (s, lib) => lib.C_SetAttributeValue(s, e.certObject, [{ type: P11.CKA_LABEL, value: newLabel }]));
    if (e.hasPrivateKey) this.relabelKey(e.id, newLabel);
    return this.finish(newLabel, e.isDefault && this.storedDefault() === label);
  }

  async delete(label: string): Promise<void> {
    const e = this.get(label);
    this.token.run(`deleting "${label}" from token "${this.provider.tokenLabel}"`, (s, lib) => lib.C_DestroyObject(s, e.certObject));
    if (e.hasPrivateKey) this.destroyKeyObjects(e.id);
    this.reload();
  }
}

/**
 * The token object of an X.509 certificate (PKCS #11 2.40 §4.6.3): CKA_SUBJECT, CKA_ISSUER and
 * CKA_SERIAL_NUMBER are the certificate's own DER of those fields, which other tools search by;
 * CKA_ID pairs it with its key.
 */
export function certificateObjectTemplate(label: string, certificate: Uint8Array, id: Uint8Array): { type: number; value: number | boolean | string | Buffer }[] {
  const layout = layoutCertificate(certificate);
  const field = (t: Tlv) => Buffer.from(certificate.subarray(t.start, t.end));
  return [
    { type: P11.CKA_CLASS, value: P11.CKO_CERTIFICATE },
    { type: P11.CKA_CERTIFICATE_TYPE, value: P11.CKC_X_509 },
    { type: P11.CKA_TOKEN, value: true },
    { type: P11.CKA_PRIVATE, value: false },
    { type: P11.CKA_LABEL, value: label },
    { type: P11.CKA_ID, value: Buffer.from(id) },
    { type: P11.CKA_SUBJECT, value: field(layout.subject) },
    { type: P11.CKA_ISSUER, value: field(layout.issuer) },
    { type: P11.CKA_SERIAL_NUMBER, value: field(layout.serialNumber) },
    { type: P11.CKA_VALUE, value: Buffer.from(certificate) },
  ];
}

const publicView = (e: TokenEntry): KeyStoreEntry => ({ label: e.label, certificate: e.certificate, hasPrivateKey: e.hasPrivateKey, trusted: e.trusted, isDefault: e.isDefault });

/** The SubjectPublicKeyInfo DER of a certificate, as the certificate holds it. */
export function certificateSpki(certificate: Uint8Array): Uint8Array {
  const { subjectPublicKeyInfo: t } = layoutCertificate(certificate);
  return certificate.slice(t.start, t.end);
}

/** Opens a token as a key database. */
export function openTokenKeyStore(options: OpenTokenKeyStoreOptions): Pkcs11KeyStore {
  return Pkcs11KeyStore.open(options);
}

export { isPkcs11Uri, parsePkcs11Uri } from './pkcs11-uri.js';
