// Certificate path building and validation (RFC 5280 §6) with host name checks (RFC 6125), for `cert validate` and the TLS engine.

import { domainToASCII } from 'node:url';
import { AsnParser } from '@peculiar/asn1-schema';
import { Certificate, GeneralName, NameConstraints, RelativeDistinguishedName } from '@peculiar/asn1-x509';
import type { CryptoProvider } from '../crypto/provider.js';
import { readCertificate, verifyCertificateSignature, type CertificateInfo } from './certificate/index.js';
import { OID } from '../der/oids.js';
import { formatIpAddress, parseIpAddress } from './general-name.js';
import { encodeRelativeDistinguishedName } from './name.js';
import { MAX_CHAIN_LENGTH } from './chain.js';

export type ValidationPurpose = 'server' | 'client' | 'any';

export interface ValidateOptions {
  /** Certificates (DER) that may anchor a chain: a path ends at one of these. */
  trustAnchors: readonly Uint8Array[];
  /** Other certificates (DER) the chain may pass through: what a peer sent, or a database holds. */
  intermediates?: readonly Uint8Array[];
  /** What the leaf is for; `any` (the default) checks no key purpose. */
  purpose?: ValidationPurpose;
  /** The name the peer was reached by: a DNS name or an IP address (RFC 6125). */
  host?: string;
  /** The injected clock: the time the validity periods are checked at. Default: now. */
  at?: Date;
}

/** Stable reasons a chain did not validate; scripts and the TLS engine branch on these. */
export type ValidationFailureCode =
  | 'untrusted' // no path to a trust anchor
  | 'bad-signature' // a signature does not verify with its issuer's key
  | 'expired'
  | 'not-yet-valid'
  | 'not-a-ca' // an issuer without basicConstraints cA
  | 'path-length' // a pathLenConstraint exceeded
  | 'key-usage' // an issuer without keyCertSign, or a leaf whose keyUsage does not fit the purpose
  | 'purpose' // extendedKeyUsage without the purpose
  | 'host-mismatch'
  | 'critical-extension' // a critical extension kyman does not process
  | 'weak-algorithm' // signed with MD5, whose collisions forge certificates
  | 'name-constraints';

export interface ValidationReason {
  code: ValidationFailureCode;
  /** In words, for people: `certificate has expired: CN=… expired 2024-01-01T00:00:00Z`. */
  message: string;
  /** The subject of the certificate at fault, when there is one. */
  certificate?: string;
}

export interface ValidationResult {
  valid: boolean;
  /** Leaf first, up to the trust anchor: the path that validated, or the best one tried. */
  chain: CertificateInfo[];
  /** The first failure, when not valid. */
  reason?: ValidationReason;
}


/**
 * Critical extensions this module processes, or whose criticality changes nothing here:
 * RFC 5280 §6.1.4 (o) lets a path through only when every critical extension is recognised.
 * Certificate policies are accepted with user-initial-policy-set = anyPolicy and no explicit
 * policy required (§6.1.1 c–f), so reading them cannot fail a path; policyConstraints and
 * inhibitAnyPolicy could, and so are not on the list.
 */
const UNDERSTOOD_CRITICAL: ReadonlySet<string> = new Set([
  OID.id_ce_basicConstraints,
  OID.id_ce_keyUsage,
  OID.id_ce_extKeyUsage,
  OID.id_ce_nameConstraints,
  OID.id_ce_subjectAltName, // critical when the subject is empty, §4.2.1.6
  OID.id_ce_issuerAltName,
  OID.id_ce_subjectKeyIdentifier,
  OID.id_ce_authorityKeyIdentifier,
  OID.id_ce_certificatePolicies,
]);

/** How many paths the search may finish before it stops: a hostile bundle of cross-certificates must not make it run on. */
const MAX_PATHS_TRIED = 32;
/** How many certificates the search may step onto in all, finished paths or not, for the same reason. */
const MAX_SEARCH_STEPS = 1024;

