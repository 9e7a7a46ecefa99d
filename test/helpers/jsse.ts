// Java's TLS stack (JSSE) as a test peer: JssePeer.java compiled once per run, keystores made with openssl and keytool.

import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, type Peer } from './peers.js';

const SOURCE = fileURLToPath(new URL('./java/JssePeer.java', import.meta.url));
/** The password of every keystore and truststore these helpers make. */
export const STORE_PASS = 'changeit';

let classes: string | undefined;
/** The directory holding JssePeer.class, compiled on first use (javac from the JDK). */
function compiled(): string {
  if (!classes) {
    classes = mkdtempSync(join(tmpdir(), 'kyman-jsse-'));
    execFileSync('javac', ['-d', classes, SOURCE], { stdio: 'pipe' });
    process.once('exit', () => rmSync(classes!, { recursive: true, force: true }));
  }
  return classes;
}

export const hasJavac = () => {
  try {
    execFileSync('javac', ['-version'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
};

/** A PKCS #12 keystore holding `cert` (PEM, chain after it in `chainFile`) and `key` (PEM), for KeyManagerFactory. */
export function keystore(dir: string, name: string, cert: string, key: string, chainFile?: string): string {
  const out = join(dir, `${name}.p12`);
  const args = ['pkcs12', '-export', '-in', cert, '-inkey', key, '-name', name, '-passout', `pass:${STORE_PASS}`, '-out', out];
  if (chainFile) args.push('-certfile', chainFile);
  execFileSync('openssl', args, { stdio: 'pipe' });
  return out;
}

/** A PKCS #12 truststore trusting the CA certificate `caPem`, made by keytool as a Java admin would. */
export function truststore(dir: string, name: string, caPem: string): string {
  const out = join(dir, `${name}.p12`);
  execFileSync('keytool', ['-importcert', '-noprompt', '-alias', name, '-file', caPem, '-keystore', out, '-storetype', 'PKCS12', '-storepass', STORE_PASS], { stdio: 'pipe' });
  return out;
}

function run(args: string[]): Peer & { output: () => string } {
  const proc = spawn('java', ['-cp', compiled(), 'JssePeer', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  return {
    proc,
    port: 0,
    stdout: () => Buffer.from(out),
    output: () => out,
    stderr: () => err,
    exited,
    stop: () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    },
  };
}

/** A JSSE client: connects, sends "ping", prints the SESSION line and the REPLY. Keystore '-' sends no certificate. */
export function jsseClient(port: number, protocol: 'TLSv1.3' | 'TLSv1.2', keystoreFile: string | '-', truststoreFile: string): Peer & { output: () => string } {
  return run(['client', '127.0.0.1', String(port), protocol, keystoreFile, STORE_PASS, truststoreFile]);
}

/** A JSSE server for one connection, resolved once it listens. */
export async function jsseServer(
  protocol: 'TLSv1.3' | 'TLSv1.2',
  keystoreFile: string,
  truststoreFile: string | '-',
  clientAuth: 'none' | 'want' | 'need' = 'none',
): Promise<Peer & { output: () => string }> {
  const port = await freePort();
  const peer = run(['server', String(port), protocol, keystoreFile, STORE_PASS, truststoreFile, clientAuth]);
  const deadline = Date.now() + 30_000;
  while (!peer.output().includes('LISTENING')) {
    if (peer.proc.exitCode !== null || Date.now() > deadline) {
      peer.stop();
      throw new Error(`the JSSE server did not start: ${peer.output()} ${peer.stderr()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { ...peer, port };
}
