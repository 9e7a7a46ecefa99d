// When a key database password expires: kept in kyman's own small file beside the database
// (`keys.kdb.kyman.json`), because where IBM's tools keep it inside the CMS file is not known.

import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { badInput, usage } from '../errors.js';
import { writeFileAtomic } from './file-io.js';

/** gsk8capicmd's -expire accepts at most 7300 days (20 years). */
export const MAX_PASSWORD_EXPIRY_DAYS = 7300;
/** Warn this many days ahead, so there is time to change the password before services stop. */
export const PASSWORD_EXPIRY_WARNING_DAYS = 14;
/** The sidecar's layout version; readers ignore keys they do not know, so later versions may add some. */
export const PASSWORD_EXPIRY_FILE_VERSION = 1;
/** A sidecar is a few dozen bytes: anything far larger is not one. */
const MAX_SIDECAR_BYTES = 64 * 1024;
const DAY_MS = 86_400_000;

/** When the password expires, and the interval it was set with (kept so a password change can renew it). */
export interface PasswordExpiry {
  /** The UTC day the password expires, as YYYY-MM-DD. */
  expires: string;
  /** The number of days it was set for. */
  days?: number;
}

/** kyman's file beside a database: the whole name with `.kyman.json` added (keys.kdb → keys.kdb.kyman.json). */
export function kymanSidecarPathFor(databasePath: string): string {
  // The whole name, not the stem as .sth/.rdb: keys.kdb and keys.p12 side by side keep apart.
  return `${databasePath}.kyman.json`;
}

/** A --pass-expire value checked: a whole number of days, 0 (never) to MAX_PASSWORD_EXPIRY_DAYS. */
export function checkPasswordExpiryDays(days: number): number {
  if (!Number.isInteger(days) || days < 0 || days > MAX_PASSWORD_EXPIRY_DAYS) {
    throw usage(`--pass-expire must be a whole number of days from 0 (never) to ${MAX_PASSWORD_EXPIRY_DAYS}, not ${days}`);
  }
  return days;
}

/** The UTC day `days` after `now`, as YYYY-MM-DD. */
export function expiryDateIn(days: number, now: Date): string {
  return new Date(utcDay(now) + days * DAY_MS).toISOString().slice(0, 10);
}

/** Whole days from `now`'s UTC day to the expiry day: negative once expired, 0 on the day itself. */
export function passwordDaysLeft(expires: string, now: Date): number {
  return Math.round((utcDay(new Date(`${expires}T00:00:00Z`)) - utcDay(now)) / DAY_MS);
}

function utcDay(d: Date): number {
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
}

/** The database's password expiry, or undefined when none was set (no sidecar, or no expiry in it). */
export async function readPasswordExpiry(databasePath: string): Promise<PasswordExpiry | undefined> {
  const file = kymanSidecarPathFor(databasePath);
  let text: string;
  try {
    const stat = await fs.stat(file);
    if (stat.size > MAX_SIDECAR_BYTES) throw badInput(`${path.basename(file)} is too large to be kyman's settings file`);
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw badInput(`${path.basename(file)} is not valid JSON: fix or delete it`);
  }
  const value = (parsed as { passwordExpires?: unknown } | null)?.passwordExpires;
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) throw badInput(`${path.basename(file)}: passwordExpires is not a date`);
  const days = (parsed as { passwordExpiryDays?: unknown }).passwordExpiryDays;
  return { expires: new Date(Date.parse(value)).toISOString().slice(0, 10), ...(typeof days === 'number' ? { days } : {}) };
}

/**
 * Sets the password to expire `days` from `now` (0: never), keeping any other keys of the sidecar.
 * Returns the expiry set, or undefined for never.
 */
export async function writePasswordExpiry(databasePath: string, days: number, now: Date = new Date()): Promise<PasswordExpiry | undefined> {
  checkPasswordExpiryDays(days);
  const file = kymanSidecarPathFor(databasePath);
  const others = await readOtherKeys(file);
  if (days === 0) {
    if (Object.keys(others).length) await writeSidecar(file, others);
    else await fs.rm(file, { force: true });
    return undefined;
  }
  const expiry: PasswordExpiry = { expires: expiryDateIn(days, now), days };
  await writeSidecar(file, { ...others, passwordExpires: expiry.expires, passwordExpiryDays: days });
  return expiry;
}

/** After a password change: the same interval again from now, when one was set; nothing otherwise. */
export async function renewPasswordExpiry(databasePath: string, now: Date = new Date()): Promise<PasswordExpiry | undefined> {
  const current = await readPasswordExpiry(databasePath);
  if (!current?.days) return current;
  return writePasswordExpiry(databasePath, current.days, now);
}

/** Copies the sidecar to a new database (a conversion), as it is. */
export async function copyKymanSidecar(sourcePath: string, targetPath: string): Promise<void> {
  const source = kymanSidecarPathFor(sourcePath);
  const text = await fs.readFile(source).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (text) await writeFileAtomic(kymanSidecarPathFor(targetPath), text, 0o600);
}

/** The warning to give on opening a database whose password expires soon or has expired; undefined otherwise. */
export async function passwordExpiryWarning(databasePath: string, now: Date = new Date()): Promise<string | undefined> {
  const expiry = await readPasswordExpiry(databasePath).catch(() => undefined);
  if (!expiry) return undefined;
  const left = passwordDaysLeft(expiry.expires, now);
  if (left > PASSWORD_EXPIRY_WARNING_DAYS) return undefined;
  const name = path.basename(databasePath);
  const when = left < 0 ? `expired on ${expiry.expires}` : left === 0 ? `expires today (${expiry.expires})` : `expires on ${expiry.expires} (in ${left} day${left === 1 ? '' : 's'})`;
  return `the password of ${name} ${when}: change it with "kyman db passwd --db ${databasePath}"`;
}

/** How an expiry reads to a person: "2027-01-01 (in 29 days)", "2026-11-30 (expired 3 days ago)" or "never". */
export function describePasswordExpiry(expiry: PasswordExpiry | undefined, now: Date = new Date()): string {
  if (!expiry) return 'never';
  const left = passwordDaysLeft(expiry.expires, now);
  if (left < 0) return `${expiry.expires} (expired ${-left} day${left === -1 ? '' : 's'} ago)`;
  if (left === 0) return `${expiry.expires} (today)`;
  return `${expiry.expires} (in ${left} day${left === 1 ? '' : 's'})`;
}

async function readOtherKeys(file: string): Promise<Record<string, unknown>> {
  try {
    const parsed = JSON.parse(await fs.readFile(file, 'utf8')) as Record<string, unknown>;
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
    const { passwordExpires: _e, passwordExpiryDays: _d, version: _v, ...rest } = parsed;
    return rest;
  } catch {
    // Missing or unreadable: it is rewritten whole.
    return {};
  }
}

async function writeSidecar(file: string, body: Record<string, unknown>): Promise<void> {
  const text = `${JSON.stringify({ version: PASSWORD_EXPIRY_FILE_VERSION, ...body }, null, 2)}\n`;
  await writeFileAtomic(file, new TextEncoder().encode(text), 0o600);
}
