// Opening the key database a command names, with the password from the flag, the stash or a prompt.

import * as path from 'node:path';
import { badPassword, KymanError, openKeyStore, stashPathFor, usage, type FileKeyStore } from '../core/index.js';
import { databasePassword } from './password.js';

export interface DatabaseFlags {
  db?: string;
  pass?: string;
  upgrade?: boolean;
}

export function requireDb(flags: DatabaseFlags): string {
  if (!flags.db) throw usage('no key database given: use --db FILE or set KYMAN_DB');
  return flags.db;
}

/** How long to wait for another writer, from KYMAN_LOCK_TIMEOUT (seconds); the core default otherwise. */
export function lockTimeoutMs(): number | undefined {
  const seconds = Number(process.env.KYMAN_LOCK_TIMEOUT);
  return Number.isFinite(seconds) && seconds >= 0 && process.env.KYMAN_LOCK_TIMEOUT ? seconds * 1000 : undefined;
}

/** Opens `--db`, telling the person where a wrong password came from. */
export async function openDatabase(flags: DatabaseFlags, warn: (message: string) => void): Promise<{ store: FileKeyStore; password: string }> {
  const file = requireDb(flags);
  const resolved = await databasePassword(file, flags.pass);
  if (resolved.warning) warn(resolved.warning);
  try {
    const store = await openKeyStore(file, { password: resolved.password, upgrade: flags.upgrade, lockTimeoutMs: lockTimeoutMs() });
    return { store, password: resolved.password };
  } catch (error) {
    if (error instanceof KymanError && error.code === 'BAD_PASSWORD') {
      const name = path.basename(file);
      if (resolved.source === 'stash') {
        throw badPassword(`the stash file ${path.basename(stashPathFor(file))} does not hold the password for ${name}: give --pass, or rewrite the stash with "kyman db stash --pass …"`);
      }
      throw badPassword(`wrong password for ${name}: try --pass again or the stash file ${path.basename(stashPathFor(file))}`);
    }
    throw error;
  }
}
