// oclif's parse errors said as kyman says errors: one line naming the flag or argument and the reason, and a usage line.

import type { Command } from '@oclif/core';
import { closestWord } from '../core/did-you-mean.js';

/** What a flag's unit is called in "is not a whole number of …", where its name says it. */
const FLAG_UNITS: Readonly<Record<string, string>> = {
  days: 'days',
  'pass-expire': 'days',
  expiring: 'days',
  port: 'port number',
  timeout: 'seconds',
  'handshake-timeout': 'seconds',
  'idle-timeout': 'seconds',
  'record-length': 'bytes',
};

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;

/** The reason oclif's flag parser gave, in kyman's words. */
function flagReason(flag: string, inner: string): string {
  const unit = FLAG_UNITS[flag];
  let m = /^Expected an integer but received: (.*)$/s.exec(inner);
  if (m) return `"${m[1]}" is not a whole number${unit ? ` of ${unit}` : ''}`;
  m = /^Expected an integer greater than or equal to (-?\d+) but received: (.*)$/s.exec(inner);
  if (m) return `${m[2]} is too small (at least ${m[1]})`;
  m = /^Expected an integer less than or equal to (-?\d+) but received: (.*)$/s.exec(inner);
  if (m) return `${m[2]} is too large (at most ${m[1]})`;
  return inner;
}

/** One validation reason ("Missing required flag label") in kyman's words. */
function validationReason(reason: string): string {
  const m = /^Missing required flag (\S+)$/.exec(reason);
  if (m) return `--${m[1]} is required`;
  return reason.replace(/^All of the following must be provided when using (--\S+): (.*)$/, '$1 needs $2');
}

/**
 * oclif's message for a parse error, which spans lines (a list of the missing arguments, "See more
 * help with --help"), as one line that names the flag or argument and says why.
 */
export function usageMessage(raw: string, knownFlags: readonly string[] = []): string {
  const text = raw.replace(ANSI, '').replace(/^Error: /, '').replace(/\n?See more help with --help\s*$/, '');
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
  const first = lines[0] ?? 'bad usage';
  let m = /^Parsing --(\S+)\s*$/.exec(first);
  if (m) return `--${m[1]}: ${flagReason(m[1], lines.slice(1).join(' '))}`;
  m = /^Missing (\d+) required args?:?$/.exec(first);
  if (m) {
    const named = lines.slice(1).filter((l) => !l.startsWith('Note:') && !l.startsWith('Alternatively'));
    const list = named.map((l) => { const [name, ...rest] = l.split(/\s{2,}/); return rest.length ? `${name.toUpperCase()} (${rest.join(' ')})` : name.toUpperCase(); });
    return `missing argument${list.length === 1 ? '' : 's'}: ${list.join(', ') || m[1]}`;
  }
  if (/^The following errors? occurred:$/.test(first)) return lines.slice(1).map(validationReason).join('; ');
  m = /^Expected --([^=\s]+)=(.*) to be one of: (.*)$/.exec(first);
  if (m) return `--${m[1]}: "${m[2]}" is not one of ${m[3]}`;
  m = /^Expected (.*) to be one of: (.*)$/.exec(first);
  if (m) return `"${m[1]}" is not one of ${m[2]}`;
  m = /^Nonexistent flags?: (.*)$/.exec(first);
  if (m) {
    const typed = m[1].split(/,\s*/);
    const near = typed.length === 1 ? closestWord(typed[0].replace(/^-+/, '').split('=')[0], knownFlags) : undefined;
    return `unknown flag${typed.length === 1 ? '' : 's'} ${m[1]}${near ? ` (did you mean --${near}?)` : ''}`;
  }
  m = /^Unexpected arguments?: (.*)$/.exec(first);
  if (m) return `unexpected argument${m[1].includes(',') ? 's' : ''}: ${m[1]}`;
  return lines.join(': ');
}

type CommandShape = Pick<typeof Command, 'id' | 'args' | 'flags'>;

/** The command's usage in one line: its arguments and required flags, then [FLAGS]. */
export function usageLine(bin: string, command: CommandShape): string {
  const words = [bin, ...(command.id ?? '').split(':').filter(Boolean)];
  for (const [name, arg] of Object.entries(command.args ?? {})) {
    const shown = name.toUpperCase();
    words.push(arg.required ? shown : `[${shown}]`);
  }
  for (const [name, flag] of Object.entries(command.flags ?? {})) {
    if (!flag.required) continue;
    words.push(flag.type === 'boolean' ? `--${name}` : `--${name} ${flag.helpValue ?? 'VALUE'}`);
  }
  words.push('[FLAGS]');
  return words.join(' ');
}
