// `tls probe`'s engine: scan an endpoint hello by hello, fetch its chain with one real handshake, and rank what to fix.

import type { CryptoProvider } from '../../crypto/provider.js';
import { softwareProvider } from '../../crypto/software.js';
import { CIPHER_SUITES, CIPHER_SUITES_TLS12, GROUPS } from '../../tls/suites.js';
import { probe } from '../probe.js';
import type { KeyStore } from '../../keystore/types.js';
import type { TrustStore } from '../trust-store.js';
import { checkChain, EXPIRY_WARNING_DAYS, type ChainFindings } from './chain.js';
import { resolveChecks, wants, type Check } from './checks.js';
import { compareWithDatabase, databaseFindings, type DatabaseComparison } from './db-compare.js';
import { DEFAULT_ALPN, handshakeChecks, type HandshakeBase, type HandshakeChecks } from './handshake-checks.js';
import { scanEndpoint, type ScanResult, type Target } from './scan.js';
import type { SuiteFlag } from './suite-names.js';

export { ALL_CHECKS, CHECKS, FLEET_CHECKS, parseChecks, resolveChecks, type Check } from './checks.js';
export { checkChain, EXPIRY_WARNING_DAYS, MIN_RSA_BITS, type ChainFindings, type SentCertificate } from './chain.js';
export { compareWithDatabase, databaseFindings, type DatabaseComparison, type RelatedEntry } from './db-compare.js';
export { scanEndpoint, sendHello, DEFAULT_HELLO_TIMEOUT_MS, MAX_HELLOS, PROBED_VERSIONS, VERSION_NAMES, type ScanResult, type SuiteFinding, type Target, type VersionFinding } from './scan.js';
export { clientHelloRecord, readServerAnswer, type HelloSpec, type ServerAnswer } from './hello.js';
export { DEFAULT_ALPN, handshakeChecks, type AlpnFinding, type HandshakeChecks, type ResumptionFindings } from './handshake-checks.js';
export { helloChecks, type HelloChecks } from './behaviour.js';
export { schemeName, type SchemeFinding } from './signature-schemes.js';
export { suiteFlags, suiteName, type SuiteFlag } from './suite-names.js';

/** The one real handshake that fetches the chain: within this long, as `tls client`'s default. */
export const CHAIN_HANDSHAKE_TIMEOUT_MS = 10_000;

/** The chain handshake offers every suite the engine speaks, CBC ones too: it is there to see the chain, not to protect data. */
const ENGINE_SUITES = [...CIPHER_SUITES, ...CIPHER_SUITES_TLS12].map((s) => s.name);
/** x25519's share first: a fraction of the ML-KEM hybrid's cost, which a fleet pays once an endpoint; the groups themselves are the hellos' to find. */
const CHAIN_GROUPS = [...GROUPS.filter((g) => !g.optIn)].sort((a, b) => Number(b.name === 'x25519') - Number(a.name === 'x25519')).map((g) => g.name);

export interface EndpointProbeOptions extends Target {
  trustStore: TrustStore;
  provider?: CryptoProvider;
  now?: Date;
  /** A key database to hold the chain against: the report then has `db`, and a mismatch is a finding. */
  database?: KeyStore;
  /** ALPN protocols to offer (RFC 7301), to see which the server chooses; default DEFAULT_ALPN. */
  alpn?: readonly string[];
}

/** A TLS 1.2-or-older DHE prime shorter than this is weak (Logjam; RFC 7919 starts its groups at 2048 bits). */
export const MIN_DHE_BITS = 2048;

export type Severity = 'critical' | 'high' | 'medium' | 'low';

export interface Finding {
  severity: Severity;
  /** What to fix, in words. */
  text: string;
}

export interface EndpointReport {
  host: string;
  port: number;
  serverName: string;
  /** What was looked at (`--checks`); what was not is absent or empty below. */
  checks: Check[];
  /** What the hellos found (the clear-text chain, raw, left out: it is in `chain`). */
  scan: Omit<ScanResult, 'legacyChain'>;
  /** The chain check, and where the chain came from; `why` when there is none. */
  chain?: ChainFindings & { source: 'handshake' | 'hello' };
  chainWhy?: string;
  /** Resumption and ALPN, from handshakes on kyman's engine (with the behaviour check). */
  handshakes?: HandshakeChecks;
  /** The chain held against `database`, when one was given and a chain came. */
  db?: DatabaseComparison;
  /** Worst first. */
  findings: Finding[];
  /** The first finding's text, or that nothing needs fixing. */
  verdict: string;
}

