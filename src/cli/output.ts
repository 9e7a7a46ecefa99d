// Terminal output: colour only on a terminal and never with NO_COLOR, aligned tables, warnings on stderr.

import chalk, { Chalk, type ChalkInstance } from 'chalk';

const colourWanted = (stream: NodeJS.WriteStream) =>
  Boolean(stream.isTTY) && process.env.NO_COLOR === undefined && process.env.TERM !== 'dumb';

/** Colours for standard output and standard error, each off unless that stream is a terminal. */
export const out: ChalkInstance = colourWanted(process.stdout) ? chalk : new Chalk({ level: 0 });
export const err: ChalkInstance = colourWanted(process.stderr) ? new Chalk({ level: chalk.level || 1 }) : new Chalk({ level: 0 });

/** Visible width of a string once ANSI colour codes are removed. */
// eslint-disable-next-line no-control-regex
const visible = (s: string) => s.replace(/\u001b\[[0-9;]*m/g, '').length;

export interface Column<T> {
  header: string;
  get: (row: T) => string;
  /** Right-align (numbers). */
  right?: boolean;
  /** May be shortened (with …) so the table fits a terminal's width. */
  flex?: boolean;
}

function shorten(s: string, width: number): string {
  return visible(s) <= width ? s : `${s.slice(0, Math.max(1, width - 1))}…`;
}

/** An aligned table, header underlined; returns the text, the caller prints it. */
export function table<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  let cells = rows.map((r) => columns.map((c) => c.get(r)));
  let widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((row) => visible(row[i]))));
  // On a terminal, shorten the flexible column rather than wrap every line; scripts get it whole.
  // A terminal reporting 0 columns (script, some CI runners) says nothing about its width.
  const screen = process.stdout.isTTY && process.stdout.columns > 0 ? process.stdout.columns : undefined;
  const flex = columns.findIndex((c) => c.flex);
  const total = widths.reduce((a, b) => a + b, 0) + 2 * (columns.length - 1);
  if (screen && flex >= 0 && total > screen) {
    const room = Math.max(columns[flex].header.length, 12, widths[flex] - (total - screen));
    cells = cells.map((row) => row.map((cell, i) => (i === flex ? shorten(cell, room) : cell)));
    widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((row) => visible(row[i]))));
  }
  const pad = (s: string, i: number) => {
    const fill = ' '.repeat(widths[i] - visible(s));
    return columns[i].right ? fill + s : s + fill;
  };
  const lines = [columns.map((c, i) => out.bold(pad(c.header, i))).join('  ').trimEnd()];
  for (const row of cells) lines.push(row.map((s, i) => pad(s, i)).join('  ').trimEnd());
  return lines.join('\n');
}

/** `key: value` lines with the keys aligned. */
export function fields(pairs: ReadonlyArray<readonly [string, string | undefined]>): string {
  const shown = pairs.filter(([, v]) => v !== undefined) as [string, string][];
  const width = Math.max(0, ...shown.map(([k]) => k.length));
  return shown
    .map(([k, v]) => {
      const [first, ...rest] = v.split('\n');
      const indent = ' '.repeat(width + 2);
      return [`${out.bold(k.padEnd(width))}  ${first}`, ...rest.map((l) => indent + l)].join('\n');
    })
    .join('\n');
}

export const dateText = (d: Date) => d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
export const dayText = (d: Date) => d.toISOString().slice(0, 10);
