// The client side of LDAP's StartTLS extended operation (RFC 4511 §4.14, RFC 4513 §3): one request, its result code.

import { failed } from '../../errors.js';
import { integer, sequence, tlv } from '../../der/writer.js';
import type { PlainReader } from './plain-reader.js';

/** RFC 4511 §4.14.1: the requestName of StartTLS. */
export const START_TLS_OID = '1.3.6.1.4.1.1466.20037';
/** An ExtendedResponse is a result code and two short strings; anything near this is not one. */
const MAX_LDAP_MESSAGE = 16 * 1024;
/** BER lengths of up to four octets: Active Directory writes `84 00 00 00 nn` where DER would use one. */
const MAX_LENGTH_OCTETS = 4;

const MESSAGE_ID = 1;
/** RFC 4511 §4.12: [APPLICATION 23] ExtendedRequest, [APPLICATION 24] ExtendedResponse, [0] requestName. */
const EXTENDED_REQUEST = 0x77;
const EXTENDED_RESPONSE = 0x78;
const REQUEST_NAME = 0x80;

/** RFC 4511 Appendix A: the result codes a StartTLS refusal carries, by name. */
const RESULT_CODES: Readonly<Record<number, string>> = {
  0: 'success',
  1: 'operationsError',
  2: 'protocolError',
  8: 'strongerAuthRequired',
  12: 'unavailableCriticalExtension',
  51: 'busy',
  52: 'unavailable',
  53: 'unwillingToPerform',
  80: 'other',
};

/** The StartTLS ExtendedRequest: LDAPMessage { messageID 1, [APPLICATION 23] { [0] "1.3.6.1.4.1.1466.20037" } }. */
export function startTlsRequest(): Uint8Array {
  return sequence(integer(MESSAGE_ID), tlv(EXTENDED_REQUEST, tlv(REQUEST_NAME, new TextEncoder().encode(START_TLS_OID))));
}

interface Header {
  tag: number;
  valueStart: number;
  end: number;
}

/** One BER tag and definite length at `offset` of `b`, within `limit`. */
function header(b: Uint8Array, offset: number, limit: number): Header {
  if (offset + 2 > limit) throw new Error('truncated');
  const tag = b[offset];
  let length = b[offset + 1];
  let valueStart = offset + 2;
  if (length & 0x80) {
    const octets = length & 0x7f;
    if (octets === 0 || octets > MAX_LENGTH_OCTETS || valueStart + octets > limit) throw new Error('bad length');
    length = 0;
    for (let i = 0; i < octets; i++) length = length * 256 + b[valueStart + i];
    valueStart += octets;
  }
  if (valueStart + length > limit) throw new Error('runs past its container');
  return { tag, valueStart, end: valueStart + length };
}

/** Reads one LDAPMessage whole: its header first, then as many bytes as it says. */
async function readMessage(r: PlainReader): Promise<Uint8Array> {
  const first = await r.readBytes(2);
  if (first[0] !== 0x30) throw failed(`${r.peer} does not answer as LDAP does (first byte 0x${first[0].toString(16)})`);
  let lengthBytes: Buffer = Buffer.alloc(0);
  if (first[1] & 0x80) {
    const octets = first[1] & 0x7f;
    if (octets === 0 || octets > MAX_LENGTH_OCTETS) throw failed(`${r.peer} sent an LDAP message with a length kyman does not read`);
    lengthBytes = await r.readBytes(octets);
  }
  const head = Buffer.concat([first, lengthBytes]);
  let length = first[1] & 0x80 ? 0 : first[1];
  for (const o of lengthBytes) length = length * 256 + o;
  if (length > MAX_LDAP_MESSAGE) throw failed(`${r.peer} sent an LDAP message of ${length} bytes in answer to StartTLS`);
  return new Uint8Array(Buffer.concat([head, await r.readBytes(length)]));
}

/** The ExtendedResponse's result code and diagnostic message, or why it is not one. */
export function readExtendedResponse(message: Uint8Array): { messageId: number; resultCode: number; diagnostic: string } {
  const outer = header(message, 0, message.length);
  const id = header(message, outer.valueStart, outer.end);
  if (id.tag !== 0x02 || id.end - id.valueStart > 4) throw new Error('no messageID');
  let messageId = 0;
  for (let i = id.valueStart; i < id.end; i++) messageId = messageId * 256 + message[i];
  const op = header(message, id.end, outer.end);
  if (op.tag !== EXTENDED_RESPONSE) throw new Error(`protocolOp is tag 0x${op.tag.toString(16)}, not an ExtendedResponse`);
  const code = header(message, op.valueStart, op.end);
  if (code.tag !== 0x0a || code.end - code.valueStart !== 1) throw new Error('no resultCode');
  const matchedDn = header(message, code.end, op.end);
  const diagnostic = header(message, matchedDn.end, op.end);
  return { messageId, resultCode: message[code.valueStart], diagnostic: Buffer.from(message.subarray(diagnostic.valueStart, diagnostic.end)).toString('utf8') };
}

/** RFC 4511 §4.14: send the StartTLS request, expect resultCode success (0) for messageID 1. */
export async function ldapStarttls(r: PlainReader): Promise<string[]> {
  r.socket.write(startTlsRequest());
  const message = await readMessage(r);
  let response: ReturnType<typeof readExtendedResponse>;
  try {
    response = readExtendedResponse(message);
  } catch (e) {
    throw failed(`${r.peer} did not answer StartTLS with an ExtendedResponse: ${(e as Error).message}`);
  }
  const name = RESULT_CODES[response.resultCode] ?? 'unknown';
  const said = `resultCode ${response.resultCode} (${name})${response.diagnostic ? `: ${response.diagnostic}` : ''}`;
  // RFC 4511 §4.4.1: messageID 0 is the Notice of Disconnection, sent when the server is going away.
  if (response.messageId === 0) throw failed(`${r.peer} disconnected instead of answering StartTLS: ${said}`);
  if (response.resultCode !== 0) throw failed(`${r.peer} refused StartTLS: ${said}`);
  return [said];
}
