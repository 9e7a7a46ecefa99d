// Opening the key store a command names: a database file with its password (flag, stash or
// prompt), or a token with its PIN.

import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { PrivateKeyHandle } from '../core/crypto/provider.js';
import { badPassword, KymanError, usage } from '../core/errors.js';
import type { FileKeyStore } from '../core/keystore/file-key-store.js';
import { openKeyDatabase } from '../core/keystore/open-database.js';
import { stashedPassword } from '../core/keystore/password-change.js';
import { passwordExpiryWarning } from '../core/keystore/password-expiry.js';
import type { Pkcs11KeyStore } from '../core/keystore/pkcs11-key-store.js';
import { stashPathFor } from '../core/keystore/stash.js';
import type { KeyStore } from '../core/keystore/types.js';
import { canPrompt, databasePassword, PASSWORD_SPEC_HELP, readPasswordSpec, ask } from './password.js';

export interface DatabaseFlags {
  db?: string;
  pass?: string;
  upgrade?: boolean;
  'jks-key-pass'?: string;
}

export interface StoreFlags extends DatabaseFlags {
  token?: string;
  module?: string;
  pin?: string;
  'token-ops'?: string;
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

/** Opens `--db` (a file: the commands that change a file's own properties), telling the person where a wrong password came from. */
export async function openDatabase(flags: DatabaseFlags, warn: (message: string) => void): Promise<{ store: FileKeyStore; password: string }> {
  const file = requireDb(flags);
  const resolved = await databasePassword(file, flags.pass);
  if (resolved.warning) warn(resolved.warning);
  const opened = await openWithPassword(file, flags, resolved, warn);
  // gskkyman's own rule for an expired password is not known: kyman warns and goes on.
  const expiry = await passwordExpiryWarning(file);
  if (expiry) warn(expiry);
  return opened;
}

async function openWithPassword(file: string, flags: DatabaseFlags, resolved: { password: string; source: 'flag' | 'stash' | 'prompt' }, warn: (message: string) => void): Promise<{ store: FileKeyStore; password: string }> {
  const keyPassword = jksKeyPassword(flags['jks-key-pass'], warn);
  const open = (password: string) => openKeyDatabase(file, { password, keyPassword, onNotice: warn, upgrade: flags.upgrade, lockTimeoutMs: lockTimeoutMs() });
  try {
    return { store: await open(resolved.password), password: resolved.password };
  } catch (error) {
    if (error instanceof KymanError && error.code === 'BAD_PASSWORD' && resolved.source === 'stash') {
      // A password change may have committed between reading the stash and opening the
      // database: the stash, asked again, waits for it and then holds the new password.
      const again = await stashedPassword(file, { lockTimeoutMs: lockTimeoutMs() });
      if (again && again.password !== resolved.password) {
        try {
          return { store: await open(again.password), password: again.password };
        } catch (retryError) {
          throw wrongPassword(retryError, file, 'stash');
        }
      }
    }
    throw wrongPassword(error, file, resolved.source);
  }
}

/** `--jks-key-pass`: the password of a Java keystore key that has its own, when given. */
export function jksKeyPassword(spec: string | undefined, warn: (message: string) => void): string | undefined {
  if (spec === undefined) return undefined;
  const given = readPasswordSpec(spec, '--jks-key-pass');
  if (given.warning) warn(given.warning);
  return given.password;
}

/** A BAD_PASSWORD said with where the password came from; any other error as it is. */
export function wrongPassword(error: unknown, file: string, source: 'flag' | 'stash' | 'prompt'): unknown {
  if (!(error instanceof KymanError) || error.code !== 'BAD_PASSWORD') return error;
  const name = path.basename(file);
  if (source === 'stash') {
    return badPassword(`the stash file ${path.basename(stashPathFor(file))} does not hold the password for ${name}: give --pass, or rewrite the stash with "kyman db stash --pass …"`);
  }
  // Only a stash that is there is worth suggesting.
  const stash = stashPathFor(file);
  return badPassword(`wrong password for ${name}: try --pass again${existsSync(stash) ? ` or the stash file ${path.basename(stash)}` : ''}`);
}

/** The token's PIN: --pin, else --pass, else a hidden prompt on a terminal, else a one-line error. */
export async function tokenPin(flags: StoreFlags, token: string, warn: (message: string) => void): Promise<string> {
  const spec = flags.pin ?? flags.pass;
  if (spec !== undefined) {
    const r = readPasswordSpec(spec, flags.pin !== undefined ? '--pin' : '--pass');
    if (r.warning) warn(r.warning);
    return r.password;
  }
  if (canPrompt()) return ask(`User PIN for token "${token}":`);
  throw usage(`no PIN for token "${token}": give --pin (${PASSWORD_SPEC_HELP})`);
}

/**
 * Whether the command works on a token: `--token` beats `--db` from KYMAN_DB, `--db` beats
 * `--token` from KYMAN_TOKEN; both given on the command line (or both from the environment) is
 * a usage error, since either guess could change the wrong store.
 */
export function usesToken(flags: StoreFlags): boolean {
  if (flags.token === undefined) return false;
  if (flags.db === undefined) return true;
  const tokenFromEnv = process.env.KYMAN_TOKEN === flags.token;
  const dbFromEnv = process.env.KYMAN_DB === flags.db;
  if (tokenFromEnv !== dbFromEnv) return dbFromEnv;
  throw usage(tokenFromEnv ? 'KYMAN_DB and KYMAN_TOKEN are both set: give --db FILE or --token LABEL' : 'give --db FILE or --token LABEL, not both');
}

/**
 * Opens the key store a cert, req or tls command works on: `--token LABEL` (a PKCS #11 token,
 * env KYMAN_TOKEN) or `--db FILE`. The same KeyStore comes back either way.
 */
export async function openStore(flags: StoreFlags, warn: (message: string) => void): Promise<{ store: KeyStore; password: string }> {
  if (!usesToken(flags)) {
    const moduleGiven = flags.module !== undefined && flags.module !== process.env.KYMAN_PKCS11_MODULE;
    if (moduleGiven || flags['token-ops']) throw usage('--module and --token-ops apply to a token: give --token LABEL');
    return openDatabase(flags, warn);
  }
  if (flags.upgrade) throw usage('--upgrade applies to CMS database files, not tokens');
  const pin = await tokenPin(flags, flags.token!, warn);
  const tokenOps = flags['token-ops'] as 'sign' | 'all' | undefined;
  // Loaded only for a token, so a command on a file does not load the PKCS #11 layer and its native addon.
  const { openTokenKeyStore } = await import('../core/keystore/pkcs11-key-store.js');
  const store = openTokenKeyStore({ tokenLabel: flags.token!, module: flags.module, pin, tokenOps, onNotice: warn });
  return { store, password: pin };
}

/** `--existing-key`: the lone key labelled `label` on the token (made by another tool). */
export function existingTokenKey(store: KeyStore, label: string): PrivateKeyHandle {
  if (store.type !== 'pkcs11') throw usage('--existing-key applies to a token: a key database file holds no key without its certificate');
  return (store as Pkcs11KeyStore).loneKey(label);
}
