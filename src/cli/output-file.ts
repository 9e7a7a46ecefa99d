// Where a command writes its file: a new file, one it may replace (asked, or --force), standard output (`-`) or a device.

import { fstatSync, type Stats } from 'node:fs';
import { chmod, stat, writeFile } from 'node:fs/promises';
import { usage } from '../core/errors.js';
import { writeFileAtomic } from '../core/keystore/file-io.js';
import { confirmOrStop } from './confirm.js';

/** The name that means standard output, as openssl, curl and tar spell it. */
export const STDOUT_NAME = '-';

/** `-`, and /dev/stdout by name (whose report then goes to stderr as well). */
export const isStdout = (out: string) => out === STDOUT_NAME || out === '/dev/stdout';

/** How a message names where the output went. */
export const outputName = (out: string) => (isStdout(out) ? 'standard output' : out);

/** Private key material is for its owner alone. */
const SECRET_MODE = 0o600;
/** Certificates and requests are public. */
const PUBLIC_MODE = 0o644;

/** Whether a path names this process's own standard output (/dev/stdout, /dev/fd/1), which may be a socket that cannot be opened. */
function isOwnStdout(file: Stats): boolean {
  try {
    const own = fstatSync(1);
    return own.dev === file.dev && own.ino === file.ino;
  } catch {
    return false;
  }
}

export interface OutputOptions {
  /** The output is DER or PKCS #12 bytes, which a terminal would mangle. */
  binary: boolean;
  force?: boolean;
  /** --json also wants standard output. */
  json?: boolean;
}

/**
 * Checks, before any work, that `out` may be written: standard output that is not a terminal for
 * binary output and not wanted by --json; a device or pipe (/dev/stdout) as it is; an existing
 * file only when --force says so or the person at the terminal agrees.
 */
export async function prepareOutput(out: string, options: OutputOptions): Promise<void> {
  if (isStdout(out)) {
    if (options.json) throw usage('--out - and --json both want standard output: write the file elsewhere, or leave out --json');
    if (options.binary && process.stdout.isTTY) throw usage('not writing binary output to a terminal: redirect standard output (--out - > file), give a file, or choose a PEM format');
    return;
  }
  const existing = await stat(out).catch(() => undefined);
  if (existing && !existing.isFile() && isOwnStdout(existing)) return prepareOutput(STDOUT_NAME, options);
  if (!existing?.isFile()) return;
  await confirmOrStop({ question: `Replace ${out}?`, action: `replacing ${out}`, declined: `${out} was not replaced`, conflict: `${out} already exists: choose another name or give --force` }, options.force);
}

/** Writes the bytes where `out` says; a regular file atomically, 0600 when it holds a key (an existing file narrowed to that first). */
export async function writeOutput(out: string, bytes: Uint8Array, options: { secret: boolean }): Promise<void> {
  const existing = isStdout(out) ? undefined : await stat(out).catch(() => undefined);
  if (isStdout(out) || (existing && !existing.isFile() && isOwnStdout(existing))) {
    await new Promise<void>((resolve, reject) => process.stdout.write(bytes, (e) => (e ? reject(e) : resolve())));
    return;
  }
  if (existing && !existing.isFile()) {
    // A device or a pipe (/dev/stdout, /dev/null, a FIFO) cannot be replaced by a rename: write into it.
    await writeFile(out, bytes);
    return;
  }
  // writeFileAtomic keeps an existing file's mode, which for a 0644 file would hand a key to everyone.
  if (existing && options.secret && (existing.mode & 0o077) !== 0) await chmod(out, SECRET_MODE);
  await writeFileAtomic(out, bytes, options.secret ? SECRET_MODE : PUBLIC_MODE);
}
