// `kyman demo`: a key database, a CA, a server and a client certificate, and a mutual-TLS handshake between them on loopback.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { CryptoProvider } from '../crypto/provider.js';
import { softwareProvider } from '../crypto/software.js';
import { createKeyStore } from '../keystore/index.js';
import { createSelfSignedEntry } from '../keystore/create-entry.js';
import { issueEntry } from '../keystore/issue.js';
import { credentialsFrom, trustAnchorsOf } from '../keystore/credentials.js';
import { probe, type ProbeReport } from './probe.js';
import { startTestServer, type ConnectionReport } from './test-server.js';

export type DemoStep = 'database' | 'ca' | 'server-certificate' | 'client-certificate' | 'server' | 'handshake';

export interface DemoOptions {
  /** Where to work; default a new temporary directory. */
  dir?: string;
  /** Keep the directory afterwards (the caller is told where it is). */
  keep?: boolean;
  provider?: CryptoProvider;
  onStep?: (step: DemoStep, text: string) => void;
}

export interface DemoResult {
  dir: string;
  kept: boolean;
  database: string;
  stash: string;
  entries: { label: string; subject: string; role: string }[];
  server: { host: string; port: number };
  /** What the client saw. */
  client: ProbeReport;
  /** What the server saw. */
  serverSide: ConnectionReport;
  /** The same, by hand. */
  commands: string[];
}

const DEMO_DB = 'demo.kdb';
const CA_SUBJECT = 'CN=kyman demo CA,O=kyman demo';
const SERVER_SUBJECT = 'CN=localhost,O=kyman demo';
const CLIENT_SUBJECT = 'CN=kyman demo client,O=kyman demo';
/** The demo's certificates need to outlive the demo only when kept. */
const DEMO_DAYS = 30;

/**
 * Runs the demo: creates the database (with a stash, so the commands by hand need no password),
 * a CA, a server certificate for localhost and a client certificate signed by it, starts a
 * server on 127.0.0.1 that requires a client certificate, runs a handshake against it, and
 * cleans up unless `keep`.
 */
export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const provider = options.provider ?? softwareProvider();
  const step = options.onStep ?? (() => undefined);
  const dir = options.dir ?? (await mkdtemp(path.join(tmpdir(), 'kyman-demo-')));
  const keep = options.keep ?? false;
  try {
    const database = path.join(dir, DEMO_DB);
    step('database', `Creating the key database ${database} and its stash file`);
    // The password lives only in the stash: the demo's database is for this machine only.
    const store = await createKeyStore(database, { password: Buffer.from(provider.random(18)).toString('base64url'), stash: true, provider });
    step('ca', 'Creating a CA certificate (EC P-256)');
    await createSelfSignedEntry(store, 'demo-ca', { subject: CA_SUBJECT, ca: true, days: DEMO_DAYS, isDefault: false, provider });
    step('server-certificate', 'Issuing the server certificate for localhost and 127.0.0.1');
    await issueEntry(store, 'server', 'demo-ca', { subject: SERVER_SUBJECT, subjectAltNames: ['dns:localhost', 'ip:127.0.0.1'], profile: 'server', days: DEMO_DAYS, isDefault: true, provider });
    step('client-certificate', 'Issuing the client certificate');
    await issueEntry(store, 'client', 'demo-ca', { subject: CLIENT_SUBJECT, profile: 'client', days: DEMO_DAYS, provider });
    await store.setDefault('server');

    const anchors = trustAnchorsOf(store, provider);
    const serverCreds = await credentialsFrom(store, 'server', provider);
    const clientCreds = await credentialsFrom(store, 'client', provider);
    step('server', 'Starting a TLS server on 127.0.0.1 that requires a client certificate');
    let serverSide: ConnectionReport | undefined;
    let serverError: string | undefined;
    const server = await startTestServer({
      host: '127.0.0.1',
      port: 0,
      once: true,
      reply: 'echo',
      provider,
      certificateChain: serverCreds.certificateChain,
      privateKey: serverCreds.privateKey,
      clientAuth: 'required',
      clientTrustAnchors: anchors,
      onConnection: (r) => (serverSide = r),
      onFailure: (f) => (serverError = f.message),
    });
    let client: ProbeReport;
    try {
      step('handshake', `Connecting to 127.0.0.1:${server.address.port} as "client" (mutual TLS)`);
      client = await probe({
        host: '127.0.0.1',
        port: server.address.port,
        serverName: 'localhost',
        provider,
        trustAnchors: anchors,
        certificateChain: clientCreds.certificateChain,
        privateKey: clientCreds.privateKey,
        send: Buffer.from('hello from the kyman demo\n'),
        idleMs: 300,
        timeoutMs: 10_000,
      });
      await Promise.race([server.finished, new Promise((r) => setTimeout(r, 1000))]);
    } finally {
      await server.close();
    }
    if (!serverSide) throw new Error(serverError ?? 'the demo server saw no handshake');
    const q = (p: string) => (/^[\w./:-]+$/.test(p) ? p : `'${p.replace(/'/g, `'\\''`)}'`);
    // A person runs these in a directory of their own; a kept database can be used where it is.
    const db = keep ? q(database) : DEMO_DB;
    return {
      dir,
      kept: keep,
      database,
      stash: database.replace(/\.kdb$/, '.sth'),
      entries: [
        { label: 'demo-ca', subject: CA_SUBJECT, role: 'CA (trusted)' },
        { label: 'server', subject: SERVER_SUBJECT, role: 'server certificate (default key)' },
        { label: 'client', subject: CLIENT_SUBJECT, role: 'client certificate' },
      ],
      server: { host: '127.0.0.1', port: server.address.port },
      client,
      serverSide,
      commands: [
        `kyman db create ${db} --stash`,
        `kyman cert create demo-ca --db ${db} --subject "${CA_SUBJECT}" --ca --days ${DEMO_DAYS}`,
        `kyman cert issue server --db ${db} --ca demo-ca --subject "${SERVER_SUBJECT}" --san dns:localhost --san ip:127.0.0.1 --profile server --default`,
        `kyman cert issue client --db ${db} --ca demo-ca --subject "${CLIENT_SUBJECT}" --profile client`,
        `kyman tls server --db ${db} --client-auth required --once &`,
        `kyman tls client localhost:4433 --db ${db} --label client --send hello`,
      ],
    };
  } finally {
    if (!keep) await rm(dir, { recursive: true, force: true });
  }
}
