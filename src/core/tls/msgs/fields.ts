// What every message and extension codec is: one object that encodes, decodes and names its fields for the trace.

import { toHex } from '../../bytes.js';

/** A trace field: the RFC's name and a rendered value, or nested fields. */
export interface TraceField {
  readonly name: string;
  readonly value: string | number | readonly TraceField[];
}

/** Names of suites, groups, schemes and versions: the trace gives these, from the tables in suites.ts. */
export interface Namer {
  suite(id: number): string;
  group(id: number): string;
  scheme(id: number): string;
  version(v: number): string;
}

/**
 * A handshake message's codec (RFC 8446 §4, RFC 5246 §7.4). `encode` gives the whole message,
 * header included, as the transcript takes it; `decode` reads the body; `fields` is what the
 * trace shows, named as `decode` names them. Only the trace calls `fields`.
 */
export interface MessageCodec<T> {
  readonly type: number;
  /** The RFC's name of the message (`ClientHello` …). */
  readonly name: string;
  /** A message whose name depends on its content (a HelloRetryRequest is a ServerHello). */
  readonly nameOf?: (m: T) => string;
  encode(m: T): Uint8Array;
  decode(body: Uint8Array): T;
  fields(m: T, n: Namer): TraceField[];
}

/** An extension's codec (RFC 8446 §4.2): `extension_data` to a value and back, and the value as the trace shows it. */
export interface ExtensionCodec<T, E = T> {
  encode(v: E): Uint8Array;
  decode(data: Uint8Array): T;
  fields(v: T, n: Namer): TraceField['value'];
}

/** Bytes as the trace shows them. */
export const hex = (b: Uint8Array): string => (b.length ? toHex(b) : '(empty)');
export const field = (name: string, value: TraceField['value']): TraceField => ({ name, value });
