// What only completed handshakes on kyman's engine show: session resumption (TLS 1.2 ids and tickets, TLS 1.3 PSK), TLS 1.3 OCSP stapling and SCTs (encrypted there), and the ALPN protocol chosen.

import type { TlsSession, TlsSession12 } from '../../tls/index.js';
import type { TlsVersionName } from '../../tls/suites.js';
import { probe, type ProbeOptions } from '../probe.js';

/** What `--alpn` offers when not given: the two protocols of the web, so a web server shows its choice. */
export const DEFAULT_ALPN: readonly string[] = ['h2', 'http/1.1'];

export interface ResumptionFindings {
  /** RFC 5246 §7.4.1.2: a session offered by its id alone was resumed. */
  sessionIds?: boolean;
  /** RFC 5077: a session offered by its ticket alone was resumed. */
  tickets?: boolean;
  /** RFC 8446 §2.2: a ticket from a NewSessionTicket was accepted as a PSK. */
  tls13Psk?: boolean;
  /** Why a check could not run, when a handshake failed. */
  why?: string;
}

export interface AlpnFinding {
  offered: string[];
  /** The protocol the server chose; absent when it chose none (or ignores ALPN). */
  chosen?: string;
  /** Why the check could not run (a refusal such as no_application_protocol among them). */
  why?: string;
}

/** TLS 1.3: what the server attached to its leaf's CertificateEntry when asked (RFC 8446 §4.4.2.1, RFC 6962 §3.3). */
export interface Tls13Stapling {
  ocsp: boolean;
  sct: boolean;
}

export interface HandshakeChecks {
  resumption: ResumptionFindings;
  alpn: AlpnFinding;
  /** From the first TLS 1.3 handshake, which asks for both. */
  stapling13?: Tls13Stapling;
}

/** The handshake every check starts from: `probe`'s options but the version, ALPN and session. */
export type HandshakeBase = Omit<ProbeOptions, 'versions' | 'alpnProtocols' | 'session' | 'awaitSession'>;

const failure = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * A full handshake of `version` that waits for a session, then whether each way `offers` of giving it
 * back resumes (`resumed` undefined: no session came). The first handshake's report comes back too.
 */
async function resumes(base: HandshakeBase, version: TlsVersionName, offers: (s: TlsSession) => (TlsSession | undefined)[], firstOptions: Partial<ProbeOptions> = {}) {
  const first = await probe({ ...base, ...firstOptions, versions: [version], awaitSession: true });
  if (!first.session) return { first };
  const resumed: (boolean | undefined)[] = [];
  for (const session of offers(first.session)) resumed.push(session ? (await probe({ ...base, versions: [version], session })).resumed : undefined);
  return { first, resumed };
}

/** RFC 5077 §3.4: the same TLS 1.2 session offered by its id alone, and by its ticket alone, so each says what it does by itself. */
function byIdThenByTicket(s: TlsSession): (TlsSession | undefined)[] {
  const t = s as TlsSession12;
  return [t.sessionId.length ? { ...t, ticket: undefined } : undefined, t.ticket?.length ? { ...t, sessionId: new Uint8Array(0) } : undefined];
}

/** Runs the handshakes for the versions taken: one for ALPN, two for TLS 1.3 PSK, up to three for TLS 1.2. */
export async function handshakeChecks(base: HandshakeBase, takes: { tls13: boolean; tls12: boolean }, alpn: readonly string[] = DEFAULT_ALPN): Promise<HandshakeChecks> {
  const resumption: ResumptionFindings = {};
  let stapling13: Tls13Stapling | undefined;
  const why: string[] = [];
  if (takes.tls13) {
    try {
      const r = await resumes(base, 'TLSv1.3', (s) => [s], { requestCertificateStatus: true });
      resumption.tls13Psk = r.resumed?.[0] ?? false;
      const status = r.first.summary.leafStatus;
      stapling13 = { ocsp: status?.ocspResponse !== undefined, sct: status?.sctList !== undefined };
    } catch (e) {
      why.push(`TLS 1.3: ${failure(e)}`);
    }
  }
  if (takes.tls12) {
    try {
      const [ids, tickets] = (await resumes(base, 'TLSv1.2', byIdThenByTicket)).resumed ?? [];
      resumption.sessionIds = ids ?? false;
      resumption.tickets = tickets ?? false;
    } catch (e) {
      why.push(`TLS 1.2: ${failure(e)}`);
    }
  }
  if (why.length) resumption.why = why.join('; ');
  const found: AlpnFinding = { offered: [...alpn] };
  try {
    const r = await probe({ ...base, alpnProtocols: alpn });
    if (r.alpn !== undefined) found.chosen = r.alpn;
  } catch (e) {
    found.why = failure(e);
  }
  return { resumption, alpn: found, ...(stapling13 ? { stapling13 } : {}) };
}
