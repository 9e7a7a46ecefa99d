// The chain an endpoint sent, held against a key database: is the leaf one of its entries, does it hold the key, would its trust accept the chain.

import { equalBytes } from '../../bytes.js';
import type { CryptoProvider } from '../../crypto/provider.js';
import { trustMaterialOf } from '../../keystore/credentials.js';
import type { KeyStore } from '../../keystore/types.js';
import { readCertificate } from '../../pki/certificate/index.js';
import { validateChain } from '../../pki/validate.js';
import type { Finding } from './index.js';

/** An entry that is not the server's certificate but is for the same key or the same subject, and how its age compares. */
export interface RelatedEntry {
  label: string;
  /** Which of the two it shares with the server's certificate. */
  shares: 'key' | 'subject' | 'key and subject';
  /** The entry's certificate against the server's, by notBefore: `newer` means the database has the later one. */
  age: 'newer' | 'older' | 'same';
  hasPrivateKey: boolean;
}

export interface DatabaseComparison {
  /** The database file (or token URI). */
  database: string;
  /** The label of the entry whose certificate is the server's leaf, byte for byte; absent when none is. */
  label?: string;
  /** Whether that entry holds the private key. */
  hasPrivateKey: boolean;
  /** Entries for the same key or subject with another certificate. */
  related: RelatedEntry[];
  /** The chain checked with the database's trusted CA or self-signed entries as the only anchors (its other certificates may fill the middle). */
  trust: { valid: boolean; anchor?: string; anchorLabel?: string; reason?: string };
}

/** Compares the chain the server sent (leaf first) with `store`, at `now`. */
export function compareWithDatabase(provider: CryptoProvider, sentDer: readonly Uint8Array[], store: KeyStore, now = new Date()): DatabaseComparison {
  const leaf = readCertificate(provider, sentDer[0]);
  const entries = store.entries();
  const same = entries.find((e) => equalBytes(e.certificate, sentDer[0]));
  const related: RelatedEntry[] = [];
  for (const e of entries) {
    if (e === same) continue;
    const c = readCertificate(provider, e.certificate);
    const key = equalBytes(c.publicKey.spki, leaf.publicKey.spki);
    const subject = c.subject === leaf.subject && !c.isCA;
    if (!key && !subject) continue;
    const d = c.notBefore.getTime() - leaf.notBefore.getTime();
    related.push({ label: e.label, shares: key && subject ? 'key and subject' : key ? 'key' : 'subject', age: d > 0 ? 'newer' : d < 0 ? 'older' : 'same', hasPrivateKey: e.hasPrivateKey });
  }
  const { anchors, intermediates } = trustMaterialOf(store, provider);
  const result = validateChain(provider, sentDer[0], { trustAnchors: anchors, intermediates: [...sentDer.slice(1), ...intermediates], purpose: 'server', at: now });
  const top = result.valid ? result.chain[result.chain.length - 1] : undefined;
  const anchorEntry = top && entries.find((e) => readCertificate(provider, e.certificate).fingerprints.sha256 === top.fingerprints.sha256);
  return {
    database: store.path,
    ...(same ? { label: same.label } : {}),
    hasPrivateKey: same?.hasPrivateKey ?? false,
    related,
    trust: {
      valid: result.valid,
      ...(top ? { anchor: top.subject } : {}),
      ...(anchorEntry ? { anchorLabel: anchorEntry.label } : {}),
      ...(result.valid ? {} : { reason: anchors.length ? (result.reason?.message ?? 'no path to a trusted entry') : 'the database has no trusted CA or self-signed entry' }),
    },
  };
}

/** What a mismatch with the database asks to fix, for the ranking. */
export function databaseFindings(c: DatabaseComparison): Finding[] {
  const out: Finding[] = [];
  const name = c.database;
  if (c.label === undefined) {
    const newer = c.related.find((r) => r.age === 'newer' && r.shares !== 'subject');
    const other = c.related.find((r) => r.shares !== 'subject') ?? c.related[0];
    if (newer) out.push({ severity: 'high', text: `the server sends an older certificate for this key than "${newer.label}" in ${name}: deploy the database's certificate` });
    else if (other) out.push({ severity: 'medium', text: `the server's certificate is not in ${name}, which has a${other.age === 'older' ? 'n older' : ' different'} certificate for this ${other.shares === 'subject' ? 'subject' : 'key'}: "${other.label}"` });
    else out.push({ severity: 'medium', text: `the server's certificate is not in ${name}` });
  } else if (!c.hasPrivateKey) out.push({ severity: 'low', text: `"${c.label}" in ${name} holds the server's certificate but not its private key` });
  if (!c.trust.valid) out.push({ severity: 'high', text: `${name}'s trusted entries would not accept the server's chain: ${c.trust.reason}` });
  return out;
}
