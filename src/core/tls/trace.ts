// The handshake trace: renders the fields each codec declares (msgs/); nothing runs when tracing is off.

import type { MessageCodec, Namer, TraceField } from './msgs/fields.js';
import { OTHER_GROUP_NAMES, OTHER_SCHEME_NAMES, SIGNAL_SUITE_NAMES } from './code-point-names.js';
import { anySuiteName, groupById, schemeById } from './suites.js';

export type { TraceField } from './msgs/fields.js';

/** One handshake message as it went over the wire, its fields named as the RFC names them. */
export interface TraceEvent {
  readonly direction: 'sent' | 'received';
  /** `ClientHello`, `HelloRetryRequest`, `Certificate` … */
  readonly message: string;
  readonly fields: readonly TraceField[];
}

export type TraceSink = (event: TraceEvent) => void;

const hex4 = (v: number) => `0x${v.toString(16).padStart(4, '0')}`;

const VERSION_NAMES: Readonly<Record<number, string>> = { 0x0304: 'TLS 1.3', 0x0303: 'TLS 1.2', 0x0302: 'TLS 1.1', 0x0301: 'TLS 1.0' };

/** The names the codecs' fields are rendered with, from the tables in suites.ts; unknown ids as hex. */
export const NAMER: Namer = {
  suite: (id) => anySuiteName(id) ?? SIGNAL_SUITE_NAMES[id] ?? hex4(id),
  group: (id) => groupById(id)?.name ?? OTHER_GROUP_NAMES[id] ?? hex4(id),
  scheme: (id) => schemeById(id)?.name ?? OTHER_SCHEME_NAMES[id] ?? hex4(id),
  version: (v) => VERSION_NAMES[v] ?? hex4(v),
};

/** Hands one decoded message to the sink, rendered by its own codec. Called only when a sink is set. */
export function traceMessage<T>(sink: TraceSink, direction: 'sent' | 'received', codec: MessageCodec<T>, message: T): void {
  sink({ direction, message: codec.nameOf?.(message) ?? codec.name, fields: codec.fields(message, NAMER) });
}

/** A plain-text rendering of an event, one field a line, for `--trace` output. */
export function formatTraceEvent(e: TraceEvent): string {
  const lines = [`${e.direction === 'sent' ? '>>>' : '<<<'} ${e.message}`];
  const walk = (fields: readonly TraceField[], depth: number) => {
    for (const f of fields) {
      if (Array.isArray(f.value)) {
        lines.push(`${'  '.repeat(depth)}${f.name}:`);
        walk(f.value, depth + 1);
      } else {
        lines.push(`${'  '.repeat(depth)}${f.name}: ${f.value}`);
      }
    }
  };
  walk(e.fields, 1);
  return lines.join('\n');
}
