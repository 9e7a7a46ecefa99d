// The PKCS #11 plumbing under the token provider and key store: modules, slots, sessions, errors.

import { existsSync } from 'node:fs';
import pkcs11js from 'pkcs11js';
import { KymanError, badPassword, failed, notFound, usage } from '../errors.js';

export const P11 = pkcs11js;
export type Pkcs11 = InstanceType<typeof pkcs11js.PKCS11>;
export type Handle = Buffer;

/** Mechanisms PKCS #11 2.40 / 3.0 define that pkcs11js 2.1.7 has no constant for. */
export const CKM_EC_EDWARDS_KEY_PAIR_GEN = 0x1055;
export const CKM_EDDSA = 0x1057;
export const CKK_EC_EDWARDS = 0x40;

/** The mechanisms kyman cares about, by the names `kyman token list` shows. */
export const MECHANISMS = {
  'EC-KEY-PAIR-GEN': pkcs11js.CKM_EC_KEY_PAIR_GEN,
  'RSA-PKCS-KEY-PAIR-GEN': pkcs11js.CKM_RSA_PKCS_KEY_PAIR_GEN,
  'EC-EDWARDS-KEY-PAIR-GEN': CKM_EC_EDWARDS_KEY_PAIR_GEN,
  ECDSA: pkcs11js.CKM_ECDSA,
  'RSA-PKCS': pkcs11js.CKM_RSA_PKCS,
  'RSA-PKCS-PSS': pkcs11js.CKM_RSA_PKCS_PSS,
  EDDSA: CKM_EDDSA,
  'ECDH1-DERIVE': pkcs11js.CKM_ECDH1_DERIVE,
  'AES-GCM': pkcs11js.CKM_AES_GCM,
} as const;
export type MechanismName = keyof typeof MECHANISMS;

/** Where SoftHSM2's library lives on the systems kyman is tested on; the first that exists wins. */
export const SOFTHSM2_MODULES = [
  '/usr/lib/softhsm/libsofthsm2.so',
  '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/lib64/softhsm/libsofthsm2.so',
  '/usr/local/lib/softhsm/libsofthsm2.so',
  '/opt/homebrew/lib/softhsm/libsofthsm2.so',
];

/** The module to use: the one given, else `KYMAN_PKCS11_MODULE`, else SoftHSM2's library where found. */
export function defaultModulePath(given?: string): string {
  if (given) return given;
  const env = process.env.KYMAN_PKCS11_MODULE;
  if (env) return env;
  const found = SOFTHSM2_MODULES.find((p) => existsSync(p));
  if (!found) throw notFound('no PKCS #11 module: give --module PATH or set KYMAN_PKCS11_MODULE');
  return found;
}

/** The PKCS #11 return value's name, e.g. CKR_PIN_INCORRECT, for messages. */
function ckrName(code: number): string {
  for (const [k, v] of Object.entries(pkcs11js)) if (k.startsWith('CKR_') && v === code) return k;
  return `0x${code.toString(16)}`;
}

export const ckrOf = (error: unknown): number | undefined =>
  error instanceof pkcs11js.Pkcs11Error ? error.code : undefined;

/** Turns a Cryptoki failure into a KymanError that says what happened to what. */
export function pkcs11Error(what: string, error: unknown): KymanError {
  if (error instanceof KymanError) return error;
  const code = ckrOf(error);
  if (code === undefined) return failed(`${what}: ${(error as Error)?.message ?? String(error)}`, error);
  const name = ckrName(code);
  if (code === pkcs11js.CKR_PIN_INCORRECT || code === pkcs11js.CKR_PIN_INVALID || code === pkcs11js.CKR_PIN_LEN_RANGE) {
    return badPassword(`${what}: the PIN is wrong (${name})`, error);
  }
  if (code === pkcs11js.CKR_PIN_LOCKED) return badPassword(`${what}: the PIN is locked (${name}); unlock it with the SO PIN`, error);
  if (code === pkcs11js.CKR_TOKEN_NOT_PRESENT || code === pkcs11js.CKR_SLOT_ID_INVALID) return notFound(`${what}: ${name}`, error);
  if (code === pkcs11js.CKR_MECHANISM_INVALID || code === pkcs11js.CKR_MECHANISM_PARAM_INVALID) return usage(`${what}: the token refused the mechanism (${name})`, error);
  return failed(`${what}: ${name}`, error);
}

