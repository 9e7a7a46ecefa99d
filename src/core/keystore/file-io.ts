// Locked, atomic file updates: how every key database and stash file reaches the disk.
//
// DESIGN.md, "KeyStore": take the lock, re-read the file, apply the change, write a temporary
// file, fsync, rename, release. A crash at any point leaves the old file whole, and a writer never
// saves a copy it read before taking the lock.
//
// The lock protocol. A database `X.kdb` (after following symlinks to the real file) is locked by
// `X.kdb.lock` beside it, a small file saying who holds it: pid, host, the process's start time
// and a random token. No state of it needs a person to clear it:
//
// 1. Taking the lock: the writer writes that text into a private file `.X.kdb.lock.PID-RAND.tmp`
//    and link()s it to `X.kdb.lock`. link() fails when the lock exists, and a lock appears with
//    its text already in it, so kyman never leaves an empty lock: a crash or a full disk before
//    the link leaves only the private file, which the next save removes as a dead writer's.
//    (Where there are no hard links, the lock is created in place, exclusively, and written.)
// 2. A held lock is read and judged. It is stale when its pid is not running on this host; when
//    that pid runs but started at another time (the pid was reused: a reboot, a new container);
//    when the pid is this process's but no call here holds it (a former process with our pid);
//    or when it holds no readable pid and is older than STALE_UNREADABLE_LOCK_MS (another tool,
//    or an old writer, between creating it and writing into it).
// 3. Taking over a stale lock: under a second, short-lived lock `X.kdb.lock.takeover` (taken as
//    in 1 and judged as in 2), the waiter re-reads the lock, renames it to a private name,
//    checks that it moved the very file it judged (same inode), removes it and goes back to 1.
//    A fresh lock moved by mistake is put back with link(), which never overwrites.
// 4. A live lock is waited on, polling with backoff, up to the timeout: then CONFLICT (exit 6),
//    naming the holder. The lock is held for the whole change and released only by its holder,
//    which checks its token first.
// 5. Within one async call chain the lock is re-entrant (AsyncLocalStorage), so a change made of
//    several saves (a password change: stash, database, request database) holds it throughout,
//    while other calls in the same process still wait their turn.

import { AsyncLocalStorage } from 'node:async_hooks';
import { promises as fs, constants as fsConstants, readFileSync, type Stats } from 'node:fs';
import { hostname } from 'node:os';
import * as path from 'node:path';
import { badInput, conflict, failed, notFound, KymanError } from '../errors.js';

/** How long a writer waits for another writer's lock before giving up. */
export const DEFAULT_LOCK_TIMEOUT_MS = 30_000;
/** Poll interval bounds while waiting for a lock: short enough to be fair, long enough not to spin. */
const LOCK_POLL_MIN_MS = 5;
const LOCK_POLL_MAX_MS = 100;
/**
 * A lock with no readable pid is given this long to get one: kyman never makes such a lock, but
 * another writer may be between creating the file and writing into it. Older, it is abandoned.
 */
export const STALE_UNREADABLE_LOCK_MS = 5_000;
/** Linux's own limit on symlinks followed in one path (MAXSYMLINKS): a longer chain is a loop. */
const MAX_SYMLINK_HOPS = 40;

export const lockPathFor = (file: string): string => `${file}.lock`;
const takeoverPathFor = (lockPath: string): string => `${lockPath}.takeover`;

let uniqueCounter = 0;
/**
 * A name no other call will pick: unique, not secret (nothing here needs to be unguessable, so
 * the provider's random source is not asked).
 */
const uniqueSuffix = () => `${Date.now().toString(36)}${(uniqueCounter++).toString(36)}${Math.random().toString(36).slice(2, 8)}`;

