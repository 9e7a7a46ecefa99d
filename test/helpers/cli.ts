// Running the built kyman binary as a person or script would, and temp folders that clean up.

import assert from 'node:assert/strict';
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = path.join(repoRoot, 'bin/run.js');

export interface RunResult {
  status: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  input?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** Runs `kyman ARGS` (the built binary) and waits for it. */
export function kyman(args: string[], options: RunOptions = {}): RunResult {
  const r: SpawnSyncReturns<string> = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    input: options.input ?? '',
    cwd: options.cwd,
    env: { ...process.env, NO_COLOR: '1', KYMAN_DB: undefined, ...options.env },
    timeout: 120_000,
  });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Runs kyman and parses its --json output. */
export function kymanJson<T = any>(args: string[], options: RunOptions = {}): T & { __status: number; __stderr: string } {
  const r = kyman([...args, '--json'], options);
  let parsed: any;
  try {
    parsed = JSON.parse(r.stdout);
  } catch {
    throw new Error(`kyman ${args.join(' ')} gave no JSON (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  }
  return Object.assign(parsed, { __status: r.status, __stderr: r.stderr });
}

/** Runs an outside tool (openssl, certtool, keytool) and returns what it said. */
export function tool(command: string, args: string[], options: RunOptions = {}): RunResult {
  const r = spawnSync(command, args, { encoding: 'utf8', input: options.input ?? '', cwd: options.cwd, env: { ...process.env, ...options.env }, timeout: 120_000 });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Asserts a run failed cleanly: the exit code, one line on stderr, no stack trace. */
export function expectCleanFailure(r: RunResult, status: number, pattern?: RegExp): void {
  const lines = r.stderr.trim().split('\n').filter((l) => !/^(warning|usage):/.test(l));
  if (r.status !== status || lines.length !== 1 || /\n\s+at /.test(r.stderr) || (pattern && !pattern.test(lines[0]))) {
    throw new Error(`expected exit ${status} with one line${pattern ? ` matching ${pattern}` : ''}, got exit ${r.status}:\n${r.stderr}\n${r.stdout}`);
  }
}

/** Asserts a run succeeded, showing what it printed when it did not. */
export function ok(r: { status: number; stdout?: string; stderr: string }, what: string): void {
  assert.equal(r.status, 0, `${what}:\n${r.stdout ?? ''}\n${r.stderr}`);
}

/** A temporary folder for the suite it is called in, removed after it. */
export function suiteTempDir(prefix?: string): ReturnType<typeof tempDir> {
  const tmp = tempDir(prefix);
  after(() => tmp.cleanup());
  return tmp;
}

/** A fresh temporary folder, removed after the test suite. */
export function tempDir(prefix = 'kyman-test-'): { dir: string; file: (name: string) => string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { dir, file: (name) => path.join(dir, name), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export { spawn };

/**
 * Runs `kyman ARGS` on a pseudo-terminal (util-linux `script`), typing `answer` once it has had
 * time to ask, on a terminal `columns` wide (250; 0 as some CI runners report); stdout and stderr
 * arrive together, as a person sees them.
 */
export function kymanOnTerminal(args: string[], answer: string, options: RunOptions & { columns?: number } = {}): RunResult {
  const quoted = [process.execPath, bin, ...args].map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(' ');
  const r = spawnSync('sh', ['-c', `(sleep 3; printf '%s' "$ANSWER") | script -qec "stty cols $COLS; $CMD" /dev/null`], {
    encoding: 'utf8',
    cwd: options.cwd,
    env: { ...process.env, NO_COLOR: '1', KYMAN_DB: undefined, ...options.env, ANSWER: answer, CMD: quoted, COLS: String(options.columns ?? 250) },
    timeout: 120_000,
  });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
