// A TLS session saved to a file (`tls client --sess-out`) and read back by a later run (`--sess-in`): TLS 1.3 tickets and TLS 1.2 ids and tickets.

import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { badInput, notFound, usage } from '../errors.js';
import type { TlsSession } from '../tls/index.js';

/** The first line of a session file, so that a wrong file is told apart from a damaged one. */
const MAGIC = 'kyman-tls-session';
/** The layout of the file; a later layout gets a new number and this reader refuses it. */
const FORMAT = 1;
/** Only the owner may read it: it holds the session's secret (the TLS 1.3 PSK or the TLS 1.2 master secret). */
const FILE_MODE = 0o600;

const b64 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
const unb64 = (s: unknown, what: string): Uint8Array => {
  if (typeof s !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) throw badInput(`the session file's ${what} is not base64`);
  return Uint8Array.from(Buffer.from(s, 'base64'));
};

/** The session as JSON text: every byte field base64, everything a resumption needs (suite, name, lifetime, the server's chain). */
export function encodeSession(s: TlsSession): string {
  const common = { format: FORMAT, version: s.version, cipherSuite: s.cipherSuite, ...(s.serverName !== undefined ? { serverName: s.serverName } : {}), createdAt: s.createdAt, lifetimeSeconds: s.lifetimeSeconds, peerCertificates: s.peerCertificates.map(b64) };
  const body =
    s.version === 'TLSv1.3'
      ? { ...common, ticket: b64(s.ticket), ticketAgeAdd: s.ticketAgeAdd, psk: b64(s.psk) }
      : {
          ...common,
          group: s.group,
          sessionId: b64(s.sessionId),
          ...(s.ticket ? { ticket: b64(s.ticket) } : {}),
          extendedMasterSecret: s.extendedMasterSecret,
          masterSecret: b64(s.masterSecret),
          ...(s.encryptThenMac ? { encryptThenMac: true } : {}),
        };
  return `${MAGIC}\n${JSON.stringify(body, null, 1)}\n`;
}

/** Reads what encodeSession wrote; BAD_INPUT for anything else. */
export function decodeSession(text: string): TlsSession {
  const nl = text.indexOf('\n');
  if (nl < 0 || text.slice(0, nl).trim() !== MAGIC) throw badInput(`not a kyman session file (it does not start with "${MAGIC}")`);
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(text.slice(nl + 1)) as Record<string, unknown>;
  } catch (e) {
    throw badInput('the session file is damaged (not JSON)', e);
  }
  if (o.format !== FORMAT) throw badInput(`the session file has format ${String(o.format)}; this kyman reads format ${FORMAT}`);
  const num = (k: string) => {
    if (typeof o[k] !== 'number' || !Number.isFinite(o[k])) throw badInput(`the session file has no ${k}`);
    return o[k] as number;
  };
  const str = (k: string) => {
    if (typeof o[k] !== 'string') throw badInput(`the session file has no ${k}`);
    return o[k] as string;
  };
  if (!Array.isArray(o.peerCertificates)) throw badInput('the session file has no peerCertificates');
  const common = {
    cipherSuite: str('cipherSuite'),
    ...(typeof o.serverName === 'string' ? { serverName: o.serverName } : {}),
    createdAt: num('createdAt'),
    lifetimeSeconds: num('lifetimeSeconds'),
    peerCertificates: o.peerCertificates.map((c, i) => unb64(c, `certificate ${i + 1}`)),
  };
  if (o.version === 'TLSv1.3') {
    return { version: 'TLSv1.3', ...common, ticket: unb64(o.ticket, 'ticket'), ticketAgeAdd: num('ticketAgeAdd') >>> 0, psk: unb64(o.psk, 'psk') } as TlsSession;
  }
  if (o.version === 'TLSv1.2') {
    return {
      version: 'TLSv1.2',
      ...common,
      group: str('group'),
      sessionId: unb64(o.sessionId, 'sessionId'),
      ...(o.ticket !== undefined ? { ticket: unb64(o.ticket, 'ticket') } : {}),
      extendedMasterSecret: o.extendedMasterSecret === true,
      masterSecret: unb64(o.masterSecret, 'masterSecret'),
      ...(o.encryptThenMac === true ? { encryptThenMac: true } : {}),
      // The master secret is branded so the engine alone makes one; a saved session is the engine's own, read back.
    } as unknown as TlsSession;
  }
  throw badInput(`the session file's version ${String(o.version)} is neither TLSv1.2 nor TLSv1.3`);
}

/** Writes `session` to `file`, readable by its owner only (the mode is set even when the file was there before). */
export function writeSessionFile(file: string, session: TlsSession): void {
  try {
    writeFileSync(file, encodeSession(session), { mode: FILE_MODE });
    chmodSync(file, FILE_MODE);
  } catch (e) {
    throw usage(`cannot write the session to ${file}: ${(e as Error).message}`, e);
  }
}

export function readSessionFile(file: string): TlsSession {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw notFound(`${file}: no such session file`, e);
    throw usage(`cannot read ${file}: ${(e as Error).message}`, e);
  }
  try {
    return decodeSession(text);
  } catch (e) {
    throw e instanceof Error && 'code' in e ? badInput(`${file}: ${e.message}`, e) : e;
  }
}
