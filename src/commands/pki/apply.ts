import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { Args, Flags } from '@oclif/core';
import { Listr, ListrLogger, ProcessOutput } from 'listr2';
import { badPassword, KymanError } from '../../core/errors.js';
import { stashPathFor } from '../../core/keystore/stash.js';
import { applyPkiSpec, type PkiProgress, type PkiResult } from '../../core/pki-spec/apply.js';
import { loadPkiSpec } from '../../core/pki-spec/index.js';
import type { DatabaseSpec } from '../../core/pki-spec/spec.js';
import { KymanCommand } from '../../cli/base-command.js';
import { lockTimeoutMs } from '../../cli/key-database.js';
import { settleTerminalWidth } from '../../cli/progress.js';
import { out, table } from '../../cli/output.js';
import { databasePassword, newPassword, readPasswordSpec, type ResolvedPassword } from '../../cli/password.js';

const ACTION_WORDS = { create: 'created', reissue: 'reissued', unchanged: 'unchanged' } as const;

function progressTitle(p: PkiProgress): string {
  const what = p.phase === 'plan' ? 'Comparing' : p.phase === 'issue' ? 'Issuing' : 'Writing';
  return `${what} ${Math.min(p.done + 1, p.total)}/${p.total}${p.label ? `: ${p.label}` : ''}`;
}

