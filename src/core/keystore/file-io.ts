// Locked, atomic file updates: how every key database and stash file reaches the disk.
//
// DESIGN.md, "KeyStore": take the lock, re-read the file, apply the change, write a temporary
// file, fsync, rename, release. A crash at any point leaves the old file whole, and a writer never
// saves a copy it read before taking the lock.

import { promises as fs, constants as fsConstants } from 'node:fs';
import * as path from 'node:path';
import { conflict, notFound, KymanError, badInput } from '../errors.js';

/** How long a writer waits for another writer's lock before giving up. */
export const DEFAULT_LOCK_TIMEOUT_MS = 30_000;
/** Poll interval bounds while waiting for a lock: short enough to be fair, long enough not to spin. */
const LOCK_POLL_MIN_MS = 5;
const LOCK_POLL_MAX_MS = 100;

export const lockPathFor = (file: string): string => `${file}.lock`;

function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Holds `file.lock` while `fn` runs. A lock left by a process that no longer exists is taken
 * over; a live one is waited on for at most `timeoutMs`, then the call fails with CONFLICT.
 */
export async function withFileLock<T>(file: string, fn: () => Promise<T>, options: { timeoutMs?: number } = {}): Promise<T> {
  const lockPath = lockPathFor(file);
  const timeoutMs = options.timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  let delay = LOCK_POLL_MIN_MS;
  for (;;) {
    try {
      const handle = await fs.open(lockPath, 'wx', 0o600);
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      break;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw notFound(`cannot lock ${file}: folder ${path.dirname(file)} does not exist`);
      if (code === 'EACCES' || code === 'EPERM') throw new KymanError('FAILED', `cannot lock ${file}: permission denied`);
      if (code !== 'EEXIST') throw error;
    }
    const holder = Number.parseInt(await fs.readFile(lockPath, 'utf8').catch(() => ''), 10);
    // A lock whose pid was not written yet belongs to a writer that is starting up: wait for it.
    if (Number.isInteger(holder) && !processAlive(holder)) {
      // Take over a stale lock atomically: rename it away, so two waiters cannot both remove it.
      const stale = `${lockPath}.stale-${process.pid}`;
      try {
        await fs.rename(lockPath, stale);
        const again = Number.parseInt(await fs.readFile(stale, 'utf8').catch(() => ''), 10);
        if (again === holder) {
          await fs.rm(stale, { force: true });
        } else {
          // Someone else's fresh lock slipped in between our read and rename: put it back.
          await fs.rename(stale, lockPath).catch(() => undefined);
        }
      } catch {
        /* another waiter took it over first */
      }
      continue;
    }
    if (Date.now() >= deadline) {
      throw conflict(
        `${file} is locked by ${Number.isInteger(holder) ? `process ${holder}` : 'another process'}: try again, or remove ${lockPath} if no kyman is running`,
      );
    }
    await sleep(delay);
    delay = Math.min(delay * 2, LOCK_POLL_MAX_MS);
  }
  try {
    return await fn();
  } finally {
    await fs.rm(lockPath, { force: true });
  }
}

/**
 * Writes `bytes` to `file` so that a reader sees either the old file or the new one, never a mix:
 * a temporary file beside it, fsync, rename over, fsync the folder. New files are created 0600.
 */
export async function writeFileAtomic(file: string, bytes: Uint8Array, mode = 0o600): Promise<void> {
  const dir = path.dirname(file);
  const temp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now().toString(36)}.tmp`);
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(temp, fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_WRONLY, mode);
    await handle.writeFile(bytes);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await fs.rename(temp, file);
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await fs.rm(temp, { force: true });
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw notFound(`cannot write ${file}: folder ${dir} does not exist`);
    if (code === 'EACCES' || code === 'EPERM') throw new KymanError('FAILED', `cannot write ${file}: permission denied`);
    if (code === 'ENOSPC') throw new KymanError('FAILED', `cannot write ${file}: the disk is full`);
    throw error;
  }
  // The rename is durable only once the folder entry is on disk.
  const dirHandle = await fs.open(dir, 'r').catch(() => undefined);
  await dirHandle?.sync().catch(() => undefined);
  await dirHandle?.close();
}

/** Reads a whole file, turning "no such file" into NOT_FOUND with the name (and `what` it is, when given). */
export async function readFileOrFail(file: string, what?: string): Promise<Uint8Array> {
  try {
    const b = await fs.readFile(file);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw notFound(`${what ? `${what} ` : ''}${file} does not exist`);
    if (code === 'EISDIR') throw badInput(`${file} is a folder, not a ${what ?? 'file'}`);
    if (code === 'EACCES' || code === 'EPERM') throw new KymanError('FAILED', `cannot read ${file}: permission denied`);
    throw error;
  }
}

export async function fileExists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}
