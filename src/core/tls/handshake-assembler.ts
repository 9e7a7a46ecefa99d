// Handshake messages out of handshake records (RFC 8446 §5.1, RFC 5246 §6.2.1): fragments joined, each message's length bounded before it is buffered.

import { allocBytes } from '../bytes.js';
import { fatal } from './alerts.js';
import type { HandshakeMessage } from './handshake.js';
import { HandshakeType, MAX_CERTIFICATE_MESSAGE, MAX_CLIENT_HELLO, MAX_HANDSHAKE_MESSAGE, MESSAGE_NAMES } from './msgs/enums.js';

/** Holds at most one partial message (bounded by its type's limit); whole messages are taken out as they complete. */
export class HandshakeAssembler {
  private bytes: Buffer = Buffer.alloc(0);

  /** Whether part of a message is waiting for the rest: nothing else may arrive meanwhile (§5.1). */
  get pending(): boolean {
    return this.bytes.length > 0;
  }

  append(fragment: Uint8Array): void {
    // §5.1: zero-length handshake fragments MUST NOT be sent.
    if (fragment.length === 0) throw fatal('unexpected_message', 'an empty handshake record arrived');
    this.bytes = this.bytes.length ? Buffer.concat([this.bytes, fragment]) : Buffer.from(fragment);
    if (this.bytes.length >= 4) this.checkLength();
  }

  /** The next whole message, or undefined until the rest of it arrives. */
  take(): HandshakeMessage | undefined {
    const b = this.bytes;
    if (b.length < 4) return undefined;
    this.checkLength();
    const length = (b[1] << 16) | (b[2] << 8) | b[3];
    if (b.length < 4 + length) return undefined;
    const raw = allocBytes(4 + length);
    raw.set(b.subarray(0, 4 + length));
    this.bytes = b.subarray(4 + length);
    return { type: raw[0], body: raw.subarray(4), raw };
  }

  private checkLength(): void {
    const b = this.bytes;
    const length = (b[1] << 16) | (b[2] << 8) | b[3];
    const limit = b[0] === HandshakeType.certificate ? MAX_CERTIFICATE_MESSAGE : b[0] === HandshakeType.client_hello ? MAX_CLIENT_HELLO : MAX_HANDSHAKE_MESSAGE;
    if (length > limit) {
      throw fatal('decode_error', `a ${MESSAGE_NAMES[b[0]] ?? `type ${b[0]}`} handshake message of ${length} bytes exceeds kyman's limit of ${limit}`);
    }
  }
}