interface LoadedModule {
  readonly lib: Pkcs11;
  refs: number;
}

// Cryptoki allows one C_Initialize per process per library; every user shares it and the last
// to close finalizes (so a test can point SOFTHSM2_CONF elsewhere and open again).
const modules = new Map<string, LoadedModule>();

/** Loads and initializes a module once per process; pair with `releaseModule`. */
export function acquireModule(path: string): Pkcs11 {
  const loaded = modules.get(path);
  if (loaded) {
    loaded.refs++;
    return loaded.lib;
  }
  if (!existsSync(path)) throw notFound(`PKCS #11 module ${path}: no such file`);
  const lib = new pkcs11js.PKCS11();
  try {
    lib.load(path);
  } catch (error) {
    throw notFound(`PKCS #11 module ${path} could not be loaded: ${(error as Error).message}`, error);
  }
  try {
    lib.C_Initialize();
  } catch (error) {
    if (ckrOf(error) !== pkcs11js.CKR_CRYPTOKI_ALREADY_INITIALIZED) throw pkcs11Error(`initializing ${path}`, error);
  }
  modules.set(path, { lib, refs: 1 });
  return lib;
}

export function releaseModule(path: string): void {
  const loaded = modules.get(path);
  if (!loaded || --loaded.refs > 0) return;
  modules.delete(path);
  try {
    loaded.lib.C_Finalize();
  } catch {
    // Finalizing a module whose sessions the token already dropped is not worth an error on close.
  }
  try {
    loaded.lib.close();
  } catch {
    // As above.
  }
}

/** Runs `fn` with the module loaded, then releases it. */
export function withModule<T>(path: string, fn: (lib: Pkcs11) => T): T {
  const lib = acquireModule(path);
  try {
    return fn(lib);
  } finally {
    releaseModule(path);
  }
}

const trim = (s: string) => s.replace(/[\s\0]+$/, '');

export interface SlotToken {
  readonly slot: Handle;
  readonly label: string;
  readonly info: pkcs11js.TokenInfo;
}

/** Every slot with a token in it, with its trimmed label. */
export function tokensOf(lib: Pkcs11): SlotToken[] {
  return lib.C_GetSlotList(true).map((slot) => {
    const info = lib.C_GetTokenInfo(slot);
    return { slot, label: trim(info.label), info };
  });
}

/** The initialized token with this label, or NOT_FOUND naming the labels there are. */
export function findToken(lib: Pkcs11, modulePath: string, label: string): SlotToken {
  const tokens = tokensOf(lib);
  const token = tokens.find((t) => t.label === label && (t.info.flags & pkcs11js.CKF_TOKEN_INITIALIZED) !== 0);
  if (token) return token;
  const present = tokens.filter((t) => t.info.flags & pkcs11js.CKF_TOKEN_INITIALIZED).map((t) => `"${t.label}"`);
  throw notFound(`no token labelled "${label}" in ${modulePath}; tokens there: ${present.length ? present.join(', ') : 'none'}`);
}

export function mechanismsOf(lib: Pkcs11, slot: Handle): Set<number> {
  return new Set(lib.C_GetMechanismList(slot));
}

/**
 * Most tokens cap sessions per application (small HSMs at a handful). pkcs11js's calls are
 * synchronous, so one JavaScript thread rarely needs more than one; a few spare cover callers
 * that hold a session across an await.
 */
export const MAX_IDLE_SESSIONS = 4;

// The PIN each logged-in token accepted, so a second opener in this process is held to it.
const logins = new Map<string, string>();
const loginKey = (modulePath: string, slot: Handle) => `${modulePath}\0${slot.toString('hex')}`;
const openTokens = new Set<TokenSession>();

/** A logged-in token: a slot, a pool of read-write sessions, and the user's login. */
export class TokenSession {
  private readonly idle: Handle[] = [];
  private readonly all = new Map<string, Handle>();
  private closed = false;
  private loggedIn = false;
  readonly mechanisms: Set<number>;

  private constructor(
    readonly lib: Pkcs11,
    readonly modulePath: string,
    readonly label: string,
    readonly slot: Handle,
  ) {
    this.mechanisms = mechanismsOf(lib, slot);
    openTokens.add(this);
  }

