// Pending requests inside a PKCS #12 key database, which has no companion file.
//
// A pending request lives in the key database itself, as a pkcs8ShroudedKeyBag whose friendlyName
// is the label and whose localKeyId is the DER of the request. That is portable: RFC 7292 and
// RFC 2985 §5.5.2 leave localKeyId's contents to the writer, so openssl, keytool and NSS read the
// file as it is (a key whose localKeyId pairs it with no certificate), while kyman recognises a
// pending request by a localKeyId that is a PKCS #10 request for that very key. A renewal is the
// same bag beside the key entry of the same friendlyName.

import * as path from 'node:path';
import type { CryptoProvider } from '../../crypto/provider.js';
import { notFound } from '../../errors.js';
import { readCertificationRequest } from '../../pki/csr.js';
import type { Pkcs12Bag } from '../../pki/pkcs12.js';
import type { StoredEntry, StoreImage } from '../backend.js';
import { pkcs12Backend, type Pkcs12Meta } from '../pkcs12-backend.js';
import type { RequestContainer, StoredRequest } from './container.js';

/** A key bag that is a pending request: encrypted, named, and its localKeyId a PKCS #10 request. */
function pendingBag(provider: CryptoProvider, entry: StoredEntry): Pkcs12Bag | undefined {
  const bag = entry.carry as Pkcs12Bag | undefined;
  if (entry.kind !== 'other' || !bag || bag.type !== 'key' || !bag.encrypted || !bag.friendlyName || !bag.localKeyId) return undefined;
  if (bag.localKeyId[0] !== 0x30 || bag.localKeyId.length < 64) return undefined;
  try {
    readCertificationRequest(provider, bag.localKeyId);
    return bag;
  } catch {
    return undefined;
  }
}

export function pkcs12Container(provider: CryptoProvider, keyDatabasePath: string): RequestContainer<StoreImage<Pkcs12Meta>> {
  const name = path.basename(keyDatabasePath);
  return {
    file: keyDatabasePath,
    type: 'pkcs12',
    decode(bytes, password) {
      if (!bytes) throw notFound(`key database ${keyDatabasePath} does not exist`);
      return pkcs12Backend.decode(provider, bytes, password, name);
    },
    encode: (image, password) => pkcs12Backend.encode(provider, image, password, name),
    list(image) {
      const out: StoredRequest[] = [];
      for (const e of image.entries) {
        const bag = pendingBag(provider, e);
        if (!bag) continue;
        const label = bag.friendlyName!;
        const renewal = image.entries.some((x) => x.kind === 'key-pair' && x.label === label);
        out.push({ label, request: bag.localKeyId!, encryptedKey: bag.data, renewal });
      }
      return out;
    },
    setList(image, items) {
      image.entries = image.entries.filter((e) => !pendingBag(provider, e));
      for (const i of items) {
        const bag: Pkcs12Bag = { type: 'key', data: i.encryptedKey, encrypted: true, friendlyName: i.label, localKeyId: i.request };
        image.entries.push({ label: `${i.label} (pending)`, kind: 'other', trusted: false, isDefault: false, carry: bag });
      }
    },
    keyProtection: (image) => pkcs12Backend.keyProtection(image.meta),
  };
}