/** One certificate as the validator sees it. */
interface Node {
  readonly info: CertificateInfo;
  readonly anchor: boolean;
  readonly parsed: Certificate;
}

const key = (der: Uint8Array) => Buffer.from(der.buffer, der.byteOffset, der.length).toString('base64');
/** RFC 5280 §7.1 name comparison, approximated as name.ts does it: case folded, spaces squeezed. */
const foldName = (name: string) => name.toLowerCase().replace(/ +/g, ' ');
const timeText = (d: Date) => d.toISOString().replace(/\.000Z$/, 'Z');

/**
 * Builds a path from `leaf` to one of the trust anchors through the intermediates, and validates
 * it as RFC 5280 §6 does (signatures, validity at `at`, basic constraints, path length, key
 * usage, name constraints, critical extensions), then the leaf for its purpose and host name.
 * Every path found is tried, so a valid one is found even when a bundle holds a stale
 * cross-certificate too. A chain that does not validate is a result, not an error; BAD_INPUT is
 * thrown only for a certificate that cannot be read.
 */
export function validateChain(provider: CryptoProvider, leaf: Uint8Array, options: ValidateOptions): ValidationResult {
  const at = options.at ?? new Date();
  const purpose = options.purpose ?? 'any';
  const nodes = new Map<string, Node>();
  const add = (der: Uint8Array, anchor: boolean) => {
    const k = key(der);
    const seen = nodes.get(k);
    if (seen) {
      if (anchor && !seen.anchor) nodes.set(k, { ...seen, anchor: true });
      return;
    }
    nodes.set(k, { info: readCertificate(provider, der), anchor, parsed: AsnParser.parse(der, Certificate) });
  };
  for (const der of options.trustAnchors) add(der, true);
  for (const der of options.intermediates ?? []) add(der, false);
  // The leaf may itself be an anchor (a trusted self-signed server certificate).
  const leafNode = nodes.get(key(leaf)) ?? { info: readCertificate(provider, leaf), anchor: false, parsed: AsnParser.parse(leaf, Certificate) };
  const candidates = [...nodes.values()].filter((n) => n !== leafNode);

  const complete: Node[][] = [];
  let longestOpen: Node[] = [leafNode];
  let steps = 0;
  const search = (path: Node[]) => {
    if (complete.length >= MAX_PATHS_TRIED || ++steps > MAX_SEARCH_STEPS) return;
    const last = path[path.length - 1];
    if (last.anchor) {
      complete.push(path);
      return;
    }
    if (path.length > longestOpen.length) longestOpen = path;
    if (path.length >= MAX_CHAIN_LENGTH) return;
    for (const issuer of issuersOf(provider, last, candidates, path)) search([...path, issuer]);
  };
  search([leafNode]);

  if (complete.length === 0) {
    const top = longestOpen[longestOpen.length - 1].info;
    const message = top.selfSigned
      ? `no trusted root: ${top.subject || '(empty subject)'} is self-signed and not trusted`
      : `no trusted root: the issuer of ${top.subject || '(empty subject)'} (${top.issuer || 'empty name'}) is not among the trusted certificates`;
    return { valid: false, chain: longestOpen.map((n) => n.info), reason: { code: 'untrusted', message, certificate: top.subject } };
  }
  let first: ValidationResult | undefined;
  for (const path of complete) {
    const reason = checkPath(provider, path, at, purpose, options.host);
    const result: ValidationResult = { valid: !reason, chain: path.map((n) => n.info), ...(reason ? { reason } : {}) };
    if (!reason) return result;
    first ??= result;
  }
  return first!;
}

/**
 * The certificates that may have issued `child`: the subject names its issuer, and the key
 * identifiers agree when both are there (RFC 5280 §4.2.1.1). Those whose key verifies the
 * signature come first, anchors before intermediates; the rest stay, last, so a chain with a
 * broken signature is reported as that rather than as "no issuer".
 */
