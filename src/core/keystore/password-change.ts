// Changing a database password across its files (database, request database, stash) so that a
// crash at any moment leaves a database an unattended start still opens, and finishing a change
// that a crash interrupted.
//
// The change runs under the database's lock:
// 1. a change a crash left half done is finished first (below);
// 2. with a stash: the new stash is written beside the old one, as `X.sth.new` (atomically, with
//    the old stash's owner, group and mode), so the new password is on disk before anything needs it;
// 3. the database is rewritten under the new password (atomically);
// 4. the request database's pending keys move to the new password;
// 5. `X.sth.new` is renamed over `X.sth`.
// A crash before 3 leaves the old password everywhere and a spare `X.sth.new`; a crash after 3
// leaves the database under the new password and `X.sth.new` holding it. Whoever next asks for
// the stashed password (stashedPassword) or changes the password finds `X.sth.new`, takes the
// lock and asks the database which password it takes: the new one, and steps 4 and 5 are done
// now; the old one, and `X.sth.new` is removed.

import { promises as fs } from 'node:fs';
import type { CryptoProvider } from '../crypto/provider.js';
import { softwareProvider } from '../crypto/software.js';
import { KymanError, usage } from '../errors.js';
import { checkNewPassword } from './create.js';
import { FileKeyStore } from './file-key-store.js';
import { fileExists, readFileOrFail, realTarget, renameDurably, withFileLock, writeFileAtomic } from './file-io.js';
import { changeRequestStorePassword } from './requests/actions.js';
import { readStash, readStashFor, stashPathFor, writeStash } from './stash.js';
import { checkPasswordExpiryDays, renewPasswordExpiry, writePasswordExpiry, type PasswordExpiry } from './password-expiry.js';

/** The stash beside a database, where it really lives, and the new stash a password change writes beside it. */
async function stashFiles(databaseFile: string): Promise<{ stash: string; pending: string }> {
  const stash = await realTarget(stashPathFor(databaseFile));
  return { stash, pending: `${stash}.new` };
}

/** The new stash a password change writes before the database (`X.sth.new`), beside the real stash. */
export async function pendingStashPathFor(databaseFile: string): Promise<string> {
  return (await stashFiles(databaseFile)).pending;
}

async function databaseTakes(databaseFile: string, password: string, provider: CryptoProvider): Promise<boolean> {
  try {
    await FileKeyStore.open(databaseFile, { password, provider });
    return true;
  } catch (error) {
    if (error instanceof KymanError && error.code === 'BAD_PASSWORD') return false;
    throw error;
  }
}

/** Reads a stash, or undefined when it is missing or damaged (it is then no guide to anything). */
async function stashOrNothing(file: string, provider: CryptoProvider): Promise<string | undefined> {
  try {
    return readStash(provider, await readFileOrFail(file, 'stash file'));
  } catch {
    return undefined;
  }
}

/**
 * Finishes a password change a crash interrupted (see the steps above); does nothing, quickly,
 * when there is none. Returns what it did.
 */
export async function finishPasswordChange(
  databaseFile: string,
  options: { provider?: CryptoProvider; lockTimeoutMs?: number } = {},
): Promise<'none' | 'completed' | 'rolled back'> {
  const provider = options.provider ?? softwareProvider();
  const { stash, pending } = await stashFiles(databaseFile);
  if (!(await fileExists(pending))) return 'none';
  if (!(await fileExists(databaseFile))) return 'none';
  return withFileLock(
    databaseFile,
    async () => {
      // Looked at again under the lock: the change may have been running, and be over now.
      if (!(await fileExists(pending))) return 'none';
      const newPassword = await stashOrNothing(pending, provider);
      if (newPassword === undefined || !(await databaseTakes(databaseFile, newPassword, provider))) {
        await fs.rm(pending, { force: true });
        return 'rolled back';
      }
      const oldPassword = await stashOrNothing(stash, provider);
      if (oldPassword !== undefined && oldPassword !== newPassword) await changeRequestStorePassword(databaseFile, oldPassword, newPassword, provider);
      await renameDurably(pending, stash);
      return 'completed';
    },
    { timeoutMs: options.lockTimeoutMs },
  );
}

/**
 * The password the stash beside a database holds, after finishing any password change a crash
 * interrupted: what an unattended open uses. undefined when there is no stash.
 */
export async function stashedPassword(
  databaseFile: string,
  options: { provider?: CryptoProvider; lockTimeoutMs?: number } = {},
): Promise<{ path: string; password: string } | undefined> {
  const provider = options.provider ?? softwareProvider();
  try {
    await finishPasswordChange(databaseFile, options);
  } catch (error) {
    // Finishing needs to write (the request database, the rename); on a full or read-only disk it
    // cannot, but the database can still be opened with whichever password it took.
    const { stash, pending } = await stashFiles(databaseFile);
    const newPassword = await stashOrNothing(pending, provider);
    if (newPassword !== undefined && (await databaseTakes(databaseFile, newPassword, provider).catch(() => false))) return { path: stashPathFor(databaseFile), password: newPassword };
    if (!(await fileExists(stash))) throw error;
  }
  return readStashFor(databaseFile, provider);
}

/**
 * Changes the database password: every key re-encrypted, both MACs recomputed, the request
 * database's pending keys moved to the new password, an existing stash rewritten; all under one
 * lock, in the order above, so that no crash leaves a database its stash cannot open; then the
 * password expiry set anew (the days given, else the interval it had; none stays none).
 */
export async function changeKeyStorePassword(
  store: FileKeyStore,
  newPassword: string,
  options: { passwordExpiryDays?: number; now?: Date } = {},
): Promise<{ stash?: string; pendingRequests: number; passwordExpiry?: PasswordExpiry }> {
  // Refused before a new stash is written beside a file that will not be rewritten.
  if (store.readOnly) throw usage(store.readOnly);
  checkNewPassword(newPassword);
  if (options.passwordExpiryDays !== undefined) checkPasswordExpiryDays(options.passwordExpiryDays);
  const provider = store.provider;
  return withFileLock(
    store.path,
    async () => {
      await finishPasswordChange(store.path, { provider });
      const oldPassword = store.password;
      const { stash, pending } = await stashFiles(store.path);
      const hasStash = await fileExists(stash);
      if (hasStash) await writeFileAtomic(pending, writeStash(provider, newPassword), 0o600, { sameAs: stash });
      let pendingRequests: number;
      try {
        await store.changePassword(newPassword);
        pendingRequests = await changeRequestStorePassword(store.path, oldPassword, newPassword, provider);
      } catch (error) {
        // A failure (a full disk) is settled now as a crash would be next time: the database says
        // which password it took, and the stash follows it. Should that fail too, the next reader settles it.
        if (hasStash) await finishPasswordChange(store.path, { provider }).catch(() => undefined);
        throw error;
      }
      if (hasStash) await renameDurably(pending, stash);
      // A new password gets a new expiry: the days asked for, else the interval the old one had.
      const passwordExpiry =
        options.passwordExpiryDays !== undefined ? await writePasswordExpiry(store.path, options.passwordExpiryDays, options.now) : await renewPasswordExpiry(store.path, options.now);
      return { stash: hasStash ? stashPathFor(store.path) : undefined, pendingRequests, passwordExpiry };
    },
    { timeoutMs: store.lockTimeoutMs },
  );
}
