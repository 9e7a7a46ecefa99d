// The setup the kyman tls command tests share: a key database with a CA, a server and a client entry, PEM copies for openssl, and kyman tls server children.

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { createSoftwareProvider } from '../../src/core/crypto/index.js';
import { createKeyStore } from '../../src/core/keystore/index.js';
import { createSelfSignedEntry } from '../../src/core/keystore/create-entry.js';
import { issueEntry } from '../../src/core/keystore/issue.js';
import { encodePem } from '../../src/core/pki/pem.js';
import { kyman, repoRoot, tempDir } from './cli.js';
import type { Peer } from './peers.js';

const provider = createSoftwareProvider();

/** A `kyman tls server` child on 127.0.0.1, any free port, with the port it printed. */
export interface KymanServer {
  proc: ChildProcess;
  port: number;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
  stop(): void;
}

/** `prefix` runs it through a command that then execs it, keeping the pid: `['prlimit', '--nofile=200']`. */
export async function startKymanServer(args: string[], env: NodeJS.ProcessEnv = {}, prefix: string[] = []): Promise<KymanServer> {
  const [command, ...before] = [...prefix, process.execPath];
  const proc = spawn(command, [...before, path.join(repoRoot, 'bin/run.js'), 'tls', 'server', '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1', KYMAN_DB: undefined, SSLKEYLOGFILE: undefined, ...env },
  });
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  const server: KymanServer = {
    proc,
    port: 0,
    stdout: () => out,
    stderr: () => err,
    exited,
    stop: () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    },
  };
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const m = /listening on 127\.0\.0\.1:(\d+)/.exec(out);
    if (m) {
      server.port = Number(m[1]);
      return server;
    }
    if (proc.exitCode !== null) throw new Error(`kyman tls server exited early (${proc.exitCode}): ${err}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  server.stop();
  throw new Error(`kyman tls server did not listen in time: ${out}${err}`);
}

export interface TlsCommandSetup {
  /** The suite's temporary folder. */
  t: ReturnType<typeof tempDir>;
  db: string;
  otherDb: string;
  caPem: string;
  otherCaPem: string;
  serverPem: string;
  serverKey: string;
  clientPem: string;
  /** Peers and servers a test starts: each is stopped after it. */
  peers: Peer[];
  servers: KymanServer[];
  opensslServerArgs(extra?: string[]): string[];
}

/** Registers the suite's hooks (call inside a describe) and returns where everything is. */
export function tlsCommandSetup(): TlsCommandSetup {
  const t = tempDir('kyman-tls-cmd-');
  const db = t.file('server.kdb');
  const otherDb = t.file('other.kdb');
  const caPem = t.file('ca.pem');
  const otherCaPem = t.file('other-ca.pem');
  const serverPem = t.file('server.pem');
  const serverKey = t.file('server.key');
  const clientPem = t.file('client.pem');
  const peers: Peer[] = [];
  const servers: KymanServer[] = [];

  before(async () => {
    const store = await createKeyStore(db, { password: 'server-pass', stash: true, provider });
    const ca = await createSelfSignedEntry(store, 'ca', { subject: 'CN=Kyman Test CA', ca: true, days: 30, isDefault: false, provider });
    const server = await issueEntry(store, 'server', 'ca', { subject: 'CN=localhost', subjectAltNames: ['dns:localhost', 'ip:127.0.0.1'], profile: 'server', days: 10, isDefault: true, provider });
    await issueEntry(store, 'client', 'ca', { subject: 'CN=Kyman Test Client', profile: 'client', days: 10, provider });
    await store.setDefault('server');
    writeFileSync(caPem, encodePem('CERTIFICATE', ca.certificate));
    writeFileSync(serverPem, encodePem('CERTIFICATE', server.certificate));
    writeFileSync(serverKey, encodePem('PRIVATE KEY', provider.exportPrivateKey(await store.privateKey('server'))));
    const other = await createKeyStore(otherDb, { password: 'other-pass', stash: true, provider });
    const otherCa = await createSelfSignedEntry(other, 'other-ca', { subject: 'CN=Other CA', ca: true, days: 30, provider });
    writeFileSync(otherCaPem, encodePem('CERTIFICATE', otherCa.certificate));
    // The client certificate and key as a person would hand them to openssl: exported from the database.
    const r = kyman(['cert', 'export', 'client', '--db', db, '--out', clientPem, '--with-key', '--export-pass', 'pass:client-export']);
    assert.equal(r.status, 0, r.stderr);
  });
  after(() => t.cleanup());
  afterEach(() => {
    for (const p of peers.splice(0)) p.stop();
    for (const s of servers.splice(0)) s.stop();
  });

  const opensslServerArgs = (extra: string[] = []) => ['-tls1_3', '-cert', serverPem, '-key', serverKey, ...extra];

  return { t, db, otherDb, caPem, otherCaPem, serverPem, serverKey, clientPem, peers, servers, opensslServerArgs };
}