function issuersOf(provider: CryptoProvider, child: Node, candidates: readonly Node[], path: readonly Node[]): Node[] {
  const c = child.info;
  const found = candidates.filter((n) => {
    if (path.includes(n)) return false;
    // Loops through a re-issued certificate (same subject and key) are loops all the same.
    if (path.some((p) => p.info.subject === n.info.subject && key(p.info.publicKey.spki) === key(n.info.publicKey.spki))) return false;
    if (foldName(n.info.subject) !== foldName(c.issuer)) return false;
    return !(c.authorityKeyIdentifier && n.info.subjectKeyIdentifier && c.authorityKeyIdentifier !== n.info.subjectKeyIdentifier);
  });
  const rank = (n: Node) => (verifyCertificateSignature(provider, c.der, n.info.publicKey.spki) ? 0 : 2) + (n.anchor ? 0 : 1);
  return found.map((n) => ({ n, r: rank(n) })).sort((a, b) => a.r - b.r).map((x) => x.n);
}

/** RFC 5280 §6.1: the path from the anchor down, then the leaf for what it is used for. Undefined when valid. */
function checkPath(provider: CryptoProvider, path: readonly Node[], at: Date, purpose: ValidationPurpose, host: string | undefined): ValidationReason | undefined {
  const n = path.length;
  const constraints: NameConstraints[] = [];
  for (let i = n - 1; i >= 0; i--) {
    const cert = path[i].info;
    const who = cert.subject || '(empty subject)';
    const fail = (code: ValidationFailureCode, message: string): ValidationReason => ({ code, message, certificate: cert.subject });

    // MD5 collisions forged a CA certificate in 2008 (the "rogue CA"; RFC 6151 §2). Go, NSS and the
    // browsers refuse MD5; OpenSSL 3.0 at security level 1 still accepts it, and here we differ on purpose.
    if (i < n - 1 && /^md5/i.test(cert.signatureAlgorithm)) return fail('weak-algorithm', `${who} is signed with ${cert.signatureAlgorithm}, which can be forged`);
    // §6.1.3 (a)(1): the signature, with the key of the certificate above. The anchor's own
    // signature is not part of the path: it is trusted as configured (RFC 5280 §6.1.1 d).
    if (i < n - 1 && !verifyCertificateSignature(provider, cert.der, path[i + 1].info.publicKey.spki)) {
      return fail('bad-signature', `certificate signature does not verify: ${who} was not signed by the key of ${path[i + 1].info.subject || '(empty subject)'}`);
    }
    // §6.1.3 (a)(2): the validity period, for the anchor too, as OpenSSL and browsers check it.
    if (at.getTime() > cert.notAfter.getTime()) return fail('expired', `certificate has expired: ${who} expired ${timeText(cert.notAfter)}`);
    if (at.getTime() < cert.notBefore.getTime()) return fail('not-yet-valid', `certificate is not yet valid: ${who} is valid from ${timeText(cert.notBefore)}`);

    // §6.1.3 (b), (c): names below a CA with name constraints stay inside them. Self-issued
    // intermediates are exempt (§6.1.3 b: "unless it is self-issued and not the final certificate").
    const selfIssued = foldName(cert.subject) === foldName(cert.issuer);
    if (i < n - 1 && constraints.length && !(selfIssued && i > 0)) {
      const broken = nameConstraintViolation(path[i], constraints);
      if (broken) return fail('name-constraints', `name constraints violated: ${who} has ${broken}, which an issuing CA does not permit`);
    }

    // §6.1.4 (o) for issuers, §6.1.5 (e) for the leaf: every critical extension must be processed.
    const unknown = cert.extensions.find((e) => e.critical && !UNDERSTOOD_CRITICAL.has(e.oid));
    if (unknown) return fail('critical-extension', `unhandled critical extension ${unknown.name === unknown.oid ? unknown.oid : `${unknown.name} (${unknown.oid})`} in ${who}`);

    if (i > 0) {
      // §6.1.4 (k): an issuer must be a CA. A v1 certificate has no basicConstraints; one that is a
      // self-signed anchor is accepted as a root (§6.1.4 k allows "verified through out-of-band means").
      const v1Root = cert.version < 3 && i === n - 1 && cert.selfSigned;
      if (!cert.isCA && !v1Root) return fail('not-a-ca', `not a CA certificate: ${who} issued ${path[i - 1].info.subject || 'a certificate'} but has no basicConstraints cA`);
      // §6.1.4 (l), (m): pathLenConstraint counts the non-self-issued intermediates below it.
      if (cert.pathLength !== undefined) {
        let below = 0;
        for (let j = 1; j < i; j++) if (foldName(path[j].info.subject) !== foldName(path[j].info.issuer)) below++;
        if (below > cert.pathLength) {
          return fail('path-length', `path length constraint exceeded: ${who} allows ${cert.pathLength} intermediate CA${cert.pathLength === 1 ? '' : 's'} below it, the chain has ${below}`);
        }
      }
      // §6.1.4 (n): when keyUsage is present, keyCertSign must be set.
      if (hasExtension(cert, OID.id_ce_keyUsage) && !cert.keyUsage.includes('keyCertSign')) {
        return fail('key-usage', `CA key usage lacks keyCertSign: ${who} may not sign certificates`);
      }
      // Not RFC 5280, but what OpenSSL, NSS and Chrome do: an EKU on a CA limits the chain below it.
      if (purpose !== 'any' && !allowsPurpose(cert, purpose)) {
        return fail('purpose', `${who} (a CA) limits its chain to ${cert.extendedKeyUsage.join(', ')}, not ${purposeEku(purpose)}`);
      }
      const nc = cert.extensions.some((e) => e.oid === OID.id_ce_nameConstraints) ? readNameConstraints(path[i].parsed) : undefined;
      if (nc) constraints.push(nc);
    }
  }

  const leaf = path[0].info;
  const who = leaf.subject || '(empty subject)';
  if (purpose !== 'any') {
    const leafFail = leafPurposeProblem(leaf, purpose);
    if (leafFail) return { ...leafFail, certificate: leaf.subject, message: `${leafFail.message}: ${who}` };
  }
  if (host !== undefined && !matchesHost(path[0].info, host, path[0].parsed)) {
    const names = leaf.subjectAltNames.filter((s) => s.startsWith('dns:') || s.startsWith('ip:'));
    const shown = names.length ? names.join(', ') : commonNames(path[0].parsed).map((cn) => `CN=${cn}`).join(', ') || 'no names';
    return { code: 'host-mismatch', message: `host name ${host} does not match ${shown}`, certificate: leaf.subject };
  }
  return undefined;
}

