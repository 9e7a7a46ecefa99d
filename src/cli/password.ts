// Password sources as OpenSSL spells them (env:, file:, fd:, stdin, pass:), the stash, and hidden prompts.

import { existsSync, readFileSync } from 'node:fs';
import { KymanError, usage, notFound } from '../core/errors.js';
import { stashedPassword } from '../core/keystore/password-change.js';

export const PASSWORD_SPEC_HELP = 'env:VAR, file:PATH, fd:N, stdin or pass:TEXT';

let stdinLines: string[] | undefined;
let stdinNext = 0;

/** Standard input read once and handed out a line at a time, so two sources can both say `stdin`. */
function nextStdinLine(): string {
  if (!stdinLines) {
    let text = '';
    try {
      text = readFileSync(0, 'utf8');
    } catch {
      text = '';
    }
    stdinLines = text.split(/\r?\n/);
  }
  if (stdinNext >= stdinLines.length || (stdinNext === stdinLines.length - 1 && stdinLines[stdinNext] === '')) {
    throw usage('standard input ran out before a password was read');
  }
  return stdinLines[stdinNext++];
}

const firstLine = (text: string) => text.split(/\r?\n/)[0];

export interface PasswordSpecResult {
  password: string;
  /** A warning to show (pass: is visible to other users in the process list). */
  warning?: string;
}

/** Resolves one `--pass`-style spec. */
export function readPasswordSpec(spec: string, flag: string): PasswordSpecResult {
  const colon = spec.indexOf(':');
  const kind = colon < 0 ? spec : spec.slice(0, colon);
  const rest = colon < 0 ? '' : spec.slice(colon + 1);
  switch (kind) {
    case 'pass':
      return { password: rest, warning: `${flag} pass:… is visible to other users of this machine; prefer env:, file: or fd:` };
    case 'env': {
      const value = process.env[rest];
      if (value === undefined) throw usage(`${flag} env:${rest}: the variable ${rest} is not set`);
      return { password: value };
    }
    case 'file':
      try {
        return { password: firstLine(readFileSync(rest, 'utf8')) };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw notFound(`${flag} file:${rest}: no such file`);
        throw usage(`${flag} file:${rest}: ${(error as Error).message}`);
      }
    case 'fd': {
      const fd = Number(rest);
      if (!Number.isInteger(fd) || fd < 0) throw usage(`${flag} fd:${rest}: not a file descriptor number`);
      try {
        return { password: firstLine(readFileSync(fd, 'utf8')) };
      } catch (error) {
        throw usage(`${flag} fd:${rest}: ${(error as Error).message}`);
      }
    }
    case 'stdin':
      return { password: nextStdinLine() };
    default:
      // Never echoed: without a prefix, what was given is most likely the password itself.
      throw usage(`${flag} needs a password source with a prefix (${PASSWORD_SPEC_HELP}); what was given is not shown, in case it is the password`);
  }
}

export const canPrompt = () => Boolean(process.stdin.isTTY && process.stderr.isTTY);

export async function ask(message: string): Promise<string> {
  try {
    // Loaded only when someone is asked: the prompt library is heavy and most runs never need it.
    const { password: promptPassword } = await import('@inquirer/prompts');
    return await promptPassword({ message, mask: '*' }, { output: process.stderr });
  } catch (error) {
    if ((error as Error).name === 'ExitPromptError' || (error as Error).name === 'AbortPromptError') {
      throw new KymanError('FAILED', 'cancelled');
    }
    throw error;
  }
}

/**
 * A new password asked twice through `askHidden` until both agree (three tries), never empty;
 * `tell` says what was wrong. The commands and the menu ask and tell in their own ways.
 */
export async function agreeOnNewPassword(what: string, askHidden: (message: string) => Promise<string>, tell: (line: string) => void): Promise<string> {
  for (let i = 0; i < 3; i++) {
    const first = await askHidden(`New password for ${what}:`);
    if (first.length === 0) {
      tell('The password must not be empty.');
      continue;
    }
    const second = await askHidden('Repeat it:');
    if (first === second) return first;
    tell('The two passwords differ; try again.');
  }
  throw usage('no new password agreed after three tries');
}

/** Asks for a new password twice, hidden, on stderr, until both agree (three tries). */
export function askNewPassword(what: string): Promise<string> {
  return agreeOnNewPassword(what, ask, (line) => process.stderr.write(`${line}\n`));
}

export interface ResolvedPassword {
  password: string;
  source: 'flag' | 'stash' | 'prompt';
  warning?: string;
}

/**
 * The password of an existing database: `--pass`, else the stash beside it, else a hidden prompt
 * on a terminal, else a one-line error.
 */
export async function databasePassword(databaseFile: string, spec: string | undefined, flag = '--pass'): Promise<ResolvedPassword> {
  if (spec !== undefined) return { ...readPasswordSpec(spec, flag), source: 'flag' };
  const stash = await stashedPassword(databaseFile);
  if (stash) return { password: stash.password, source: 'stash' };
  // Asking for the password of a file that is not there would only hide that it is not there.
  if (!existsSync(databaseFile)) throw notFound(`key database ${databaseFile} does not exist`);
  if (canPrompt()) return { password: await ask(`Password for ${databaseFile}:`), source: 'prompt' };
  throw usage(`no password for ${databaseFile}: give ${flag} (${PASSWORD_SPEC_HELP}) or create a stash file with "kyman db stash"`);
}

/** A new password: the flag, else asked twice on a terminal, else a one-line error. */
export async function newPassword(spec: string | undefined, flag: string, what: string): Promise<ResolvedPassword> {
  if (spec !== undefined) return { ...readPasswordSpec(spec, flag), source: 'flag' };
  if (canPrompt()) return { password: await askNewPassword(what), source: 'prompt' };
  throw usage(`no password given for ${what}: use ${flag} (${PASSWORD_SPEC_HELP})`);
}

/** A password for another file (import or export): the flag, else asked once (or twice when new). */
export async function otherPassword(spec: string | undefined, flag: string, what: string, isNew: boolean): Promise<ResolvedPassword> {
  if (spec !== undefined) return { ...readPasswordSpec(spec, flag), source: 'flag' };
  if (canPrompt()) return { password: isNew ? await askNewPassword(what) : await ask(`Password for ${what}:`), source: 'prompt' };
  throw usage(`no password given for ${what}: use ${flag} (${PASSWORD_SPEC_HELP})`);
}
