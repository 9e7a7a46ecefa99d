// The certificate chain an endpoint sent, checked: order, the path to a trust anchor, expiry, the name, keys and signatures.

import * as net from 'node:net';
import type { CryptoProvider } from '../../crypto/provider.js';
import { describePublicKey, readCertificate } from '../../pki/certificate/index.js';
import { validateChain } from '../../pki/validate.js';
import type { TrustStore } from '../trust-store.js';

const DAY_MS = 86_400_000;
/** Days left under which an expiry is worth a warning: a month leaves time to renew by hand. */
export const EXPIRY_WARNING_DAYS = 30;
/** RSA keys below this many bits are weak (NIST SP 800-131A); elliptic curves are judged by their curve. */
export const MIN_RSA_BITS = 2048;

export interface SentCertificate {
  subject: string;
  issuer: string;
  notAfter: string;
  daysLeft: number;
  key: string;
  weakKey: boolean;
  signatureAlgorithm: string;
  weakSignature: boolean;
  selfSigned: boolean;
}

export interface ChainFindings {
  sent: SentCertificate[];
  /** Whether each certificate the server sent is issued by the next one, as RFC 8446 §4.4.2 and RFC 5246 §7.4.2 ask. */
  inOrder: boolean;
  /** The path kyman built, leaf first, up to the anchor; `valid` false with the first reason when none validated. */
  path: { subjects: string[]; anchor?: string; valid: boolean; reason?: string };
  /** Certificates sent that the path does not use. */
  extra: string[];
  /**
   * The issuer the path stops short of: named by the last certificate on it, neither sent (RFC 8446
   * §4.4.2 and RFC 5246 §7.4.2 ask the server to send the intermediates) nor a trust anchor. An
   * incomplete chain, told apart from one that ends at a root nobody trusts.
   */
  missingIssuer?: string;
  /** Whether the leaf names the server name (RFC 6125: DNS names with a left-most wildcard, IP addresses). */
  nameMatch: boolean;
  serverName: string;
  /** The leaf's days left (negative once expired). */
  daysLeft: number;
}

/** RFC 6125 §6.4: exact, or one wildcard label on the left standing for exactly one label. */
function nameMatches(sans: readonly string[], subject: string, name: string): boolean {
  const want = name.toLowerCase().replace(/\.$/, '');
  if (net.isIP(want)) return sans.some((s) => s.toLowerCase() === `ip:${want}`);
  const dns = sans.filter((s) => s.startsWith('dns:')).map((s) => s.slice(4).toLowerCase());
  // RFC 6125 §6.4.4: the CN only when there are no DNS names at all.
  const names = dns.length ? dns : [/CN=([^,]+)/.exec(subject)?.[1]?.toLowerCase() ?? ''];
  return names.some((n) => n === want || (n.startsWith('*.') && want.endsWith(n.slice(1)) && !want.slice(0, -(n.length - 1)).includes('.') && want.length > n.length - 1));
}

/** Checks the chain as sent, at `now`, against `store`'s anchors. */
export function checkChain(provider: CryptoProvider, sentDer: readonly Uint8Array[], serverName: string, store: TrustStore, now = new Date()): ChainFindings {
  const infos = sentDer.map((d) => readCertificate(provider, d));
  const sent = infos.map((c): SentCertificate => {
    const key = describePublicKey(c.publicKey);
    return {
      subject: c.subject,
      issuer: c.issuer,
      notAfter: c.notAfter.toISOString(),
      daysLeft: Math.floor((c.notAfter.getTime() - now.getTime()) / DAY_MS),
      key,
      weakKey: c.publicKey.type === 'rsa' && (c.publicKey.bits ?? 0) < MIN_RSA_BITS,
      signatureAlgorithm: c.signatureAlgorithm,
      weakSignature: /sha1|md5|sha-1/i.test(c.signatureAlgorithm) && !c.selfSigned,
      selfSigned: c.selfSigned,
    };
  });
  const inOrder = infos.every((c, i) => i === infos.length - 1 || c.issuer === infos[i + 1].subject);
  const result = validateChain(provider, sentDer[0], { trustAnchors: store.anchorsFor(sentDer), intermediates: sentDer.slice(1), purpose: 'server', at: now });
  const used = new Set(result.chain.map((c) => c.fingerprints.sha256));
  const leaf = infos[0];
  const end = result.chain[result.chain.length - 1];
  const missingIssuer = !result.valid && result.reason?.code === 'untrusted' && end && !end.selfSigned && !infos.some((c) => c.subject === end.issuer) ? end.issuer : undefined;
  return {
    sent,
    inOrder,
    path: {
      subjects: result.chain.map((c) => c.subject),
      ...(result.valid ? { anchor: result.chain[result.chain.length - 1]?.subject } : {}),
      valid: result.valid,
      ...(result.reason ? { reason: result.reason.message } : {}),
    },
    extra: infos.filter((c) => !used.has(c.fingerprints.sha256)).map((c) => c.subject),
    ...(missingIssuer ? { missingIssuer } : {}),
    nameMatch: nameMatches(leaf.subjectAltNames, leaf.subject, serverName),
    serverName,
    daysLeft: sent[0].daysLeft,
  };
}
