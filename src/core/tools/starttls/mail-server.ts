// STARTTLS, the server side, for `kyman tls server --starttls smtp|imap|pop3`: greet, answer the capability query, agree to STARTTLS; after TLS, enough of the protocol for a mail client's test.

import type * as net from 'node:net';
import type { Duplex } from 'node:stream';
import { failed, usage } from '../../errors.js';
import { DEFAULT_DIALOGUE_TIMEOUT_MS, MAX_LINE_LENGTH, PlainReader } from './plain-reader.js';

/** The protocols the test server can start TLS in. */
export const SERVER_STARTTLS_PROTOCOLS = ['smtp', 'imap', 'pop3'] as const;
export type ServerStarttlsProtocol = (typeof SERVER_STARTTLS_PROTOCOLS)[number];

/** Commands a client may send before STARTTLS: a client that keeps talking without it is not testing TLS. */
const MAX_COMMANDS_BEFORE_TLS = 20;
/** A DATA body the server reads (and drops) after TLS: a test message, not a mailbox. */
const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;
/** The name the server gives itself in greetings. */
const SERVER_NAME = 'kyman.test';

/** USAGE for a protocol the test server does not speak. */
export function serverStarttlsProtocol(name: string): ServerStarttlsProtocol {
  const p = name.toLowerCase();
  if (!(SERVER_STARTTLS_PROTOCOLS as readonly string[]).includes(p)) throw usage(`tls server --starttls ${name}: the server side speaks ${SERVER_STARTTLS_PROTOCOLS.join(', ')}`);
  return p as ServerStarttlsProtocol;
}

const SMTP_EXTENSIONS = ['PIPELINING', '8BITMIME', 'ENHANCEDSTATUSCODES', `SIZE ${MAX_MESSAGE_BYTES}`];
const IMAP_CAPABILITIES = 'IMAP4rev1 LITERAL+ AUTH=PLAIN';
const POP3_CAPABILITIES = ['USER', 'UIDL', 'TOP'];

/**
 * Plays the server's part up to the go-ahead for TLS, then detaches: hand `socket` to the TLS
 * engine in the same tick. Rejects (FAILED, one line) when the client quits, goes quiet, or sends
 * more commands than a STARTTLS test needs. A command pipelined after STARTTLS is refused, not
 * carried into TLS (RFC 3207 §6).
 */
export async function acceptStarttls(socket: net.Socket, protocol: ServerStarttlsProtocol, timeoutMs = DEFAULT_DIALOGUE_TIMEOUT_MS): Promise<void> {
  const r = new PlainReader(socket, `${protocol} client at ${socket.remoteAddress}:${socket.remotePort}`, timeoutMs);
  try {
    await serverDialogue(r, protocol);
    r.release();
  } catch (e) {
    r.abandon();
    throw e;
  }
}

async function serverDialogue(r: PlainReader, protocol: ServerStarttlsProtocol): Promise<void> {
  const greetings = { smtp: `220 ${SERVER_NAME} ESMTP kyman tls server\r\n`, imap: `* OK [CAPABILITY ${IMAP_CAPABILITIES} STARTTLS LOGINDISABLED] kyman tls server ready\r\n`, pop3: '+OK kyman tls server ready\r\n' };
  r.write(greetings[protocol]);
  for (let n = 0; n < MAX_COMMANDS_BEFORE_TLS; n++) {
    const line = await r.readLine();
    const answer = protocol === 'smtp' ? smtpBefore(line) : protocol === 'imap' ? imapBefore(line) : pop3Before(line);
    if (answer.startTls && r.pending) {
      throw failed(`${r.peer} sent ${r.pending} bytes after ${protocol === 'pop3' ? 'STLS' : 'STARTTLS'} before the server's answer (a STARTTLS injection?): refused`);
    }
    r.write(answer.reply);
    if (answer.startTls) return;
    if (answer.quit) throw failed(`${r.peer} quit before STARTTLS`);
  }
  throw failed(`${r.peer} sent ${MAX_COMMANDS_BEFORE_TLS} commands without STARTTLS`);
}

