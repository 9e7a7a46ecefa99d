// An open key database in the menu: the store, its password, and how a script would give that password.

import * as path from 'node:path';
import { listTokens } from '../../core/crypto/pkcs11-tokens.js';
import { badPassword, KymanError, notFound } from '../../core/errors.js';
import type { FileKeyStore } from '../../core/keystore/file-key-store.js';
import { openKeyDatabase } from '../../core/keystore/open-database.js';
import { stashedPassword } from '../../core/keystore/password-change.js';
import { openTokenKeyStore } from '../../core/keystore/pkcs11-key-store.js';
import { isPkcs11Uri, parsePkcs11Uri } from '../../core/keystore/pkcs11-uri.js';
import { readStashFor, stashPathFor } from '../../core/keystore/stash.js';
import type { KeyStore } from '../../core/keystore/types.js';
import { lockTimeoutMs } from '../key-database.js';
import { askFromList, askPassword } from './forms.js';

/** The variable the shown command lines read the database password from. */
export const PASS_ENV = 'KDB_PASS';
/** The variable the shown command lines read a token's PIN from. */
export const PIN_ENV = 'PIN';

/** An open key database or token: the store and its password or PIN. */
export interface Session {
  store: KeyStore;
  password: string;
}

/** An open key database file. */
export interface FileSession extends Session {
  store: FileKeyStore;
}

/** Logs in to a token (its PIN asked, hidden) and opens it as a key store. */
export async function openTokenSession(label: string): Promise<Session> {
  const pin = await askPassword(`User PIN for token "${label}":`);
  const store = openTokenKeyStore({ tokenLabel: label, pin });
  return { store, password: pin };
}

/** The password of an existing database: the stash beside it, else asked (hidden). */
export async function existingPassword(file: string): Promise<{ password: string; source: 'stash' | 'prompt' }> {
  const stash = await stashedPassword(file);
  if (stash) return { password: stash.password, source: 'stash' };
  return { password: await askPassword(`Password for ${file}:`), source: 'prompt' };
}

/** Opens a database as the commands do, saying where a wrong password came from. */
export async function openSession(file: string): Promise<FileSession> {
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
 * answer for it, or `--token LABEL --pin env:PIN` for a token. A password itself is never shown.
 */
export async function dbWords(file: string): Promise<string[]> {
  if (isPkcs11Uri(file)) return ['--token', parsePkcs11Uri(file).tokenLabel, '--pin', `env:${PIN_ENV}`];
  const stash = await readStashFor(file).catch(() => undefined);
  return stash ? ['--db', file] : ['--db', file, '--pass', `env:${PASS_ENV}`];
}

/** Picks one of the module's initialized tokens (the module from KYMAN_PKCS11_MODULE, else SoftHSM2's). */
export async function askToken(): Promise<string> {
  const tokens = listTokens().filter((t) => t.initialized);
  if (tokens.length === 0) throw notFound('no initialized token: create one first (Create new token)');
  return askFromList(
    'Token:',
    tokens.map((t) => ({ value: t.label, name: `${t.label}  (${t.manufacturer} ${t.model}, serial ${t.serialNumber})` })),
    tokens[0].label,
  );
}
