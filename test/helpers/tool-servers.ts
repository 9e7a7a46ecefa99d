// A test PKI, kyman test servers stopped after each test, and a probe of them, for the tools' tests.

import { probe } from '../../src/core/tools/probe.js';
import { startTestServer, type ConnectionReport, type TestServer } from '../../src/core/tools/test-server.js';
import { makePki, provider, type TestPki } from './tls-credentials.js';
import { within } from './peers.js';

export interface ToolServers {
  /** The PKI, made before the suite's first test. */
  pki(): TestPki;
  /** A test server on a free loopback port with the ECDSA leaf, collecting its connection reports. */
  server(options?: Partial<Parameters<typeof startTestServer>[0]>): Promise<{ s: TestServer; reports: ConnectionReport[] }>;
  /** A probe of a local port that trusts the PKI's root, bounded in time. */
  probeOf(port: number, extra?: Partial<Parameters<typeof probe>[0]>): ReturnType<typeof probe>;
}

/** Registers the hooks of a suite that starts test servers: call it inside `describe`. */
export function toolServers(): ToolServers {
  let pki: TestPki | undefined;
  const servers: TestServer[] = [];
  before(async () => (pki = await makePki()));
  after(() => pki?.cleanup());
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.close();
  });
  const made = () => {
    if (!pki) throw new Error('the PKI is made in before()');
    return pki;
  };
  return {
    pki: made,
    async server(options = {}) {
      const reports: ConnectionReport[] = [];
      const s = await startTestServer({
        host: '127.0.0.1',
        port: 0,
        provider,
        certificateChain: [made().ecdsa.der],
        privateKey: made().ecdsa.key,
        onConnection: (r) => reports.push(r),
        ...options,
      });
      servers.push(s);
      return { s, reports };
    },
    probeOf: (port, extra = {}) =>
      within(10_000, probe({ host: '127.0.0.1', port, serverName: 'localhost', provider, trustAnchors: [made().root.der], idleMs: 300, ...extra }), 'probe'),
  };
}