interface Answer {
  reply: string;
  startTls?: boolean;
  quit?: boolean;
  /** SMTP DATA: the lines that follow are the message, up to a lone dot. */
  data?: boolean;
}

const verbOf = (line: string) => line.split(' ')[0].toUpperCase();

/** RFC 3207 §4: EHLO lists STARTTLS; STARTTLS is answered 220; mail commands wait for TLS (530). */
function smtpBefore(line: string): Answer {
  switch (verbOf(line)) {
    case 'EHLO':
      return { reply: ehloReply(true) };
    case 'HELO':
      return { reply: `250 ${SERVER_NAME}\r\n` };
    case 'STARTTLS':
      return { reply: '220 2.0.0 Ready to start TLS\r\n', startTls: true };
    case 'NOOP':
    case 'RSET':
      return { reply: '250 2.0.0 Ok\r\n' };
    case 'QUIT':
      return { reply: '221 2.0.0 Bye\r\n', quit: true };
    default:
      return { reply: '530 5.7.0 Must issue a STARTTLS command first\r\n' };
  }
}

const ehloReply = (offerTls: boolean) =>
  [SERVER_NAME, ...SMTP_EXTENSIONS, ...(offerTls ? ['STARTTLS'] : [])].map((l, i, all) => `250${i === all.length - 1 ? ' ' : '-'}${l}\r\n`).join('');

/** RFC 3501 §6.2.1: STARTTLS in CAPABILITY, LOGINDISABLED before TLS, a tagged OK to begin. */
function imapBefore(line: string): Answer {
  const [tag, command = ''] = line.split(' ');
  switch (command.toUpperCase()) {
    case 'CAPABILITY':
      return { reply: `* CAPABILITY ${IMAP_CAPABILITIES} STARTTLS LOGINDISABLED\r\n${tag} OK CAPABILITY completed\r\n` };
    case 'STARTTLS':
      return { reply: `${tag} OK Begin TLS negotiation now\r\n`, startTls: true };
    case 'NOOP':
      return { reply: `${tag} OK NOOP completed\r\n` };
    case 'LOGOUT':
      return { reply: `* BYE kyman tls server logging out\r\n${tag} OK LOGOUT completed\r\n`, quit: true };
    default:
      return { reply: `${tag} NO [PRIVACYREQUIRED] STARTTLS first\r\n` };
  }
}

/** RFC 2595 §4: STLS in CAPA, +OK to begin. */
function pop3Before(line: string): Answer {
  switch (verbOf(line)) {
    case 'CAPA':
      return { reply: `+OK capability list follows\r\n${[...POP3_CAPABILITIES, 'STLS'].join('\r\n')}\r\n.\r\n` };
    case 'STLS':
      return { reply: '+OK Begin TLS negotiation\r\n', startTls: true };
    case 'NOOP':
      return { reply: '+OK\r\n' };
    case 'QUIT':
      return { reply: '+OK bye\r\n', quit: true };
    default:
      return { reply: '-ERR STLS first\r\n' };
  }
}

/**
 * After TLS, the part of the protocol a mail client's test walks through: SMTP takes EHLO, MAIL,
 * RCPT and DATA (the message read and dropped), IMAP takes LOGIN, SELECT and LOGOUT on an empty
 * INBOX, POP3 takes USER, PASS, STAT and QUIT on an empty maildrop. Every login is accepted.
 * `close` ends the connection when the client quits.
 */
