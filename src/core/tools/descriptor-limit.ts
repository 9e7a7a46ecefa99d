// The process's open-file limit (RLIMIT_NOFILE) and the descriptors already in use: what bounds how many connections a server can hold.

import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

/** Where the soft limit was read: Linux's /proc/self/limits, else the shell's `ulimit -n` (which a child inherits unchanged). */
export type DescriptorLimitSource = 'proc' | 'ulimit';

export interface DescriptorBudget {
  /** The soft RLIMIT_NOFILE; undefined when it could not be read, or is unlimited. */
  limit: number | undefined;
  source: DescriptorLimitSource | undefined;
  /** Descriptors open now (stdio, the key database, the module's files…); undefined when they cannot be counted. */
  inUse: number | undefined;
}

/**
 * Node 20 has no getrlimit. Linux says the limit in /proc/self/limits; elsewhere (macOS, the BSDs)
 * a shell's `ulimit -n` reports the same soft limit, since a child inherits its parent's limits.
 */
export function readDescriptorBudget(): DescriptorBudget {
  const fromProc = softLimitFromProc();
  const limit = fromProc ?? softLimitFromShell();
  return { limit: limit ?? undefined, source: fromProc !== undefined ? 'proc' : limit !== undefined ? 'ulimit' : undefined, inUse: descriptorsInUse() };
}

/** `Max open files  1024  1048576  files`: the soft column; undefined when absent or "unlimited". */
function softLimitFromProc(): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    return positive(line?.slice('Max open files'.length).trim().split(/\s+/)[0]);
  } catch {
    return undefined;
  }
}

function softLimitFromShell(): number | undefined {
  if (process.platform === 'win32') return undefined;
  try {
    const r = spawnSync('/bin/sh', ['-c', 'ulimit -n'], { encoding: 'utf8', timeout: 2000 });
    return r.status === 0 ? positive(r.stdout.trim()) : undefined;
  } catch {
    return undefined;
  }
}

/** Counted from /proc/self/fd (Linux) or /dev/fd (macOS, the BSDs); the directory's own descriptor is not counted. */
function descriptorsInUse(): number | undefined {
  for (const dir of ['/proc/self/fd', '/dev/fd']) {
    try {
      return Math.max(0, readdirSync(dir).length - 1);
    } catch {
      // Not this system's way: try the next.
    }
  }
  return undefined;
}

function positive(text: string | undefined): number | undefined {
  const n = Number(text);
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}
