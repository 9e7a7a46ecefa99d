// The client side of XMPP's STARTTLS (RFC 6120 §5): stream header, <starttls/> among the stream features, <proceed/>.

import { failed } from '../../errors.js';
import type { PlainReader } from './plain-reader.js';

const TLS_NS = 'urn:ietf:params:xml:ns:xmpp-tls';
/** The features element, with or without the stream prefix, closed or empty. */
const FEATURES = /<(?:[\w-]+:)?features\b[^>]*?(?:\/>|>[\s\S]*?<\/(?:[\w-]+:)?features\s*>)/;
/** A stream error instead of features. */
const STREAM_ERROR = /<(?:[\w-]+:)?error\b[\s\S]*?<\/(?:[\w-]+:)?error\s*>/;
const PROCEED_OR_FAILURE = /<(proceed|failure)\b[^>]*?(?:\/>|>[\s\S]*?<\/\1\s*>)/;

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/'/g, '&apos;').replace(/</g, '&lt;');

/**
 * RFC 6120 §4.2 and §5.4: open a client stream to `domain`, read the features, ask for STARTTLS
 * when they offer it, and expect <proceed/>. The XML is read as text: before TLS a server sends
 * only these few elements, and the reader bounds how much.
 */
export async function xmppStarttls(r: PlainReader, domain: string): Promise<string[]> {
  r.write(`<?xml version='1.0'?><stream:stream to='${escapeXml(domain)}' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>`);
  const { text } = await r.readUntil(new RegExp(`${FEATURES.source}|${STREAM_ERROR.source}`));
  const error = STREAM_ERROR.exec(text);
  const features = FEATURES.exec(text);
  if (!features || (error && error.index < features.index)) {
    const condition = /<([\w-]+)\s+xmlns=['"]urn:ietf:params:xml:ns:xmpp-streams['"]/.exec(error?.[0] ?? '')?.[1] ?? 'unknown';
    throw failed(`${r.peer} ended the stream for ${domain} with a stream error (${condition})`);
  }
  if (!new RegExp(`<starttls\\b[^>]*xmlns=['"]${TLS_NS}['"]`).test(features[0])) {
    throw failed(`${r.peer} did not offer STARTTLS to ${domain} (stream features: ${features[0].replace(/\s+/g, ' ').slice(0, 300)})`);
  }
  r.write(`<starttls xmlns='${TLS_NS}'/>`);
  const { match } = await r.readUntil(PROCEED_OR_FAILURE);
  if (match[1] !== 'proceed') throw failed(`${r.peer} refused STARTTLS: <failure/>`);
  return [features[0].replace(/\s+/g, ' '), match[0]];
}