const hasExtension = (cert: CertificateInfo, oid: string) => cert.extensions.some((e) => e.oid === oid);
const purposeEku = (purpose: ValidationPurpose) => (purpose === 'server' ? 'serverAuth' : 'clientAuth');

/** RFC 5280 §4.2.1.12: no EKU means any purpose; otherwise the purpose or anyExtendedKeyUsage must be there. */
function allowsPurpose(cert: CertificateInfo, purpose: ValidationPurpose): boolean {
  if (purpose === 'any' || !hasExtension(cert, OID.id_ce_extKeyUsage)) return true;
  return cert.extendedKeyUsage.includes(purposeEku(purpose)) || cert.extendedKeyUsage.includes('anyExtendedKeyUsage');
}

/**
 * The leaf's keyUsage and EKU for TLS (RFC 5246 §7.4.2, RFC 8446 §4.4.2.2): a server signs the
 * handshake, or decrypts (RSA) or agrees (static ECDH) a key; a client signs or agrees. These are
 * the bits OpenSSL's sslserver and sslclient purposes accept.
 */
function leafPurposeProblem(leaf: CertificateInfo, purpose: ValidationPurpose): Omit<ValidationReason, 'certificate'> | undefined {
  if (!allowsPurpose(leaf, purpose)) {
    return { code: 'purpose', message: `extended key usage ${leaf.extendedKeyUsage.join(', ') || '(empty)'} does not allow ${purposeEku(purpose)}` };
  }
  if (hasExtension(leaf, OID.id_ce_keyUsage)) {
    const wanted = purpose === 'server' ? ['digitalSignature', 'keyEncipherment', 'keyAgreement'] : ['digitalSignature', 'keyAgreement'];
    if (!wanted.some((u) => leaf.keyUsage.includes(u))) {
      return { code: 'key-usage', message: `key usage ${leaf.keyUsage.join(', ') || '(empty)'} allows no TLS ${purpose} use (needs ${wanted.join(' or ')})` };
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Host names (RFC 6125)
// ---------------------------------------------------------------------------------------------

/** A host name in the form names are compared in: A-labels, lower case, no trailing dot (RFC 6125 §6.4.1, §6.4.2). */
function normaliseHost(host: string): string | undefined {
  const bare = host.trim().replace(/\.$/, '');
  if (bare === '' || bare.startsWith('.')) return undefined;
  const ascii = /^[\x21-\x7e]+$/.test(bare) ? bare : domainToASCII(bare);
  return ascii ? ascii.toLowerCase() : undefined;
}

/**
 * Whether a presented DNS name matches the host. A wildcard counts only as the whole left-most
 * label, stands for exactly one label, and needs two more labels after it, so `*.example.com`
 * matches `a.example.com` but neither `a.b.example.com` nor `example.com`, and `*.com` nothing
 * (RFC 6125 §6.4.3, as the CA/Browser Forum limits it; partial-label wildcards such as
 * `w*.example.com` or `xn--*` are refused, as RFC 9525 §6.3 now says).
 */
export function dnsNameMatches(presented: string, host: string): boolean {
  const pattern = normaliseHost(presented);
  const name = normaliseHost(host);
  if (!pattern || !name) return false;
  if (!pattern.includes('*')) return pattern === name;
  const p = pattern.split('.');
  const h = name.split('.');
  if (p[0] !== '*' || p.slice(1).some((l) => l.includes('*')) || p.length < 3 || p.length !== h.length) return false;
  if (h[0] === '') return false;
  return p.slice(1).every((l, i) => l === h[i + 1]);
}

function ipBytes(text: string): Uint8Array | undefined {
  try {
    return parseIpAddress(text.replace(/^\[(.*)\]$/, '$1'));
  } catch {
    return undefined;
  }
}

/**
 * RFC 6125 §6: an IP address matches only an iPAddress name; a DNS name matches a dNSName, or
 * (§6.4.4) the subject's CN when the certificate has no dNSName at all.
 */
export function matchesHost(cert: CertificateInfo, host: string, parsed?: Certificate): boolean {
  const ip = ipBytes(host.trim());
  if (ip) {
    const text = formatIpAddress(ip);
    return cert.subjectAltNames.some((s) => s.startsWith('ip:') && ipBytes(s.slice(3)) !== undefined && formatIpAddress(ipBytes(s.slice(3))!) === text);
  }
  const dnsNames = cert.subjectAltNames.filter((s) => s.startsWith('dns:')).map((s) => s.slice(4));
  if (dnsNames.length) return dnsNames.some((d) => dnsNameMatches(d, host));
  return commonNames(parsed ?? AsnParser.parse(cert.der, Certificate)).some((cn) => dnsNameMatches(cn, host));
}

function commonNames(cert: Certificate): string[] {
  const out: string[] = [];
  for (const rdn of cert.tbsCertificate.subject) for (const atv of rdn) if (atv.type === OID.id_at_commonName) out.push(atv.value.toString());
  return out;
}

// ---------------------------------------------------------------------------------------------
// Name constraints (RFC 5280 §4.2.1.10, §6.1.3 b–c)
// ---------------------------------------------------------------------------------------------

function readNameConstraints(cert: Certificate): NameConstraints | undefined {
  const ext = cert.tbsCertificate.extensions?.find((e) => e.extnID === OID.id_ce_nameConstraints);
  return ext ? AsnParser.parse(ext.extnValue, NameConstraints) : undefined;
}

type NameForm = 'dns' | 'ip' | 'dir' | 'email' | 'uri' | 'other';

function formOf(gn: GeneralName): NameForm {
  if (gn.dNSName !== undefined) return 'dns';
  if (gn.iPAddress !== undefined) return 'ip';
  if (gn.directoryName !== undefined) return 'dir';
  if (gn.rfc822Name !== undefined) return 'email';
  if (gn.uniformResourceIdentifier !== undefined) return 'uri';
  return 'other';
}

/** DER of each RDN, so a directoryName subtree is an RDN prefix of the subject (§4.2.1.10). */
const rdnsOf = (rdns: Iterable<RelativeDistinguishedName>) => [...rdns].map((r) => key(encodeRelativeDistinguishedName(r)));

/** Whether `name` lies in the subtree `base`; undefined when kyman cannot decide for this form. */
function inSubtree(base: GeneralName, name: GeneralName): boolean | undefined {
  if (base.dNSName !== undefined && name.dNSName !== undefined) {
    // §4.2.1.10: any name made by adding labels to the left of the constraint is inside it.
    const b = base.dNSName.toLowerCase().replace(/^\./, '');
    const d = name.dNSName.toLowerCase().replace(/\.$/, '');
    return b === '' || d === b || d.endsWith(`.${b}`);
  }
  if (base.iPAddress !== undefined && name.iPAddress !== undefined) {
    const [address, prefixText] = base.iPAddress.split('/');
    const net = ipBytes(address);
    const ip = ipBytes(name.iPAddress);
    const prefix = Number(prefixText);
    if (!net || !ip || net.length !== ip.length || !Number.isInteger(prefix)) return false;
    for (let bit = 0; bit < prefix; bit++) {
      const m = 0x80 >> bit % 8;
      if ((net[bit >> 3] & m) !== (ip[bit >> 3] & m)) return false;
    }
    return true;
  }
  if (base.directoryName !== undefined && name.directoryName !== undefined) {
    const b = rdnsOf(base.directoryName);
    const s = rdnsOf(name.directoryName);
    return b.length <= s.length && b.every((r, i) => r === s[i]);
  }
  return undefined;
}

/** The first name of the certificate outside its issuers' constraints, described; undefined when all are inside. */
function nameConstraintViolation(node: Node, constraints: readonly NameConstraints[]): string | undefined {
  const names: GeneralName[] = [];
  const subject = node.parsed.tbsCertificate.subject;
  if (subject.length) names.push(new GeneralName({ directoryName: subject }));
  for (const s of node.info.subjectAltNames) {
    if (s.startsWith('dns:')) names.push(new GeneralName({ dNSName: s.slice(4) }));
    else if (s.startsWith('ip:')) names.push(new GeneralName({ iPAddress: s.slice(3) }));
    else if (s.startsWith('email:')) names.push(new GeneralName({ rfc822Name: s.slice(6) }));
    else if (s.startsWith('uri:')) names.push(new GeneralName({ uniformResourceIdentifier: s.slice(4) }));
    else names.push(new GeneralName({ registeredID: '0.0' })); // a form kyman does not check
  }
  const describe = (gn: GeneralName) => (gn.directoryName ? `subject ${node.info.subject}` : node.info.subjectAltNames[names.indexOf(gn) - (subject.length ? 1 : 0)]);
  for (const nc of constraints) {
    for (const name of names) {
      const form = formOf(name);
      for (const sub of nc.excludedSubtrees ?? []) {
        if (formOf(sub.base) !== form) continue;
        const inside = inSubtree(sub.base, name);
        // §4.2.1.10: a constraint on a form that cannot be processed rejects the certificate.
        if (inside !== false) return `${describe(name)} (excluded or not checkable)`;
      }
      const permitted = (nc.permittedSubtrees ?? []).filter((sub) => formOf(sub.base) === form);
      if (permitted.length && !permitted.some((sub) => inSubtree(sub.base, name) === true)) return describe(name);
    }
  }
  return undefined;
}
