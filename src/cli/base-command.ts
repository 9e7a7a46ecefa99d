// The base of every kyman command: --json, one-line errors with stable exit codes, and warnings.

import { Command, Errors, Flags, type Interfaces } from '@oclif/core';
import { EXIT_CODES, KymanError, type ErrorCode } from '../core/errors.js';
import { fileSystemError } from '../core/keystore/file-io.js';
import { err } from './output.js';
import { usageLine, usageMessage } from './usage-error.js';

export type KymanFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof KymanCommand)['baseFlags'] & T['flags']>;
export type KymanArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>;

/** Turns anything thrown into the code, message and exit status a person or script sees. */
export function classifyError(error: unknown, knownFlags: readonly string[] = []): { code: ErrorCode | 'INTERNAL'; message: string; exit: number; usage?: boolean } {
  const e0 = error as NodeJS.ErrnoException;
  // A file system error core did not word itself (disk full, read-only, permission denied) is still said as one.
  if (!(error instanceof KymanError) && typeof e0?.code === 'string' && e0.code !== 'ENOENT') {
    const worded = fileSystemError(error, 'use', e0.path ?? 'a file');
    if (worded instanceof KymanError) error = worded;
  }
  if (error instanceof KymanError) return { code: error.code, message: error.message, exit: EXIT_CODES[error.code] };
  const e = error as Error & { oclif?: { exit?: number }; code?: string };
  if (e instanceof Errors.CLIError || e?.oclif?.exit === 2) {
    // oclif's own parse errors (unknown flag, missing argument, a value that does not parse) are usage errors.
    return { code: 'USAGE', message: usageMessage(e.message ?? String(e), knownFlags), exit: EXIT_CODES.USAGE, usage: true };
  }
  if (e?.code === 'ENOENT') return { code: 'NOT_FOUND', message: e.message, exit: EXIT_CODES.NOT_FOUND };
  const message = e?.message ?? String(error);
  return { code: 'INTERNAL', message: `unexpected error: ${message.split('\n')[0]}`, exit: 1 };
}

export abstract class KymanCommand<T extends typeof Command> extends Command {
  static override enableJsonFlag = true;
  static override baseFlags = {};

  protected flags!: KymanFlags<T>;
  protected args!: KymanArgs<T>;

  public override async init(): Promise<void> {
    await super.init();
    const { args, flags } = await this.parse({
      flags: this.ctor.flags,
      baseFlags: (super.ctor as typeof KymanCommand).baseFlags,
      enableJsonFlag: this.ctor.enableJsonFlag,
      args: this.ctor.args,
      strict: this.ctor.strict,
    });
    this.flags = flags as KymanFlags<T>;
    this.args = args as KymanArgs<T>;
  }

  /** A warning on stderr (and never in the JSON document on stdout). */
  protected note(message: string): void {
    process.stderr.write(`${err.yellow('warning:')} ${message}\n`);
  }

  /**
   * Human output; silent under --json, where run()'s return value is the output. `aside`: on
   * stderr, because stdout carries the file the command writes (`--out -`).
   */
  protected say(text: string, options: { aside?: boolean } = {}): void {
    if (!this.jsonEnabled()) (options.aside ? process.stderr : process.stdout).write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** One JSON document on stdout; oclif's colouring tokenizer is far too slow for 10,000 entries. */
  override logJson(json: unknown): void {
    process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
  }

  protected override async catch(error: Error & { exitCode?: number }): Promise<unknown> {
    if (error instanceof Errors.ExitError) throw error;
    const { code, message, exit, usage } = classifyError(error, Object.keys(this.ctor.flags ?? {}));
    if (process.env.KYMAN_DEBUG && error?.stack) process.stderr.write(`${error.stack}\n`);
    // A parse error comes with the command's usage, so the fix is on the screen (and in the JSON).
    const line = usage ? usageLine(this.config.bin, this.ctor) : undefined;
    if (this.jsonEnabled()) {
      process.stdout.write(`${JSON.stringify({ error: { code, message, ...(line ? { usage: line } : {}) } }, null, 2)}\n`);
    } else {
      process.stderr.write(`${err.red('kyman:')} ${message}\n`);
      if (line) process.stderr.write(`usage: ${line} (see kyman ${this.id?.replace(/:/g, ' ')} --help)\n`);
    }
    return this.exit(exit);
  }
}

/** Flags that mean the same thing on every command (DESIGN.md, "The command line"). */
export const commonFlags = {
  db: Flags.string({ char: 'd', summary: 'Key database file (.kdb or .p12; .jks and .jceks read only); the type is read from the file.', env: 'KYMAN_DB', helpValue: 'FILE' }),
  pass: Flags.string({ summary: 'Database password source: env:VAR, file:PATH, fd:N, stdin or pass:TEXT. Default: the stash file, then a prompt.', helpValue: 'SPEC' }),
  upgrade: Flags.boolean({ summary: 'Rewrite a CMS v3 or v4 database as version 6 when changing it.' }),
  'jks-key-pass': Flags.string({ summary: 'Java keystores (read only): the password of a private key that has its own (keytool -keypass). Default: the store password.', helpValue: 'SPEC' }),
};

/** A token in place of a key database file (DESIGN.md): cert, req and tls commands take these. */
export const tokenFlags = {
  token: Flags.string({ summary: 'A PKCS #11 token, by label, instead of a key database file (env KYMAN_TOKEN).', env: 'KYMAN_TOKEN', helpValue: 'LABEL' }),
  module: Flags.string({ summary: 'The PKCS #11 library for --token. Default: SoftHSM2\'s, where found.', env: 'KYMAN_PKCS11_MODULE', helpValue: 'PATH' }),
  pin: Flags.string({ summary: 'The token\'s user PIN source: env:VAR, file:PATH, fd:N, stdin or pass:TEXT (--pass works too). Default: a prompt.', helpValue: 'SPEC' }),
};

/** A key store: --db FILE or --token LABEL, with their password or PIN. */
export const storeFlags = { ...commonFlags, ...tokenFlags };
