// Looking after tokens themselves: list the slots, initialize a token, wipe one, show what it holds.

import { conflict, notFound, usage } from '../errors.js';
import { MECHANISMS, P11, TokenSession, ckrOf, defaultModulePath, findToken, pkcs11Error, tokensOf, withModule, type Handle, type MechanismName, type Pkcs11 } from './pkcs11-module.js';

export interface TokenSummary {
  /** The slot id as the module numbers it (hex); SoftHSM2 renumbers slots, so find tokens by label. */
  readonly slot: string;
  readonly label: string;
  readonly manufacturer: string;
  readonly model: string;
  readonly serialNumber: string;
  readonly initialized: boolean;
  readonly userPinInitialized: boolean;
  /** Which of the mechanisms kyman uses the token offers. */
  readonly mechanisms: readonly MechanismName[];
}

export interface TokenObject {
  readonly class: 'private-key' | 'public-key' | 'certificate' | 'secret-key' | 'other';
  readonly label: string;
  /** CKA_ID in hex. */
  readonly id: string;
}

export interface TokenDetails extends TokenSummary {
  readonly module: string;
  readonly minPinLength: number;
  readonly maxPinLength: number;
  /** Absent when the token does not say (CK_UNAVAILABLE_INFORMATION). */
  readonly freePublicMemory?: number;
  readonly freePrivateMemory?: number;
  /** Public objects, and private ones too when a PIN was given. */
  readonly objects: readonly TokenObject[];
}

/** Objects one listing reads: a bound, so a token stuffed with objects cannot stall `token show`. */
export const MAX_LISTED_OBJECTS = 10_000;

/** pkcs11js hands some CK_ULONGs over as bigints; ~0 means "the token does not say". */
const count = (n: number | bigint): number | undefined => (BigInt(n) >= 2n ** 53n ? undefined : Number(n));

const trim = (s: string) => s.replace(/[\s\0]+$/, '');

function summarize(lib: Pkcs11, slot: Handle, info: ReturnType<Pkcs11['C_GetTokenInfo']>): TokenSummary {
  const present = new Set(lib.C_GetMechanismList(slot));
  return {
    slot: slot.toString('hex'),
    label: trim(info.label),
    manufacturer: trim(info.manufacturerID),
    model: trim(info.model),
    serialNumber: trim(info.serialNumber),
    initialized: (info.flags & P11.CKF_TOKEN_INITIALIZED) !== 0,
    userPinInitialized: (info.flags & P11.CKF_USER_PIN_INITIALIZED) !== 0,
    mechanisms: (Object.keys(MECHANISMS) as MechanismName[]).filter((m) => present.has(MECHANISMS[m])),
  };
}

/** Every slot with a token in it, initialized or not. */
export function listTokens(module?: string): TokenSummary[] {
  const path = defaultModulePath(module);
  return withModule(path, (lib) => tokensOf(lib).map((t) => summarize(lib, t.slot, t.info)));
}

export interface InitTokenOptions {
  label: string;
  soPin: string;
  userPin: string;
}

/** PKCS #11 §4.5: the token label is 32 bytes, blank-padded. */
export const MAX_TOKEN_LABEL_BYTES = 32;

/** Initializes a token in the first free slot (not yet initialized) and sets its user PIN. */
export function initToken(module: string | undefined, options: InitTokenOptions): TokenSummary {
  const path = defaultModulePath(module);
  if (!options.label || Buffer.byteLength(options.label) > MAX_TOKEN_LABEL_BYTES) throw usage(`a token label is 1 to ${MAX_TOKEN_LABEL_BYTES} bytes; "${options.label}" is not`);
  return withModule(path, (lib) => {
    const tokens = tokensOf(lib);
    if (tokens.some((t) => t.label === options.label && t.info.flags & P11.CKF_TOKEN_INITIALIZED)) {
      throw conflict(`a token labelled "${options.label}" exists in ${path}`);
    }
    const free = tokens.find((t) => !(t.info.flags & P11.CKF_TOKEN_INITIALIZED));
    if (!free) throw notFound(`no free slot in ${path}: every token there is initialized`);
    try {
      lib.C_InitToken(free.slot, options.soPin, options.label);
    } catch (error) {
      throw pkcs11Error(`initializing a token in ${path}`, error);
    }
    // SoftHSM2 moves a freshly initialized token to a new slot id; find it again by label.
    const token = findToken(lib, path, options.label);
    const session = lib.C_OpenSession(token.slot, P11.CKF_SERIAL_SESSION | P11.CKF_RW_SESSION);
    try {
      lib.C_Login(session, P11.CKU_SO, options.soPin);
      lib.C_InitPIN(session, options.userPin);
      lib.C_Logout(session);
    } catch (error) {
      throw pkcs11Error(`setting the user PIN of token "${options.label}"`, error);
    } finally {
      lib.C_CloseSession(session);
    }
    const fresh = tokensOf(lib).find((t) => t.label === options.label)!;
    return summarize(lib, fresh.slot, fresh.info);
  });
}

