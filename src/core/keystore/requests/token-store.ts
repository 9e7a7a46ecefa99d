// Pending certificate requests on a token: the key waits on the token, the request beside it.
//
// A token has no companion file, so each pending request is a CKO_DATA object (the standard
// class every token stores and other tools show as data) whose CKA_APPLICATION says what it is,
// whose CKA_LABEL is the request's label and whose CKA_VALUE is the PKCS #10 DER. Its key is the
// token key with the request's public key: made on the token for a new request (a lone key, as
// `pkcs11-tool --keypairgen` would leave), or an entry's key for a renewal. The key never leaves
// the token, so receiving the certificate only stores it beside the key with the key's CKA_ID.

import { sameBytes } from '../../bytes.js';
import { isPkcs11Key, keyHandleFor, type Pkcs11KeyHandle } from '../../crypto/pkcs11-keys.js';
import { P11, type Handle } from '../../crypto/pkcs11-module.js';
import type { KeySpec, PrivateKeyHandle } from '../../crypto/provider.js';
import { conflict, notFound, usage } from '../../errors.js';
import { readCertificationRequest } from '../../pki/csr.js';
import { checkLabel } from '../labels.js';
import type { Pkcs11KeyStore } from '../pkcs11-key-store.js';
import type { PendingRequest, PendingRequestStore } from './types.js';
import { pendingRequestView } from './view.js';

export const REQUEST_APPLICATION = 'kyman request';
export const RENEWAL_APPLICATION = 'kyman renewal request';

interface TokenRequest {
  readonly object: Handle;
  readonly view: PendingRequest;
}

/** The pending requests kept on a token, over the token key store's login. */
export class TokenRequestStore implements PendingRequestStore {
  readonly type = 'pkcs11' as const;
  #items: TokenRequest[] = [];

  constructor(private readonly store: Pkcs11KeyStore) {
    this.reload();
  }

  get path(): string {
    return this.store.path;
  }

  private get token() {
    return this.store.provider.token;
  }

  private get tokenLabel() {
    return this.store.provider.tokenLabel;
  }

  /** Re-reads the token: another application may have changed it. */
  reload(): void {
    const items: TokenRequest[] = [];
    for (const [application, renewal] of [
      [REQUEST_APPLICATION, false],
      [RENEWAL_APPLICATION, true],
    ] as const) {
      for (const object of this.token.find([
        { type: P11.CKA_CLASS, value: P11.CKO_DATA },
        { type: P11.CKA_APPLICATION, value: application },
      ])) {
        const a = this.token.attributes(object, [P11.CKA_LABEL, P11.CKA_VALUE]);
        const der = a.get(P11.CKA_VALUE);
        if (!der) continue;
        const label = a.get(P11.CKA_LABEL)?.toString('utf8') ?? '';
        items.push({ object, view: pendingRequestView(this.store.provider, label, new Uint8Array(der), renewal) });
      }
    }
    this.#items = items;
  }

  list(): PendingRequest[] {
    return this.#items.map((i) => i.view);
  }

  has(label: string): boolean {
    return this.#items.some((i) => i.view.label === label);
  }

  get(label: string): PendingRequest {
    return this.find(label).view;
  }

  private find(label: string): TokenRequest {
    const item = this.#items.find((i) => i.view.label === label);
    if (!item) throw notFound(`no pending request labelled "${label}" on token "${this.tokenLabel}": see "kyman req list"`);
    return item;
  }

  /** The token key whose public key is the request's: by label first, then any key on the token. */
  private keyFor(request: PendingRequest): Pkcs11KeyHandle | undefined {
    const matching = (objects: Handle[]): Pkcs11KeyHandle | undefined => {
      for (const object of objects) {
        try {
          const key = keyHandleFor(this.token, object);
          if (sameBytes(key.spki, request.spki)) return key;
        } catch {
          // A key whose public half the token does not hold cannot be this request's: skip it.
        }
      }
      return undefined;
    };
    const privateKeys = { type: P11.CKA_CLASS, value: P11.CKO_PRIVATE_KEY };
    const labelled = this.token.find([privateKeys, { type: P11.CKA_LABEL, value: request.label }]);
    return matching(labelled) ?? matching(this.token.find([privateKeys]).filter((o) => !labelled.some((l) => l.equals(o))));
  }

  async privateKey(label: string): Promise<PrivateKeyHandle> {
    const request = this.get(label);
    const key = this.keyFor(request);
    if (!key) throw notFound(`the key of pending request "${label}" is no longer on token "${this.tokenLabel}"`);
    return key;
  }

  async newKeyPair(spec: KeySpec, label: string): Promise<PrivateKeyHandle> {
    return this.store.newKeyPair(spec, label);
  }

  async discardKeyPair(key: PrivateKeyHandle): Promise<void> {
    return this.store.discardKeyPair(key);
  }

  async add(label: string, request: Uint8Array, key: PrivateKeyHandle, options: { renewal?: boolean } = {}): Promise<PendingRequest> {
    checkLabel(label);
    this.reload();
    if (!isPkcs11Key(key) || key.token !== this.tokenLabel) throw usage(`the key for pending request "${label}" must be on token "${this.tokenLabel}"`);
    const info = readCertificationRequest(this.store.provider, request);
    if (!sameBytes(info.publicKey.spki, key.spki)) throw usage(`the key given for pending request "${label}" is not the request's key`);
    if (this.has(label)) throw conflict(`label "${label}" is already a pending request on token "${this.tokenLabel}"`);
    this.token.run(`storing request "${label}" on token "${this.tokenLabel}"`, (s, lib) =>
      lib.C_CreateObject(s, [
        { type: P11.CKA_CLASS, value: P11.CKO_DATA },
        { type: P11.CKA_TOKEN, value: true },
        // A request is public: anyone may read it, as anyone may read the certificate later.
        { type: P11.CKA_PRIVATE, value: false },
        { type: P11.CKA_APPLICATION, value: options.renewal ? RENEWAL_APPLICATION : REQUEST_APPLICATION },
        { type: P11.CKA_LABEL, value: label },
        { type: P11.CKA_VALUE, value: Buffer.from(info.der) },
      ]),
    );
    this.reload();
    return this.get(label);
  }

  /** Removes the request, and its key unless a certificate now pairs with it (received, or a renewal's entry). */
  async delete(label: string): Promise<void> {
    const item = this.find(label);
    const key = this.keyFor(item.view);
    this.token.run(`deleting request "${label}" from token "${this.tokenLabel}"`, (s, lib) => lib.C_DestroyObject(s, item.object));
    if (key && !item.view.renewal) await this.store.discardKeyPair(key);
    this.reload();
  }
}
