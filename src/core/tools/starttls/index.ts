// STARTTLS, the client side: the plaintext dialogue each protocol needs before its TLS handshake, on a connected socket.

import type * as net from 'node:net';
import { usage } from '../../errors.js';
import { ftpStarttls, imapStarttls, pop3Starttls, smtpStarttls, ehloName } from './line-protocols.js';
import { ldapStarttls } from './ldap.js';
import { DEFAULT_DIALOGUE_TIMEOUT_MS, PlainReader } from './plain-reader.js';
import { postgresStarttls } from './postgres.js';
import { xmppStarttls } from './xmpp.js';

/** The protocols `startTls` speaks, as `openssl s_client -starttls` names them. */
export const STARTTLS_PROTOCOLS = ['smtp', 'imap', 'pop3', 'ftp', 'ldap', 'postgres', 'xmpp'] as const;
export type StarttlsProtocol = (typeof STARTTLS_PROTOCOLS)[number];

export interface StarttlsOptions {
  protocol: StarttlsProtocol;
  /** SMTP: the name said in EHLO (default: the address literal of this end of the connection, RFC 5321 §4.1.4). */
  name?: string;
  /** XMPP: the domain in the stream header's `to` (default: `host`). */
  xmppHost?: string;
  /** The server's name, for the XMPP default and for errors. */
  host: string;
  port: number;
  /** The whole dialogue within this long. */
  timeoutMs?: number;
}

export interface StarttlsResult {
  protocol: StarttlsProtocol;
  /** What the server said before TLS, one entry a line or element: greeting, capabilities, the go-ahead. */
  serverSaid: string[];
}

/** USAGE for a protocol name `startTls` does not speak. */
export function starttlsProtocol(name: string): StarttlsProtocol {
  const p = name.toLowerCase();
  if (!(STARTTLS_PROTOCOLS as readonly string[]).includes(p)) throw usage(`--starttls ${name} is not a protocol kyman speaks: use one of ${STARTTLS_PROTOCOLS.join(', ')}`);
  return p as StarttlsProtocol;
}

/**
 * Runs the protocol's dialogue up to the point where TLS starts, then detaches: hand `socket` to
 * the TLS engine (`connect({ socket })`) in the same tick the promise resolves in. A server that
 * refuses, does not offer STARTTLS, goes quiet or sends too much is a FAILED error of one line
 * naming the server and what it said.
 */
export async function startTls(socket: net.Socket, options: StarttlsOptions): Promise<StarttlsResult> {
  const { protocol } = options;
  const where = `${options.host.includes(':') ? `[${options.host}]` : options.host}:${options.port}`;
  const r = new PlainReader(socket, `${protocol} server at ${where}`, options.timeoutMs ?? DEFAULT_DIALOGUE_TIMEOUT_MS);
  try {
    const serverSaid = await dialogue(r, options, socket);
    r.release();
    return { protocol, serverSaid };
  } catch (e) {
    r.abandon();
    throw e;
  }
}

function dialogue(r: PlainReader, o: StarttlsOptions, socket: net.Socket): Promise<string[]> {
  switch (o.protocol) {
    case 'smtp':
      return smtpStarttls(r, o.name ?? ehloName(socket.localAddress));
    case 'imap':
      return imapStarttls(r);
    case 'pop3':
      return pop3Starttls(r);
    case 'ftp':
      return ftpStarttls(r);
    case 'ldap':
      return ldapStarttls(r);
    case 'postgres':
      return postgresStarttls(r);
    case 'xmpp':
      return xmppStarttls(r, o.xmppHost ?? o.host);
  }
}
