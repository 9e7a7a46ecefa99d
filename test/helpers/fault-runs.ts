// Running the built kyman binary asynchronously, with a SIGKILL injected at a chosen file operation (fault-injection.mjs).

import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from './cli.js';

const bin = path.join(repoRoot, 'bin/run.js');
const injector = path.join(repoRoot, 'test/helpers/fault-injection.mjs');

export interface FaultRun {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface FaultOptions {
  /** Only file operations on paths under this folder are counted. */
  dir: string;
  /** SIGKILL just before this (1-based) counted operation; none when undefined. */
  killAt?: number;
  /** Write the number of counted operations here at exit. */
  countFile?: string;
  env?: NodeJS.ProcessEnv;
}

/** The binary runs from dist/: say so plainly when it was not built. */
export function requireBuiltBinary(): void {
  if (!existsSync(path.join(repoRoot, 'dist/commands'))) throw new Error('the reliability tests run the built binary: run "npm run build" first');
}

/** Runs `kyman ARGS` with the fault injector loaded, and waits for it to exit or be killed. */
export function kymanWithFault(args: string[], options: FaultOptions): Promise<FaultRun> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', KYMAN_DB: undefined, ...options.env, KYMAN_FAULT_DIR: options.dir };
  if (options.killAt !== undefined) env.KYMAN_FAULT_KILL_AT = String(options.killAt);
  if (options.countFile !== undefined) env.KYMAN_FAULT_COUNT_FILE = options.countFile;
  const child = spawn(process.execPath, ['--import', injector, bin, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr }));
  });
}

/** How many file operations in `dir` one run of `kyman ARGS` makes (the run is real: it changes what it changes). */
export async function countFileOperations(args: string[], options: Omit<FaultOptions, 'killAt' | 'countFile'>): Promise<number> {
  const countFile = path.join(options.dir, '..', `fault-count-${process.pid}-${Date.now()}`);
  try {
    const r = await kymanWithFault(args, { ...options, countFile });
    if (r.status !== 0) throw new Error(`kyman ${args.join(' ')} failed (exit ${r.status}):\n${r.stderr}`);
    return Number(readFileSync(countFile, 'utf8'));
  } finally {
    rmSync(countFile, { force: true });
  }
}