  /** Opens the module, finds the token by label and logs in as its user. */
  static open(modulePath: string, label: string, pin: string): TokenSession {
    const lib = acquireModule(modulePath);
    let t: TokenSession | undefined;
    try {
      const token = findToken(lib, modulePath, label);
      t = new TokenSession(lib, modulePath, label, token.slot);
      const session = t.acquire();
      try {
        lib.C_Login(session, pkcs11js.CKU_USER, pin);
      } catch (error) {
        const code = ckrOf(error);
        // Login is per application and token: another provider in this process may hold it
        // already, and the token then accepts any PIN, so check this one against the one that logged in.
        if (code === pkcs11js.CKR_USER_ALREADY_LOGGED_IN && logins.get(loginKey(modulePath, token.slot)) !== pin) {
          throw badPassword(`wrong PIN for token "${label}": try --pin with another source`, error);
        }
        if (code !== pkcs11js.CKR_USER_ALREADY_LOGGED_IN) {
          if (code === pkcs11js.CKR_PIN_INCORRECT || code === pkcs11js.CKR_PIN_LEN_RANGE || code === pkcs11js.CKR_PIN_INVALID) {
            throw badPassword(`wrong PIN for token "${label}": try --pin with another source`, error);
          }
          throw pkcs11Error(`logging in to token "${label}"`, error);
        }
      } finally {
        t.release(session);
      }
      logins.set(loginKey(modulePath, token.slot), pin);
      t.loggedIn = true;
      return t;
    } catch (error) {
      if (t) t.close();
      else releaseModule(modulePath);
      throw error;
    }
  }

  has(mechanism: number): boolean {
    return this.mechanisms.has(mechanism);
  }

  acquire(): Handle {
    if (this.closed) throw usage(`token "${this.label}" is closed`);
    const s = this.idle.pop();
    if (s) return s;
    const session = this.lib.C_OpenSession(this.slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
    this.all.set(session.toString('hex'), session);
    return session;
  }

  /** Closes a session that must not go back to the pool (an operation failed half-way on it). */
  discard(session: Handle): void {
    this.all.delete(session.toString('hex'));
    try {
      this.lib.C_CloseSession(session);
    } catch {
      // Already gone.
    }
  }

  release(session: Handle): void {
    if (this.closed) return;
    if (this.idle.length < MAX_IDLE_SESSIONS) this.idle.push(session);
    else {
      this.all.delete(session.toString('hex'));
      this.lib.C_CloseSession(session);
    }
  }

  /** Runs `fn` on a pooled session, mapping Cryptoki errors to KymanErrors that name `what`. */
  run<T>(what: string, fn: (session: Handle, lib: Pkcs11) => T): T {
    const session = this.acquire();
    try {
      return fn(session, this.lib);
    } catch (error) {
      throw pkcs11Error(what, error);
    } finally {
      this.release(session);
    }
  }

  /** Objects matching the template. */
  find(template: pkcs11js.Template): Handle[] {
    return this.run('searching the token', (s, lib) => {
      lib.C_FindObjectsInit(s, template);
      try {
        const found: Handle[] = [];
        // Bounded batches: the search state lives on the token, which may cap one call's reply.
        for (;;) {
          const batch = lib.C_FindObjects(s, 64);
          found.push(...batch);
          if (batch.length < 64) return found;
        }
      } finally {
        lib.C_FindObjectsFinal(s);
      }
    });
  }

  attributes(object: Handle, types: number[]): Map<number, Buffer> {
    return this.run('reading object attributes', (s, lib) => {
      const result = new Map<number, Buffer>();
      for (const type of types) {
        // One attribute a call: a token that lacks one fails only that one.
        try {
          const [a] = lib.C_GetAttributeValue(s, object, [{ type }]);
          if (a?.value) result.set(type, a.value);
        } catch {
          // Absent or sensitive: the caller decides what a missing attribute means.
        }
      }
      return result;
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    // Only this provider's sessions: C_CloseAllSessions would cut off others in this process on
    // the same token. Closing the last one logs the application out (PKCS #11 §5.6).
    for (const session of this.all.values()) {
      try {
        this.lib.C_CloseSession(session);
      } catch {
        // The token may be gone already; nothing is left to close then.
      }
    }
    this.idle.length = 0;
    this.all.clear();
    // The login ends with the application's last session on the token, which may not be this one's.
    if (this.loggedIn && ![...openTokens].some((t) => t !== this && t.slot.equals(this.slot) && t.modulePath === this.modulePath)) {
      logins.delete(loginKey(this.modulePath, this.slot));
    }
    openTokens.delete(this);
    releaseModule(this.modulePath);
  }
}