const RANK: Readonly<Record<Severity, number>> = { critical: 0, high: 1, medium: 2, low: 3 };
const SUITE_SEVERITY: Readonly<Record<SuiteFlag, Severity>> = { NULL: 'critical', EXPORT: 'critical', anon: 'critical', RC4: 'high', DES: 'high', '3DES': 'high', MD5: 'high', 'RSA-kx': 'medium', CBC: 'low' };
const SUITE_WORDS: Readonly<Record<SuiteFlag, string>> = {
  NULL: 'no encryption',
  EXPORT: 'export-grade keys',
  anon: 'no authentication',
  RC4: 'RC4 (RFC 7465)',
  DES: 'single DES',
  '3DES': '3DES (Sweet32)',
  MD5: 'an MD5 MAC',
  'RSA-kx': 'RSA key exchange (no forward secrecy)',
  CBC: 'CBC (MAC-then-encrypt)',
};

function rank(scan: ScanResult, chain: EndpointReport['chain'], chainWhy: string | undefined, checks: readonly Check[]): Finding[] {
  const out: Finding[] = [];
  if (chain) {
    if (!chain.path.valid) out.push({ severity: 'critical', text: `the certificate chain does not validate: ${chain.path.reason ?? 'no path to a trust anchor'}` });
    if (chain.missingIntermediate) out.push({ severity: 'high', text: `missing intermediate: ${chain.missingIntermediate}: the server must send it after its certificate` });
    if (!chain.nameMatch) out.push({ severity: 'critical', text: `the certificate does not name ${chain.serverName}` });
    if (chain.daysLeft >= 0 && chain.daysLeft < EXPIRY_WARNING_DAYS) out.push({ severity: 'high', text: `the certificate expires in ${chain.daysLeft} days: renew it` });
    if (!chain.inOrder) out.push({ severity: 'medium', text: 'the server sends its chain out of order: send the leaf first, each certificate followed by its issuer' });
    if (chain.extra.length) out.push({ severity: 'low', text: `the server sends certificates its chain does not use: ${chain.extra.join('; ')}` });
    if (chain.sent.some((c) => c.weakKey)) out.push({ severity: 'high', text: 'a certificate in the chain has a weak key' });
    if (chain.sent.some((c) => c.weakSignature)) out.push({ severity: 'high', text: 'a certificate in the chain is signed with SHA-1 or MD5' });
  } else if (chainWhy) out.push({ severity: 'medium', text: `the chain could not be checked: ${chainWhy}` });
  const old = scan.versions.filter((v) => v.offered && v.deprecated).map((v) => v.version);
  if (old.length) out.push({ severity: 'high', text: `turn off ${old.join(', ')} (RFC 8996${old.includes('SSL 3') ? ', RFC 7568' : ''})` });
  const byFlag = new Map<SuiteFlag, Set<string>>();
  for (const v of scan.versions) for (const s of v.suites) for (const f of s.flags) byFlag.set(f, (byFlag.get(f) ?? new Set()).add(s.name));
  for (const [flag, names] of byFlag) out.push({ severity: SUITE_SEVERITY[flag], text: `remove the suites with ${SUITE_WORDS[flag]}: ${[...names].join(', ')}` });
  if (scan.behaviour.secureRenegotiation === false) out.push({ severity: 'medium', text: 'turn on secure renegotiation (RFC 5746): the server does not answer renegotiation_info' });
  if (scan.behaviour.extendedMasterSecret === false) out.push({ severity: 'medium', text: 'turn on the extended master secret (RFC 7627): without it TLS 1.2 sessions are open to the triple handshake attack' });
  const c = scan.checks;
  if (c.compression) out.push({ severity: 'high', text: 'turn off TLS compression: it leaks secrets in the data (CRIME)' });
  if (c.downgradeSentinel === false) out.push({ severity: 'medium', text: "the server speaks TLS 1.3 but its older ServerHellos lack the downgrade sentinel (RFC 8446 §4.1.3): clients cannot see a downgrade" });
  if (c.fallbackScsv === false) out.push({ severity: 'medium', text: 'refuse fallbacks (RFC 7507): the server takes an older version from a client that signals TLS_FALLBACK_SCSV' });
  if (c.dheBits !== undefined && c.dheBits < MIN_DHE_BITS) out.push({ severity: 'medium', text: `use a DHE group of at least ${MIN_DHE_BITS} bits (RFC 7919 ffdhe2048): the server's prime has ${c.dheBits} (Logjam)` });
  const sha1 = (scan.signatureSchemes.tls12 ?? []).filter((s) => s.weak).map((s) => s.name);
  if (sha1.length) out.push({ severity: 'medium', text: `stop signing TLS 1.2 key exchanges with ${sha1.join(', ')} (RFC 9155)` });
  if (c.heartbeat) out.push({ severity: 'low', text: 'turn off the heartbeat extension (RFC 6520): nothing needs it, and it was the way in for Heartbleed' });
  if (c.encryptThenMac === false) out.push({ severity: 'low', text: 'turn on encrypt-then-MAC (RFC 7366) for the CBC suites, or remove them' });
  if (scan.silentHellos) {
    const n = scan.silentHellos === 1 ? 'a hello' : `${scan.silentHellos} hellos`;
    out.push({ severity: 'medium', text: `${n} got no answer in time, each taken as a refusal, so the lists above may be short: the server, or something in front of it, keeps silent where it should refuse with an alert; probe again with a longer hello timeout to tell a slow server from a silent one` });
  }
  const tls13 = scan.versions.find((v) => v.version === 'TLS 1.3');
  if (!wants(checks, 'versions')) {
    // Not asked: nothing to say about versions, or about groups without them.
  } else if (!tls13?.offered) out.push({ severity: 'medium', text: 'turn on TLS 1.3' });
  else if (wants(checks, 'groups') && !scan.groups.some((g) => g.pq)) out.push({ severity: 'low', text: 'offer a post-quantum hybrid group (X25519MLKEM768) for TLS 1.3' });
  return out.sort((a, b) => RANK[a.severity] - RANK[b.severity]);
}

