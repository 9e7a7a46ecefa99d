// What both server handshakes read from a ClientHello the same way, whatever the version: the server name and the ALPN choice.

import { fatal } from './alerts.js';
import { ExtensionType, alpnExt, findExtension, serverNameExt, type Extension } from './msgs/index.js';

/** The host name the client asked for (RFC 6066 §3), if it sent one. */
export function requestedServerName(extensions: readonly Extension[]): string | undefined {
  const sni = findExtension(extensions, ExtensionType.server_name);
  return sni ? serverNameExt.decode(sni) : undefined;
}

/**
 * RFC 7301 §3.2: the server's preference among the client's offers; an offer with no overlap is
 * a no_application_protocol alert. Undefined when either side did not ask for ALPN.
 */
export function chooseApplicationProtocol(extensions: readonly Extension[], serverProtocols: readonly string[] | undefined): string | undefined {
  const alpnData = findExtension(extensions, ExtensionType.application_layer_protocol_negotiation);
  if (!alpnData || !serverProtocols?.length) return undefined;
  const offered = alpnExt.decode(alpnData);
  const chosen = serverProtocols.find((p) => offered.includes(p));
  if (chosen === undefined) throw fatal('no_application_protocol', `the client offers ALPN ${offered.join(', ')}, none of which this server speaks`);
  return chosen;
}
