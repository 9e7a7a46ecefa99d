// The client side of PostgreSQL's SSLRequest (protocol 3.0, "SSL Session Encryption"): eight bytes out, one byte back.

import { failed } from '../../errors.js';
import type { PlainReader } from './plain-reader.js';

/** The SSLRequest code: 1234 in the high 16 bits, 5679 in the low (the PostgreSQL protocol's message formats). */
export const SSL_REQUEST_CODE = 80877103;
/** An ErrorResponse to SSLRequest (a server from before 7.0, or one refusing) is short; read no more than this of it. */
const MAX_ERROR_RESPONSE = 4096;

/** Length 8, then the code. */
export function sslRequest(): Buffer {
  const b = Buffer.alloc(8);
  b.writeInt32BE(8, 0);
  b.writeInt32BE(SSL_REQUEST_CODE, 4);
  return b;
}

/** 'S': TLS may start; 'N': the server does not do SSL; 'E': an ErrorResponse, whose message is read and given. */
export async function postgresStarttls(r: PlainReader): Promise<string[]> {
  r.socket.write(sslRequest());
  const answer = (await r.readBytes(1))[0];
  if (answer === 0x53) return ["SSLRequest answered 'S'"];
  if (answer === 0x4e) throw failed(`${r.peer} does not accept SSL (it answered 'N' to the SSLRequest: ssl is off in its configuration)`);
  if (answer === 0x45) {
    const length = (await r.readBytes(4)).readInt32BE(0);
    const body = length > 4 && length <= MAX_ERROR_RESPONSE ? await r.readBytes(length - 4) : Buffer.alloc(0);
    // Fields are a type byte and a NUL-terminated string; 'M' is the message.
    const message = body.toString('utf8').split('\0').find((f) => f.startsWith('M'))?.slice(1) ?? 'no message';
    throw failed(`${r.peer} refused the SSLRequest: ${message}`);
  }
  throw failed(`${r.peer} does not answer as PostgreSQL does (byte 0x${answer.toString(16)} to the SSLRequest)`);
}
