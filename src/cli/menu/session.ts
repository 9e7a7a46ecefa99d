// An open key database in the menu: the store, its password, and how a script would give that password.

import * as path from 'node:path';
import { badPassword, KymanError, openKeyDatabase, readStashFor, stashPathFor, type FileKeyStore } from '../../core/index.js';
import { lockTimeoutMs } from '../key-database.js';
import { askPassword } from './forms.js';

/** The variable the shown command lines read the database password from. */
export const PASS_ENV = 'KDB_PASS';

export interface Session {
  store: FileKeyStore;
  password: string;
}

/** The password of an existing database: the stash beside it, else asked (hidden). */
export async function existingPassword(file: string): Promise<{ password: string; source: 'stash' | 'prompt' }> {
  const stash = await readStashFor(file);
  if (stash) return { password: stash.password, source: 'stash' };
  return { password: await askPassword(`Password for ${file}:`), source: 'prompt' };
}

/** Opens a database as the commands do, saying where a wrong password came from. */
export async function openSession(file: string): Promise<Session> {
  const resolved = await existingPassword(file);
  try {
    const store = await openKeyDatabase(file, { password: resolved.password, lockTimeoutMs: lockTimeoutMs() });
    return { store, password: resolved.password };
  } catch (error) {
    if (error instanceof KymanError && error.code === 'BAD_PASSWORD') {
      const name = path.basename(file);
      if (resolved.source === 'stash') {
        throw badPassword(`the stash file ${path.basename(stashPathFor(file))} does not hold the password for ${name}: rewrite it with "kyman db stash --db ${file} --pass env:${PASS_ENV}"`);
      }
      throw badPassword(`wrong password for ${name}`);
    }
    throw error;
  }
}

/**
 * The `--db FILE` words of a shown command line, with `--pass env:KDB_PASS` unless a stash will
 * answer for it. A password itself is never shown.
 */
export async function dbWords(file: string): Promise<string[]> {
  const stash = await readStashFor(file).catch(() => undefined);
  return stash ? ['--db', file] : ['--db', file, '--pass', `env:${PASS_ENV}`];
}
