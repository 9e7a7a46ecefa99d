// The endpoint probe's integration suites' shared setup: a test PKI, openssl s_server kept up for a whole scan, and a probe trusting the test root.

import { probeEndpoint, type EndpointProbeOptions, type EndpointReport } from '../../src/core/tools/endpoint-probe/index.js';
import { trustStoreOf, type TrustStore } from '../../src/core/tools/trust-store.js';
import { opensslServer, stoppedAfterEach } from './peers.js';
import { makePki, type TestPki } from './tls-credentials.js';

/** Each hello is a connection of its own: the server must outlast a whole scan. */
export const SCAN_ACCEPTS = ['-naccept', '500'];

export interface ProbeSuite {
  pki(): TestPki;
  store(): TrustStore;
  /** Probes 127.0.0.1:`port` with the test root as the only anchor. */
  probeAt(port: number, options?: Partial<EndpointProbeOptions>): Promise<EndpointReport>;
  /** Starts openssl s_server with `args` (stopped after the test) and probes it. */
  openssl(args: string[], options?: Partial<EndpointProbeOptions>): Promise<EndpointReport>;
}

/** Call inside a `describe`: the PKI is made before its tests and removed after, servers are stopped after each. */
export function probeSuite(): ProbeSuite {
  let pki: TestPki | undefined;
  const { peers } = stoppedAfterEach();
  before(async () => {
    pki = await makePki();
  });
  after(() => pki?.cleanup());
  const store = () => trustStoreOf([pki!.root.der], ['test root']);
  const probeAt = (port: number, options: Partial<EndpointProbeOptions> = {}) => probeEndpoint({ host: '127.0.0.1', port, trustStore: store(), ...options });
  return {
    pki: () => pki!,
    store,
    probeAt,
    async openssl(args, options) {
      const peer = await opensslServer([...SCAN_ACCEPTS, ...args]);
      peers.push(peer);
      return probeAt(peer.port, options);
    },
  };
}
