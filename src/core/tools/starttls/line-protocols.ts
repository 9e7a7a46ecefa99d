// The client side of STARTTLS for the line protocols: SMTP (RFC 3207), IMAP (RFC 3501 §6.2.1), POP3 (RFC 2595 §4) and FTP (RFC 4217 §4).

import { failed } from '../../errors.js';
import type { PlainReader } from './plain-reader.js';

/** A line protocol's multi-line reply, read whole. */
interface Reply {
  code: string;
  lines: string[];
}

/** RFC 5321 §4.2 (and RFC 959 §4.2 for FTP): `250-…` continues, `250 …` ends the reply. */
async function readCodedReply(r: PlainReader): Promise<Reply> {
  const lines: string[] = [];
  for (;;) {
    const line = await r.readLine();
    lines.push(line);
    const m = /^(\d{3})([ -]|$)/.exec(line);
    // FTP allows free text between "220-" and "220 " (RFC 959 §4.2): only a coded line with a space ends it.
    if (m && m[2] !== '-') return { code: m[1], lines };
    if (!m && lines.length === 1) throw failed(`${r.peer} does not answer as the protocol says: ${JSON.stringify(line.slice(0, 120))}`);
  }
}

const oneLine = (reply: Reply) => reply.lines.join(' | ').slice(0, 400);

/**
 * RFC 5321 §4.1.4: a client with no name of its own says EHLO with an address literal; that is
 * the address this connection comes from, which any server accepts.
 */
export function ehloName(localAddress: string | undefined): string {
  if (!localAddress) return '[127.0.0.1]';
  return localAddress.includes(':') ? `[IPv6:${localAddress}]` : `[${localAddress}]`;
}

/** RFC 3207: the 220 greeting, EHLO, STARTTLS in the EHLO reply, STARTTLS, 220. */
export async function smtpStarttls(r: PlainReader, name: string): Promise<string[]> {
  const greeting = await readCodedReply(r);
  if (greeting.code !== '220') throw failed(`${r.peer} refused the connection: ${oneLine(greeting)}`);
  r.write(`EHLO ${name}\r\n`);
  const ehlo = await readCodedReply(r);
  if (ehlo.code !== '250') throw failed(`${r.peer} refused EHLO ${name}: ${oneLine(ehlo)}`);
  if (!ehlo.lines.slice(1).some((l) => /^250[ -]STARTTLS\b/i.test(l))) throw failed(`${r.peer} did not offer STARTTLS (EHLO reply: ${oneLine(ehlo)})`);
  r.write('STARTTLS\r\n');
  const go = await readCodedReply(r);
  if (go.code !== '220') throw failed(`${r.peer} refused STARTTLS: ${oneLine(go)}`);
  return [...greeting.lines, ...ehlo.lines, ...go.lines];
}

/** RFC 3501: the greeting, CAPABILITY (STARTTLS among them), then `STARTTLS` and its tagged OK. */
export async function imapStarttls(r: PlainReader): Promise<string[]> {
  const greeting = await r.readLine();
  if (!/^\* (OK|PREAUTH)\b/i.test(greeting)) throw failed(`${r.peer} refused the connection: ${greeting.slice(0, 200)}`);
  if (/^\* PREAUTH\b/i.test(greeting)) throw failed(`${r.peer} greeted with PREAUTH: STARTTLS is not allowed once authenticated (RFC 3501 §6.2.1)`);
  const tagged = async (tag: string): Promise<{ status: string; lines: string[] }> => {
    const lines: string[] = [];
    for (;;) {
      const line = await r.readLine();
      lines.push(line);
      if (line.startsWith(`${tag} `)) return { status: line.slice(tag.length + 1).split(' ')[0].toUpperCase(), lines };
      if (!line.startsWith('* ') && !line.startsWith('+')) throw failed(`${r.peer} does not answer as IMAP does: ${JSON.stringify(line.slice(0, 120))}`);
    }
  };
  r.write('a CAPABILITY\r\n');
  const caps = await tagged('a');
  const capabilityLine = caps.lines.find((l) => /^\* CAPABILITY /i.test(l)) ?? '';
  if (caps.status !== 'OK' || !/\sSTARTTLS(\s|$)/i.test(capabilityLine)) {
    throw failed(`${r.peer} did not offer STARTTLS (CAPABILITY reply: ${caps.lines.join(' | ').slice(0, 400)})`);
  }
  r.write('b STARTTLS\r\n');
  const go = await tagged('b');
  if (go.status !== 'OK') throw failed(`${r.peer} refused STARTTLS: ${go.lines.join(' | ').slice(0, 400)}`);
  return [greeting, ...caps.lines, ...go.lines];
}

/** RFC 2595 §4, RFC 2449: the +OK greeting, CAPA (STLS among them, when the server has CAPA), STLS, +OK. */
export async function pop3Starttls(r: PlainReader): Promise<string[]> {
  const greeting = await r.readLine();
  if (!greeting.startsWith('+OK')) throw failed(`${r.peer} refused the connection: ${greeting.slice(0, 200)}`);
  r.write('CAPA\r\n');
  const capa = [await r.readLine()];
  if (capa[0].startsWith('+OK')) {
    // RFC 1939 §3: a multi-line response ends with a line of a single dot.
    while (capa[capa.length - 1] !== '.') capa.push(await r.readLine());
    if (!capa.some((l) => /^STLS\b/i.test(l))) throw failed(`${r.peer} did not offer STLS (CAPA reply: ${capa.join(' | ').slice(0, 400)})`);
  }
  // A server without CAPA (-ERR) may still take STLS: it says so in its answer.
  r.write('STLS\r\n');
  const go = await r.readLine();
  if (!go.startsWith('+OK')) throw failed(`${r.peer} refused STLS: ${go.slice(0, 200)}`);
  return [greeting, ...capa, go];
}

/** RFC 4217 §4: the 220 greeting, AUTH TLS, 234. */
export async function ftpStarttls(r: PlainReader): Promise<string[]> {
  const greeting = await readCodedReply(r);
  if (greeting.code !== '220') throw failed(`${r.peer} refused the connection: ${oneLine(greeting)}`);
  r.write('AUTH TLS\r\n');
  const go = await readCodedReply(r);
  if (go.code !== '234') throw failed(`${r.peer} refused AUTH TLS: ${oneLine(go)}`);
  return [...greeting.lines, ...go.lines];
}