/**
 * Scans `host:port` (versions, suites, groups, signature schemes and the behaviour hellos show;
 * each hello on its own connection), then fetches the chain with one handshake of kyman's engine
 * (TLS 1.3 or 1.2), or, from a server that speaks only older versions, from the Certificate
 * message it sent in clear, and checks it; a few more handshakes try resumption and ALPN.
 */
export async function probeEndpoint(o: EndpointProbeOptions): Promise<EndpointReport> {
  const provider = o.provider ?? softwareProvider();
  const serverName = o.serverName ?? o.host;
  const checks = resolveChecks(o.checks);
  const scan = await scanEndpoint({ ...o, checks });
  // No anchors: checkChain validates the chain; the handshake's own check would only do it twice.
  const base: HandshakeBase = { host: o.host, port: o.port, serverName, verify: 'insecure', provider, cipherSuites: ENGINE_SUITES, groups: CHAIN_GROUPS, allowNoExtendedMasterSecret: true, timeoutMs: CHAIN_HANDSHAKE_TIMEOUT_MS, ...(o.starttls ? { starttls: o.starttls } : {}) };
  const offered = (name: string) => scan.versions.some((v) => v.offered && v.version === name);
  let chain: EndpointReport['chain'];
  let chainWhy: string | undefined;
  // Without the version hellos, the handshake is the only way to learn whether the engine can speak to it.
  const modern = !scan.versions.length || offered('TLS 1.3') || offered('TLS 1.2');
  let sent: Uint8Array[] | undefined;
  let source: 'handshake' | 'hello' = 'handshake';
  if (modern && wants(checks, 'chain')) {
    o.signal?.throwIfAborted();
    try {
      const r = await probe(base);
      sent = [...r.summary.peerCertificates];
    } catch (e) {
      chainWhy = `kyman's handshake failed: ${e instanceof Error ? e.message : String(e)}`;
    }
  }
  if (!sent && scan.legacyChain?.length && wants(checks, 'chain')) {
    sent = scan.legacyChain;
    source = 'hello';
    chainWhy = undefined;
  }
  if (sent?.length) chain = { ...checkChain(provider, sent, serverName, o.trustStore, o.now), source };
  else if (wants(checks, 'chain')) chainWhy ??= 'the server sent no certificate';
  const engineOnly = 'kyman\'s engine speaks TLS 1.3 and 1.2 only';
  const handshakes = !wants(checks, 'behaviour')
    ? undefined
    : modern
      ? await handshakeChecks(base, { tls13: offered('TLS 1.3'), tls12: offered('TLS 1.2') }, o.alpn)
      : { resumption: { why: engineOnly }, alpn: { offered: [...(o.alpn ?? DEFAULT_ALPN)], why: engineOnly } };
  const db = o.database && sent?.length ? compareWithDatabase(provider, sent, o.database, o.now) : undefined;
  const findings = rank(scan, chain, chainWhy, checks);
  if (db) {
    findings.push(...databaseFindings(db));
    findings.sort((a, b) => RANK[a.severity] - RANK[b.severity]);
  }
  const { legacyChain: _raw, ...found } = scan;
  return {
    host: o.host,
    port: o.port,
    serverName,
    checks,
    scan: found,
    ...(chain ? { chain } : {}),
    ...(chainWhy ? { chainWhy } : {}),
    handshakes,
    ...(db ? { db } : {}),
    findings,
    verdict: findings.length ? `fix first: ${findings[0].text}` : 'nothing to fix: modern versions, suites and groups, and a valid chain',
  };
}
