// A HandshakeChannel without a connection: the messages it reads are given, what it is asked to do is recorded.

import type { HandshakeChannel, HandshakeMessage } from '../../src/core/tls/handshake.js';
import type { RecordProtection } from '../../src/core/tls/record.js';
import { provider } from './tls-credentials.js';

/** One thing the handshake asked of the channel, in order. */
export type ChannelCall =
  | { call: 'sendHandshake'; raw: Uint8Array }
  | { call: 'sendChangeCipherSpec' | 'flush' | 'useTls12Alerts' }
  | { call: 'setReadProtection' | 'setWriteProtection' | 'expectChangeCipherSpec'; protection: RecordProtection }
  | { call: 'trace'; direction: 'sent' | 'received'; name: string };

/** A channel that reads `incoming` (raw handshake messages, header included) in order and records every call. */
export function fakeChannel(incoming: Uint8Array[] = [], tracing = false): HandshakeChannel & { calls: ChannelCall[] } {
  const queue = [...incoming];
  const calls: ChannelCall[] = [];
  return {
    calls,
    provider,
    tracing,
    async readHandshake(): Promise<HandshakeMessage> {
      const raw = queue.shift();
      if (!raw) throw new Error('the fake channel has no more messages');
      return { type: raw[0], body: raw.subarray(4), raw };
    },
    sendHandshake: (raw) => void calls.push({ call: 'sendHandshake', raw }),
    sendChangeCipherSpec: () => void calls.push({ call: 'sendChangeCipherSpec' }),
    flush: () => void calls.push({ call: 'flush' }),
    flushAtEndOfTick: () => void calls.push({ call: 'flush' }),
    setReadProtection: (protection) => void calls.push({ call: 'setReadProtection', protection }),
    setWriteProtection: (protection) => void calls.push({ call: 'setWriteProtection', protection }),
    expectChangeCipherSpec: (protection) => void calls.push({ call: 'expectChangeCipherSpec', protection }),
    allowChangeCipherSpec: () => undefined,
    skipEarlyData: () => undefined,
    trace: (direction, codec) => void calls.push({ call: 'trace', direction, name: codec.name }),
    keyLog: () => undefined,
    newSession: () => undefined,
    useTls12Alerts: () => void calls.push({ call: 'useTls12Alerts' }),
    sendWarningAlert: () => undefined,
  };
}