export function answerMailClient(conn: Duplex, protocol: ServerStarttlsProtocol, close: () => void): void {
  let pending: Buffer = Buffer.alloc(0);
  let inData = false;
  let dataBytes = 0;
  const say = (s: string) => conn.write(s, 'latin1');
  conn.on('data', (d: Buffer) => {
    pending = pending.length ? Buffer.concat([pending, d]) : d;
    for (;;) {
      const nl = pending.indexOf(0x0a);
      if (nl < 0) {
        if (pending.length > MAX_LINE_LENGTH && !inData) {
          say(protocol === 'smtp' ? '500 5.5.0 Line too long\r\n' : protocol === 'imap' ? '* BAD line too long\r\n' : '-ERR line too long\r\n');
          close();
        }
        return;
      }
      const line = pending.toString('latin1', 0, nl).replace(/\r$/, '');
      pending = pending.subarray(nl + 1);
      if (inData) {
        dataBytes += line.length + 2;
        if (line === '.') {
          inData = false;
          say(`250 2.0.0 Ok: ${dataBytes - 3} bytes received and dropped (kyman tls server keeps no mail)\r\n`);
        } else if (dataBytes > MAX_MESSAGE_BYTES) {
          say('552 5.3.4 Message too big\r\n');
          close();
          return;
        }
        continue;
      }
      const reply = protocol === 'smtp' ? smtpAfter(line) : protocol === 'imap' ? imapAfter(line) : pop3After(line);
      say(reply.reply);
      if (reply.data) {
        inData = true;
        dataBytes = 0;
      }
      if (reply.quit) {
        close();
        return;
      }
    }
  });
}

function smtpAfter(line: string): Answer {
  switch (verbOf(line)) {
    case 'EHLO':
      return { reply: ehloReply(false) };
    case 'HELO':
      return { reply: `250 ${SERVER_NAME}\r\n` };
    case 'MAIL':
      return { reply: '250 2.1.0 Ok\r\n' };
    case 'RCPT':
      return { reply: '250 2.1.5 Ok\r\n' };
    case 'DATA':
      return { reply: '354 End data with <CR><LF>.<CR><LF>\r\n', data: true };
    case 'NOOP':
    case 'RSET':
      return { reply: '250 2.0.0 Ok\r\n' };
    case 'STARTTLS':
      return { reply: '503 5.5.1 TLS already active\r\n' };
    case 'QUIT':
      return { reply: '221 2.0.0 Bye\r\n', quit: true };
    default:
      return { reply: '502 5.5.2 Command not recognized\r\n' };
  }
}

function imapAfter(line: string): Answer {
  const [tag, command = ''] = line.split(' ');
  switch (command.toUpperCase()) {
    case 'CAPABILITY':
      return { reply: `* CAPABILITY ${IMAP_CAPABILITIES}\r\n${tag} OK CAPABILITY completed\r\n` };
    case 'LOGIN':
    case 'AUTHENTICATE':
      return { reply: `${tag} OK [CAPABILITY ${IMAP_CAPABILITIES}] Logged in\r\n` };
    case 'SELECT':
    case 'EXAMINE':
      return { reply: `* FLAGS (\\Seen)\r\n* 0 EXISTS\r\n* 0 RECENT\r\n* OK [UIDVALIDITY 1] UIDs valid\r\n${tag} OK [READ-WRITE] ${command.toUpperCase()} completed\r\n` };
    case 'NOOP':
    case 'CHECK':
    case 'CLOSE':
      return { reply: `${tag} OK ${command.toUpperCase()} completed\r\n` };
    case 'STARTTLS':
      return { reply: `${tag} BAD TLS already active\r\n` };
    case 'LOGOUT':
      return { reply: `* BYE kyman tls server logging out\r\n${tag} OK LOGOUT completed\r\n`, quit: true };
    default:
      return { reply: `${tag} BAD command not known to kyman tls server\r\n` };
  }
}

function pop3After(line: string): Answer {
  switch (verbOf(line)) {
    case 'CAPA':
      return { reply: `+OK capability list follows\r\n${POP3_CAPABILITIES.join('\r\n')}\r\n.\r\n` };
    case 'USER':
    case 'PASS':
    case 'NOOP':
    case 'RSET':
      return { reply: '+OK\r\n' };
    case 'STAT':
      return { reply: '+OK 0 0\r\n' };
    case 'LIST':
    case 'UIDL':
      return { reply: '+OK 0 messages\r\n.\r\n' };
    case 'STLS':
      return { reply: '-ERR TLS already active\r\n' };
    case 'QUIT':
      return { reply: '+OK bye\r\n', quit: true };
    default:
      return { reply: '-ERR command not known to kyman tls server\r\n' };
  }
}
