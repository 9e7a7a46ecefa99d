// The lingering close after a fatal alert: the transport half-closed, what the peer still sends read and dropped for a bounded while.

import type { Duplex } from 'node:stream';

/**
 * After a fatal alert the transport is half-closed and what the peer still sends is read and
 * dropped (a lingering close, as nginx does), so the peer reads the alert instead of a TCP reset
 * that can discard it. It ends when the peer closes, after this long without data, or after
 * LINGER_MAX_BYTES: the largest handshake message a peer may be in the middle of (2^24 bytes) and
 * its records' overhead.
 */
const LINGER_IDLE_MS = 5_000;
const LINGER_MAX_BYTES = 2 ** 24 + 2 ** 20;

/** See LINGER_IDLE_MS: reads and drops the peer's bytes until it closes, goes quiet or sends too much, then destroys the transport. */
export function lingerThenDestroy(t: Duplex): void {
  if (t.destroyed) return;
  let left = LINGER_MAX_BYTES;
  const timer = setTimeout(() => t.destroy(), LINGER_IDLE_MS);
  timer.unref();
  t.on('data', (chunk: Buffer) => {
    left -= chunk.length;
    if (left < 0) t.destroy();
    else timer.refresh();
  });
  t.once('end', () => t.destroy());
  t.once('close', () => clearTimeout(timer));
  t.resume();
}
