// PKCS #12 files (.p12, .pfx) as a KeyStore backend: labels are friendly names.
//
// PKCS #12 has no place for two things a key database keeps, so this backend gives them a
// portable reading rather than a private attribute other tools would not understand:
// - trust: a certificate-only entry is trusted when it carries the trusted-usage attribute
//   (2.16.840.1.113894.746875.1.1) that Java's keytool writes on its trustedCertEntry bags, so
//   keytool and kyman agree; a key entry is never an anchor here.
// - the default key: the first key entry in the file, as most tools read a one-key PKCS #12.

import { sameBytes } from '../bytes.js';
import type { CryptoProvider } from '../crypto/provider.js';
import { encryptPrivateKeyInfo, type KeyProtection } from '../pki/pbe.js';
import { readPkcs12, writePkcs12, type Pkcs12Bag } from '../pki/pkcs12.js';
import { OID } from '../der/oids.js';
import { summarizeCertificate } from '../pki/certificate/index.js';
import type { FileBackend, StoredEntry, StoreImage } from './backend.js';

export interface Pkcs12Meta {
  legacy: boolean;
}

/** The EKU OID keytool puts in the trusted-usage attribute: trusted for any purpose. */
const ANY_EXTENDED_KEY_USAGE = OID.anyExtendedKeyUsage;
/** OpenSSL 3's default iteration count for PKCS #12 keys and MAC. */
const PKCS12_ITERATIONS = 2048;

function labelFromSubject(certificate: Uint8Array): string {
  try {
    const subject = summarizeCertificate(certificate).subject;
    const cn = /(?:^|,)CN=((?:\\.|[^,])+)/.exec(subject)?.[1];
    return (cn ?? subject) || 'certificate';
  } catch {
    return 'certificate';
  }
}

function uniqueLabel(wanted: string, taken: Set<string>): string {
  let label = wanted;
  for (let n = 2; taken.has(label); n++) label = `${wanted} (${n})`;
  taken.add(label);
  return label;
}

export const pkcs12Backend: FileBackend<Pkcs12Meta> = {
  type: 'pkcs12',
  decode(provider: CryptoProvider, bytes, password): StoreImage<Pkcs12Meta> {
    const result = readPkcs12(provider, bytes, password);
    const meta: Pkcs12Meta = { legacy: result.legacy };
    const keys = result.bags.filter((b) => b.type === 'key');
    const certs = result.bags.filter((b) => b.type === 'certificate');
    const usedKeys = new Set<Pkcs12Bag>();
    const taken = new Set<string>();
    const entries: StoredEntry[] = [];
    for (const cert of certs) {
      const key =
        keys.find((k) => !usedKeys.has(k) && k.localKeyId && cert.localKeyId && sameBytes(k.localKeyId, cert.localKeyId)) ??
        keys.find((k) => !usedKeys.has(k) && !k.localKeyId && k.friendlyName && k.friendlyName === cert.friendlyName);
      if (key) usedKeys.add(key);
      const label = uniqueLabel(cert.friendlyName ?? key?.friendlyName ?? labelFromSubject(cert.data), taken);
      if (!key) {
        entries.push({ label, kind: 'certificate', certificate: cert.data, trusted: (cert.trustedUsage?.length ?? 0) > 0, isDefault: false });
        continue;
      }
      const encryptedKey = key.encrypted
        ? key.data
        : encryptPrivateKeyInfo(provider, key.data, password, pkcs12Backend.keyProtection(meta));
      entries.push({ label, kind: 'key-pair', certificate: cert.data, encryptedKey, trusted: false, isDefault: false });
    }
    // A key with no certificate cannot be used or listed; keep it so a save does not drop it.
    for (const key of keys) {
      if (!usedKeys.has(key)) entries.push({ label: uniqueLabel(key.friendlyName ?? 'key', taken), kind: 'other', trusted: false, isDefault: false, carry: key });
    }
    const firstKey = entries.find((e) => e.kind === 'key-pair');
    if (firstKey) firstKey.isDefault = true;
    return { entries, meta };
  },
  encode(provider, image, password) {
    const ordered = [...image.entries].sort((a, b) => Number(b.isDefault) - Number(a.isDefault));
    const bags: Pkcs12Bag[] = [];
    for (const entry of ordered) {
      if (entry.kind === 'other') {
        bags.push(entry.carry as Pkcs12Bag);
        continue;
      }
      const certificate = entry.certificate!;
      if (entry.kind === 'certificate') {
        bags.push({ type: 'certificate', data: certificate, friendlyName: entry.label, trustedUsage: entry.trusted ? [ANY_EXTENDED_KEY_USAGE] : undefined });
        continue;
      }
      // OpenSSL's choice of localKeyId: the SHA-1 of the certificate pairs the two bags.
      const localKeyId = provider.hash('SHA-1', certificate);
      bags.push({ type: 'key', data: entry.encryptedKey!, encrypted: true, friendlyName: entry.label, localKeyId });
      bags.push({ type: 'certificate', data: certificate, friendlyName: entry.label, localKeyId });
    }
    return writePkcs12(provider, bags, password, { legacy: image.meta.legacy, iterations: PKCS12_ITERATIONS });
  },
  keyProtection(meta): KeyProtection {
    return meta.legacy
      ? { scheme: 'pkcs12-3des', iterations: PKCS12_ITERATIONS, saltLength: 8 }
      : { scheme: 'pbes2', prf: 'SHA-256', cipher: 'AES-256-CBC', iterations: PKCS12_ITERATIONS, saltLength: 16 };
  },
  describe: (meta) => ({ legacy: meta.legacy }),
};
