// The endpoints of a fleet probe: `host[:port] [servername] [starttls]` a line, and HOST:PORT as every TLS command takes it.

import { isIP } from 'node:net';
import { KymanError, usage } from '../../errors.js';
import { STARTTLS_PROTOCOLS, type StarttlsProtocol } from '../starttls/index.js';

/** The port a target without one is probed on. */
export const DEFAULT_TLS_PORT = 443;

export interface FleetTarget {
  host: string;
  port: number;
  serverName?: string;
  starttls?: StarttlsProtocol;
  /** The line of the list it was read from, for messages. */
  line: number;
}

/** `host:port`, `[v6]:port`, or a bare host (port 443). USAGE when it is none of them. */
export function parseHostPort(target: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(target) ?? /^([^:]+)(?::(\d+))?$/.exec(target);
  const bareV6 = !m && isIP(target) === 6;
  if (!m && !bareV6) throw usage(`${target} is not HOST:PORT (write an IPv6 address as [::1]:443)`);
  const host = bareV6 ? target : m![1];
  const port = bareV6 || m![2] === undefined ? DEFAULT_TLS_PORT : Number(m![2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw usage(`${port} is not a TCP port (1 to 65535)`);
  return { host, port };
}

const isProtocol = (word: string): word is StarttlsProtocol => (STARTTLS_PROTOCOLS as readonly string[]).includes(word.toLowerCase());

/**
 * Reads a target list: one `host[:port] [servername] [starttls]` a line, `#` to the end of a line
 * a comment, blank lines skipped. A word that names a STARTTLS protocol is the protocol wherever it
 * stands, so `mail.example.com:25 smtp` needs no servername; `-` as servername means the host's own.
 * `source` names the list in messages. USAGE, naming the line, for the first line that does not read.
 */
export function parseTargets(text: string, source = 'the target list'): FleetTarget[] {
  const targets: FleetTarget[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const words = lines[i].replace(/#.*/, '').trim().split(/\s+/).filter(Boolean);
    if (!words.length) continue;
    const line = i + 1;
    const at = (why: string) => usage(`${source} line ${line}: ${why}`);
    if (words.length > 3) throw at(`"${lines[i].trim()}" has ${words.length} words; a line is host[:port] [servername] [starttls]`);
    let hostPort: { host: string; port: number };
    try {
      hostPort = parseHostPort(words[0]);
    } catch (e) {
      throw e instanceof KymanError ? at(e.message) : e;
    }
    const target: FleetTarget = { ...hostPort, line };
    for (const w of words.slice(1)) {
      if (isProtocol(w) && !target.starttls) target.starttls = w.toLowerCase() as StarttlsProtocol;
      else if (target.serverName === undefined && !isProtocol(w)) {
        if (w !== '-') {
          if (!/^[A-Za-z0-9_.*-]+$/.test(w) && isIP(w) === 0) throw at(`"${w}" is not a server name`);
          target.serverName = w;
        }
      } else throw at(`"${w}" is a second ${isProtocol(w) ? 'STARTTLS protocol' : 'server name'}`);
    }
    targets.push(target);
  }
  return targets;
}