/** A private file name beside `file`: `.NAME.PID-UNIQUE.tmp`, which says whose it is. */
function privateNameFor(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}-${uniqueSuffix()}.tmp`);
}

// -------------------------------------------------------------------------------------------------
// Errors: one line a person can act on, with the exit code DESIGN.md gives, at every step.

/**
 * Turns a file system error met while `doing` something to `file` into a KymanError: disk full,
 * read-only file system and permission denied are said as such (FAILED: exit 1), a missing folder
 * is NOT_FOUND. Anything else is passed on as it is.
 */
export function fileSystemError(error: unknown, doing: string, file: string): unknown {
  if (error instanceof KymanError) return error;
  const code = (error as NodeJS.ErrnoException)?.code;
  const what = `cannot ${doing} ${file}`;
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return failed(`${what}: the disk is full (or your quota is used up): free some space and try again`, error);
    case 'EROFS':
      return failed(`${what}: the file system is mounted read-only`, error);
    case 'EACCES':
    case 'EPERM':
      return failed(`${what}: permission denied`, error);
    case 'ENOENT':
    case 'ENOTDIR':
      return notFound(`${what}: folder ${path.dirname(file)} does not exist`, error);
    case 'EISDIR':
      return badInput(`${what}: it is a folder`, error);
    case 'ELOOP':
      return badInput(`${what}: its symlinks form a loop`, error);
    case 'EIO':
      return failed(`${what}: the disk reported an I/O error`, error);
    default:
      return error;
  }
}

async function step<T>(doing: string, file: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw fileSystemError(error, doing, file);
  }
}

// -------------------------------------------------------------------------------------------------
// Symlinks: a database reached through a link is changed where it really lives.

/**
 * The file `file` names once its symlinks are followed (it may not exist yet). The lock, the
 * temporary file and the rename all happen beside this real file, so a link stays a link and
 * two writers, one through the link and one not, still share one lock.
 */
export async function realTarget(file: string): Promise<string> {
  let current = path.resolve(file);
  for (let hops = 0; hops <= MAX_SYMLINK_HOPS; hops++) {
    let stat: Stats;
    try {
      stat = await fs.lstat(current);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return current;
      throw fileSystemError(error, 'read', file);
    }
    if (!stat.isSymbolicLink()) return current;
    current = path.resolve(path.dirname(current), await fs.readlink(current));
  }
  throw badInput(`${file}: more than ${MAX_SYMLINK_HOPS} symlinks to follow (a loop?)`);
}

// -------------------------------------------------------------------------------------------------
// Who holds a lock, and whether they still can.

interface LockHolder {
  pid: number;
  host?: string;
  /** The process's start time, in clock ticks since boot (Linux /proc/PID/stat), when known. */
  start?: string;
  token?: string;
}

/** Tokens this process has written into lock files and not released yet. */
const ownTokens = new Set<string>();
/** The private files this process is writing right now: never "a dead writer's". */
const ownPrivateFiles = new Set<string>();
/** The lock files held by the current async call chain, for re-entrancy. */
const heldInChain = new AsyncLocalStorage<ReadonlySet<string>>();

const thisHost = hostname();

/** A process's start time from /proc (Linux); undefined where there is no /proc. */
function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22, counted after the command name, which may itself hold spaces and parentheses.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

const ownStart = processStart(process.pid);

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function lockText(token: string): string {
  return `${process.pid}\n${thisHost}\n${ownStart ?? ''}\n${token}\n`;
}

function parseHolder(text: string): LockHolder | undefined {
  const [pidText, host, start, token] = text.split('\n');
  const pid = Number(pidText);
  if (!/^\d+$/.test(pidText ?? '') || !Number.isSafeInteger(pid) || pid <= 0) return undefined;
  return { pid, host: host || undefined, start: start || undefined, token: token || undefined };
}

/** Whether a lock's holder can no longer release it (step 2 of the protocol). */
function holderIsGone(holder: LockHolder): boolean {
  if (holder.host !== undefined && holder.host !== thisHost) return false; // cannot tell: assume alive
  if (holder.pid === process.pid) return holder.token === undefined || !ownTokens.has(holder.token);
  if (!processAlive(holder.pid)) return true;
  if (holder.start !== undefined) {
    const start = processStart(holder.pid);
    if (start !== undefined && start !== holder.start) return true;
  }
  return false;
}

interface LockState {
  holder?: LockHolder;
  ino: number;
  stale: boolean;
}

/** Reads a lock file and judges it; undefined when there is none. */
async function inspectLock(lockPath: string): Promise<LockState | undefined> {
  let stat: Stats;
  try {
    stat = await fs.stat(lockPath);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const text = await fs.readFile(lockPath, 'utf8').catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? undefined : ''));
  if (text === undefined) return undefined;
  const holder = parseHolder(text);
  if (holder) return { holder, ino: stat.ino, stale: holderIsGone(holder) };
  return { ino: stat.ino, stale: Date.now() - stat.mtimeMs > STALE_UNREADABLE_LOCK_MS };
}

/** Step 1: one attempt at making `lockPath` ours. Returns our token, or undefined when it is held. */
async function tryCreateLock(lockPath: string, file: string): Promise<string | undefined> {
  const token = uniqueSuffix();
  const temp = privateNameFor(lockPath);
  ownPrivateFiles.add(temp);
  // Registered before the link: another call in this process that reads the lock at once must
  // see a live holder, not "a former process with our pid".
  ownTokens.add(token);
  let linked = false;
  try {
    await step('lock', file, async () => {
      const handle = await fs.open(temp, fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_WRONLY, 0o644);
      try {
        await handle.writeFile(lockText(token));
      } finally {
        await handle.close();
      }
    });
    try {
      await fs.link(temp, lockPath);
      linked = true;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // The temporary file was made, so EPERM here means a file system without hard links (FAT, some network mounts).
      if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP') linked = await createLockInPlace(lockPath, token, file);
      else if (code !== 'EEXIST') throw fileSystemError(error, 'lock', file);
    }
  } finally {
    if (!linked) ownTokens.delete(token);
    await fs.rm(temp, { force: true }).catch(() => undefined);
    ownPrivateFiles.delete(temp);
  }
  return linked ? token : undefined;
}

/**
 * Step 1 where there are no hard links: create the lock exclusively and write into it. A crash or
 * a full disk in between leaves an empty lock, which step 2 takes over once it is old; a failed
 * write removes it at once.
 */
async function createLockInPlace(lockPath: string, token: string, file: string): Promise<boolean> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(lockPath, fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_WRONLY, 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw fileSystemError(error, 'lock', file);
  }
  try {
    await handle.writeFile(lockText(token));
    await handle.close();
    return true;
  } catch (error) {
    await handle.close().catch(() => undefined);
    await fs.rm(lockPath, { force: true });
    throw fileSystemError(error, 'lock', file);
  }
}

/**
 * Removes the stale lock at `lockPath` if it is still the file judged (inode `ino`): renamed to a
 * private name first, so a fresh lock made meanwhile is never deleted, only put back.
 */
async function removeIfSame(lockPath: string, ino: number): Promise<void> {
  const aside = privateNameFor(lockPath);
  ownPrivateFiles.add(aside);
  try {
    try {
      await fs.rename(lockPath, aside);
    } catch {
      return; // gone already: someone else took it over
    }
    const moved = await fs.stat(aside).catch(() => undefined);
    if (moved && moved.ino !== ino) await fs.link(aside, lockPath).catch(() => undefined);
    await fs.rm(aside, { force: true });
  } finally {
    ownPrivateFiles.delete(aside);
  }
}

/** Step 3: takes over the stale lock at `lockPath`, under the takeover lock. */
async function takeOver(lockPath: string, judged: LockState, file: string): Promise<void> {
  const takeoverPath = takeoverPathFor(lockPath);
  const token = await tryCreateLock(takeoverPath, file);
  if (token === undefined) {
    // Someone else is taking it over; if they died doing so, their takeover lock is stale too.
    const other = await inspectLock(takeoverPath).catch(() => undefined);
    if (other?.stale) await removeIfSame(takeoverPath, other.ino);
    return;
  }
  try {
    const now = await inspectLock(lockPath);
    if (now && now.stale && now.ino === judged.ino) await removeIfSame(lockPath, now.ino);
  } finally {
    await releaseLock(takeoverPath, token);
  }
}

async function releaseLock(lockPath: string, token: string): Promise<void> {
  try {
    const text = await fs.readFile(lockPath, 'utf8').catch(() => undefined);
    // Only our own lock is removed: had it been taken over by mistake, the new holder's stays.
    if (text !== undefined && parseHolder(text)?.token === token) await fs.rm(lockPath, { force: true });
  } finally {
    // Forgotten only once the file is gone: until then another call here must see it as held, not as a former process's.
    ownTokens.delete(token);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function describeHolder(state: LockState | undefined): string {
  const h = state?.holder;
  if (!h) return 'another process';
  return `process ${h.pid}${h.host && h.host !== thisHost ? ` on ${h.host}` : ''}`;
}

/**
 * Holds the lock of `file` (see the protocol above) while `fn` runs. A stale lock is taken over;
 * a live one is waited on for at most `timeoutMs`, then the call fails with CONFLICT.
 */
export async function withFileLock<T>(file: string, fn: () => Promise<T>, options: { timeoutMs?: number } = {}): Promise<T> {
  const lockPath = lockPathFor(await realTarget(file));
  const held = heldInChain.getStore();
  if (held?.has(lockPath)) return fn();
  const timeoutMs = options.timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  let delay = LOCK_POLL_MIN_MS;
  let token: string | undefined;
  for (;;) {
    token = await tryCreateLock(lockPath, file);
    if (token !== undefined) break;
    const state = await inspectLock(lockPath).catch((error) => {
      throw fileSystemError(error, 'lock', file);
    });
    if (state?.stale) {
      await takeOver(lockPath, state, file);
      continue;
    }
    if (!state) continue; // released between our attempt and the look: try again at once
    if (Date.now() >= deadline) {
      // A lock whose holder died is taken over without anyone's help, so only a live one gets here.
      throw conflict(`${file} is locked by ${describeHolder(state)}: try again later, or remove ${lockPath} if that process is not kyman`);
    }
    await sleep(delay);
    delay = Math.min(delay * 2, LOCK_POLL_MAX_MS);
  }
  try {
    return await heldInChain.run(new Set([...(held ?? []), lockPath]), fn);
  } finally {
    await releaseLock(lockPath, token);
  }
}

// -------------------------------------------------------------------------------------------------
// Dead writers' leftovers.

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Removes the private files of writers of `file` that have died: `.NAME.PID-RAND.tmp` (and the
 * `.NAME.PID.TIME.tmp` of older versions) beside it, for the file itself, its lock and its
 * takeover lock, whose pid is no longer running. A killed save can leave one as large as the
 * database, and on a full disk that space is what the next save needs.
 */
export async function removeDeadWritersFiles(file: string): Promise<string[]> {
  const dir = path.dirname(file);
  const pattern = new RegExp(`^\\.${escapeRegExp(path.basename(file))}(?:\\.lock(?:\\.takeover)?)?\\.(\\d+)[.-][0-9a-z]+\\.tmp$`);
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names) {
    const m = pattern.exec(name);
    if (!m) continue;
    const full = path.join(dir, name);
    const pid = Number(m[1]);
    const dead = pid === process.pid ? !ownPrivateFiles.has(full) : !processAlive(pid);
    if (!dead) continue;
    await fs.rm(full, { force: true }).catch(() => undefined);
    removed.push(full);
  }
  return removed;
}

// -------------------------------------------------------------------------------------------------
// Writing.

/** Refuses to write a file whose mode says it must not change (0400), or that we may not write. */
async function checkWritable(file: string, target: string, stat: Stats): Promise<void> {
  if (!stat.isFile()) throw badInput(`${file} is not a regular file: not replacing it`);
  const mode = (stat.mode & 0o777).toString(8).padStart(4, '0');
  // root may write anything, so the mode bits are the only word the owner has.
  if (process.getuid?.() === 0 && (stat.mode & 0o222) === 0) {
    throw failed(`${file} is read-only (mode ${mode}): kyman will not change it; make it writable (chmod u+w) first`);
  }
  await step('write', file, () => fs.access(target, fsConstants.W_OK));
}

/**
 * Writes `bytes` to `file` so that a reader sees either the old file or the new one, never a mix:
 * a temporary file beside the real file (symlinks followed), fsync, rename over, fsync the folder.
 * An existing file keeps its owner, group and mode; a new one is created with `mode` (0600).
 * `sameAs` names another file whose owner, group and mode a new file takes (a stash written
 * beside the one it will replace).
 */
export async function writeFileAtomic(file: string, bytes: Uint8Array, mode = 0o600, options: { sameAs?: string } = {}): Promise<void> {
  const target = await realTarget(file);
  const dir = path.dirname(target);
  const existing = await fs.stat(target).catch(() => undefined);
  if (existing) await checkWritable(file, target, existing);
  const model = existing ?? (options.sameAs ? await fs.stat(options.sameAs).catch(() => undefined) : undefined);
  await removeDeadWritersFiles(target);
  const temp = privateNameFor(target);
  ownPrivateFiles.add(temp);
  let handle: fs.FileHandle | undefined;
  try {
    await step('write', file, async () => {
      handle = await fs.open(temp, fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_WRONLY, model ? 0o600 : mode);
      await handle.writeFile(bytes);
      if (model) await keepOwnerAndMode(handle, model, file);
      await handle.sync();
      await handle.close();
      handle = undefined;
    });
    await step('replace', file, () => fs.rename(temp, target));
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await fs.rm(temp, { force: true }).catch(() => undefined);
    throw error;
  } finally {
    ownPrivateFiles.delete(temp);
  }
  await syncFolder(dir);
}

/** Gives the new file the old one's owner, group and mode (owner and group first: chown clears setuid bits). */
async function keepOwnerAndMode(handle: fs.FileHandle, model: Stats, file: string): Promise<void> {
  const uid = process.getuid?.();
  const gid = process.getgid?.();
  if (model.uid !== uid || model.gid !== gid) {
    try {
      await handle.chown(model.uid, model.gid);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EPERM') throw error;
      throw failed(`cannot write ${file} without changing its owner (uid ${model.uid}, gid ${model.gid}): run this as that user or as root`);
    }
  }
  await handle.chmod(model.mode & 0o7777);
}

/** A rename is durable only once the folder entry is on disk. */
async function syncFolder(dir: string): Promise<void> {
  const dirHandle = await fs.open(dir, 'r').catch(() => undefined);
  await dirHandle?.sync().catch(() => undefined);
  await dirHandle?.close();
}

/** Renames `from` over `to` (both beside each other) and makes it durable; errors said as such. */
export async function renameDurably(from: string, to: string): Promise<void> {
  await step('replace', to, () => fs.rename(from, to));
  await syncFolder(path.dirname(to));
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
    throw fileSystemError(error, 'read', file);
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