export default class PkiApply extends KymanCommand<typeof PkiApply> {
  static override summary = 'Make the CAs, intermediates and certificates a spec file describes, in the key databases it names.';
  static override description =
    'Reads a YAML or JSON spec of databases and certificates and makes whatever is missing: creates databases, issues certificates, reissues those whose subject, names, key type, profile, path length, issuer or lifetime changed in the spec, or that expire within renewBefore, and everything issued under a reissued CA. A CA certificate is copied into each other database holding certificates it issued (the root trusted, intermediates not), so chains validate there. A second run changes nothing and says so. Each database is written at most once, under its lock. Passwords: the database\'s "pass" in the spec, else --pass, else its stash file, else a prompt.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> pki.yaml --pass env:KDB_PASS --stash',
    { description: 'Show what would change, and why, without writing', command: '<%= config.bin %> <%= command.id %> pki.yaml --dry-run' },
    { description: 'For scripts: the plan and result as one JSON document', command: '<%= config.bin %> <%= command.id %> pki.yaml --pass env:KDB_PASS --json' },
  ];
  static override args = { spec: Args.string({ description: 'The spec file (YAML or JSON).', required: true }) };
  static override flags = {
    pass: Flags.string({ summary: 'Password source for every database the spec does not give one: env:VAR, file:PATH, fd:N, stdin or pass:TEXT. Default: each database\'s stash file, then a prompt.', helpValue: 'SPEC' }),
    stash: Flags.boolean({ summary: 'Write a stash file beside each database this run creates.' }),
    'dry-run': Flags.boolean({ summary: 'Show the plan (create, reissue or unchanged, with the reason) and write nothing.' }),
  };

  async run() {
    const spec = await loadPkiSpec(this.args.spec);
    const passwords = await this.resolvePasswords([...spec.databases.values()]);
    if (this.flags.stash) for (const db of spec.databases.values()) db.stash = true;

    const options = {
      password: async (db: DatabaseSpec) => passwords.get(db.name)!.password,
      dryRun: this.flags['dry-run'],
      lockTimeoutMs: lockTimeoutMs(),
    };
    let result: PkiResult;
    try {
      result = await this.withProgress((onProgress) => applyPkiSpec(spec, { ...options, onProgress }));
    } catch (error) {
      if (error instanceof KymanError && error.code === 'BAD_PASSWORD') throw this.explainBadPassword(error, spec.databases, passwords);
      throw error;
    }
    this.say(this.render(result));
    return result;
  }

  /** Resolves every password before any work, so a prompt never interrupts the progress display. */
  private async resolvePasswords(dbs: DatabaseSpec[]): Promise<Map<string, ResolvedPassword>> {
    const out = new Map<string, ResolvedPassword>();
    // --pass is read once: `stdin` or `fd:` cannot be read again for a second database.
    let flag: ResolvedPassword | undefined;
    for (const db of dbs) {
      let pw: ResolvedPassword;
      if (db.pass !== undefined) {
        pw = { ...readPasswordSpec(db.pass, `pass of database "${db.name}"`), source: 'flag' };
      } else if (this.flags.pass !== undefined) {
        if (!flag) {
          flag = { ...readPasswordSpec(this.flags.pass, '--pass'), source: 'flag' };
          if (flag.warning) this.note(flag.warning);
        }
        pw = { ...flag, warning: undefined };
      } else if (existsSync(db.file)) {
        pw = await databasePassword(db.file, undefined);
      } else if (this.flags['dry-run']) {
        // Nothing will be created, so no password is needed for it.
        pw = { password: '', source: 'flag' };
      } else {
        pw = await newPassword(undefined, '--pass', db.file);
      }
      if (pw.warning) this.note(pw.warning);
      out.set(db.name, pw);
    }
    return out;
  }

  private explainBadPassword(error: KymanError, dbs: Map<string, DatabaseSpec>, passwords: Map<string, ResolvedPassword>): KymanError {
    for (const db of dbs.values()) {
      if (error.message.includes(path.basename(db.file))) {
        const from = db.pass !== undefined ? `the "pass" of database "${db.name}" in the spec` : passwords.get(db.name)?.source === 'stash' ? `the stash file ${path.basename(stashPathFor(db.file))}` : '--pass';
        return badPassword(`wrong password for ${path.basename(db.file)} (from ${from})`, error);
      }
    }
    return error;
  }

  /** listr2 on a terminal, on stderr; silent for pipes and --json. */
  private async withProgress<T>(work: (onProgress: (p: PkiProgress) => void) => Promise<T>): Promise<T> {
    if (!process.stderr.isTTY || this.jsonEnabled()) return work(() => undefined);
    settleTerminalWidth();
    let value: T | undefined;
    const tasks = new Listr(
      [
        {
          title: `Applying ${this.args.spec}`,
          task: async (_ctx, task) => {
            let last = 0;
            value = await work((p) => {
              // Redrawing for each of a thousand certificates would cost more than issuing them.
              const t = Date.now();
              if (t - last < 100 && p.done !== 0 && p.done !== p.total) return;
              last = t;
              task.output = progressTitle(p);
            });
            task.output = '';
          },
        },
      ],
      {
        renderer: 'default',
        // The progress belongs on stderr, whatever stdout is: the result goes there.
        rendererOptions: { logger: new ListrLogger({ processOutput: new ProcessOutput(process.stderr, process.stderr) }) },
        forceTTY: true,
        exitOnError: true,
        registerSignalListeners: false,
      },
    );
    await tasks.run();
    return value as T;
  }

  private render(r: PkiResult): string {
    const dry = r.dryRun;
    const rows = dry ? r.certificates : r.certificates.filter((c) => c.action !== 'unchanged');
    const copies = dry ? r.chainCopies : r.chainCopies.filter((c) => c.action !== 'unchanged');
    const lines: string[] = [];
    if (rows.length) {
      lines.push(
        table(rows, [
          { header: 'LABEL', get: (c) => c.label },
          { header: 'DATABASE', get: (c) => c.database },
          { header: dry ? 'PLAN' : 'DONE', get: (c) => (dry ? c.action : ACTION_WORDS[c.action]) },
          { header: 'REASON', get: (c) => c.reason },
        ]),
      );
    }
    for (const c of copies) {
      const verb = dry ? (c.action === 'unchanged' ? 'is already in' : `would be ${c.action === 'add' ? 'added to' : 'updated in'}`) : c.action === 'add' ? 'added to' : 'updated in';
      lines.push(`CA certificate "${c.label}" ${verb} database "${c.database}"${c.trusted ? ' (trusted)' : ''}`);
    }
    const count = (a: string) => r.certificates.filter((c) => c.action === a).length;
    const summary = `${count('create')} to create, ${count('reissue')} to reissue, ${count('unchanged')} unchanged`;
    if (r.upToDate) lines.push(`${r.spec}: nothing to do: all ${r.certificates.length} certificates match the spec`);
    else if (dry) lines.push(out.bold(`Dry run, nothing written: ${summary}`));
    else lines.push(`${r.spec}: ${summary.replace('to create', 'created').replace('to reissue', 'reissued')}; wrote ${r.written.map((f) => path.basename(f)).join(', ')}`);
    return lines.join('\n');
  }
}