/**
 * Wipes a token: PKCS #11 has no call that removes one, so this re-initializes it with its SO PIN
 * (C_InitToken destroys every object on it) and keeps its label; the slot stays, empty, with no
 * user PIN until `initToken`-style C_InitPIN is run again. SoftHSM2's own `softhsm2-util
 * --delete-token` removes the slot as well; kyman does not call vendor tools.
 */
export function deleteToken(module: string | undefined, label: string, soPin: string): { label: string; objectsDestroyed: number } {
  const path = defaultModulePath(module);
  return withModule(path, (lib) => {
    const token = findToken(lib, path, label);
    let count = 0;
    // Count what goes, as SO (who sees public objects only): the user's count needs the user PIN.
    const session = lib.C_OpenSession(token.slot, P11.CKF_SERIAL_SESSION);
    try {
      lib.C_FindObjectsInit(session, []);
      count = lib.C_FindObjects(session, MAX_LISTED_OBJECTS).length;
      lib.C_FindObjectsFinal(session);
    } finally {
      lib.C_CloseSession(session);
    }
    try {
      lib.C_InitToken(token.slot, soPin, label);
    } catch (error) {
      const code = ckrOf(error);
      if (code === P11.CKR_PIN_INCORRECT) throw pkcs11Error(`wrong SO PIN for token "${label}"`, error);
      throw pkcs11Error(`wiping token "${label}"`, error);
    }
    return { label, objectsDestroyed: count };
  });
}

const CLASS_NAME: Record<number, TokenObject['class']> = {
  [P11.CKO_PRIVATE_KEY]: 'private-key',
  [P11.CKO_PUBLIC_KEY]: 'public-key',
  [P11.CKO_CERTIFICATE]: 'certificate',
  [P11.CKO_SECRET_KEY]: 'secret-key',
};

/** One token: its details, mechanisms and objects (private ones too when `pin` is given). */
export function showToken(module: string | undefined, label: string, pin?: string): TokenDetails {
  const path = defaultModulePath(module);
  const read = (lib: Pkcs11, find: (template: { type: number; value: unknown }[]) => Handle[], attrs: (o: Handle) => Map<number, Buffer>): TokenDetails => {
    const token = findToken(lib, path, label);
    const objects = find([]).map((o) => {
      const a = attrs(o);
      const cls = a.get(P11.CKA_CLASS);
      return {
        class: (cls ? CLASS_NAME[cls.readUInt32LE(0)] : undefined) ?? 'other',
        label: a.get(P11.CKA_LABEL)?.toString('utf8') ?? '',
        id: a.get(P11.CKA_ID)?.toString('hex') ?? '',
      } satisfies TokenObject;
    });
    const i = token.info;
    return {
      ...summarize(lib, token.slot, i),
      module: path,
      minPinLength: count(i.minPinLen) ?? 0,
      maxPinLength: count(i.maxPinLen) ?? 0,
      freePublicMemory: count(i.freePublicMemory),
      freePrivateMemory: count(i.freePrivateMemory),
      objects,
    };
  };
  const ATTRS = [P11.CKA_CLASS, P11.CKA_LABEL, P11.CKA_ID];
  if (pin !== undefined) {
    const t = TokenSession.open(path, label, pin);
    try {
      return read(t.lib, (tpl) => t.find(tpl as never), (o) => t.attributes(o, ATTRS));
    } finally {
      t.close();
    }
  }
  return withModule(path, (lib) => {
    const token = findToken(lib, path, label);
    const session = lib.C_OpenSession(token.slot, P11.CKF_SERIAL_SESSION);
    try {
      return read(
        lib,
        (tpl) => {
          lib.C_FindObjectsInit(session, tpl as never);
          try {
            return lib.C_FindObjects(session, MAX_LISTED_OBJECTS);
          } finally {
            lib.C_FindObjectsFinal(session);
          }
        },
        (o) => new Map(ATTRS.flatMap((type) => {
          try {
            const [a] = lib.C_GetAttributeValue(session, o, [{ type }]);
            return a?.value ? [[type, a.value] as [number, Buffer]] : [];
          } catch {
            return [];
          }
        })),
      );
    } finally {
      lib.C_CloseSession(session);
    }
  });
}
