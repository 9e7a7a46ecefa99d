// How a menu looks on the terminal: gskkyman's numbered screens, results, and the command that does the same.

import { classifyError } from '../base-command.js';
import { out } from '../output.js';
import { askText, BackOut, isBackOut } from './forms.js';

export interface MenuItem<T> {
  /** The option number, as gskkyman numbers it. */
  key: string;
  name: string;
  value: T;
}

/**
 * Prints a numbered menu and reads an option number. Escape, Ctrl-C or the back key is `back`;
 * on the top menu (`top`), where back means leaving kyman, a stray Escape only draws it again.
 */
export async function chooseFromMenu<T>(title: string, subtitle: string | undefined, items: ReadonlyArray<MenuItem<T>>, back: { key: string; name: string }, top = false): Promise<T | 'back'> {
  const width = Math.max(...items.map((i) => i.key.length), back.key.length);
  const lines = ['', out.bold(`                 ${title}`)];
  if (subtitle) lines.push(`       ${subtitle}`);
  lines.push('');
  for (const item of items) lines.push(`${item.key.padStart(width + 1)} - ${item.name}`);
  lines.push('', `${back.key.padStart(width + 1)} - ${back.name}`, '');
  process.stdout.write(lines.join('\n') + '\n');
  const keys = new Set([...items.map((i) => i.key), back.key]);
  let answer: string;
  try {
    answer = await askText({
      message: 'Enter option number:',
      check: (v) => (keys.has(v) ? undefined : `${v} is not an option here: enter one of ${[...keys].join(', ')}`),
    });
  } catch (error) {
    if (isBackOut(error)) return top && error.how === 'escape' ? chooseFromMenu(title, subtitle, items, back, top) : 'back';
    throw error;
  }
  if (answer === back.key) return 'back';
  return items.find((i) => i.key === answer)!.value;
}

/** Shell-quotes one word for the command line shown to the person. */
export function shellWord(word: string, always = false): string {
  if (!always && /^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `"${word.replace(/(["\\$`])/g, '\\$1')}"`;
}

/** A command line to show: words are quoted as a shell needs them; `{ q: text }` is always quoted. */
export type CommandWord = string | { q: string } | false | undefined;

export function commandLine(words: readonly CommandWord[]): string {
  return words
    .filter((w): w is string | { q: string } => w !== false && w !== undefined)
    .map((w) => (typeof w === 'string' ? shellWord(w) : shellWord(w.q, true)))
    .join(' ');
}

/** Shows what the matching command would print, then the command line that does the same thing. */
export function showResult(text: string, command?: string | readonly string[]): void {
  process.stdout.write(`\n${text.endsWith('\n') ? text : `${text}\n`}`);
  const commands = command === undefined ? [] : typeof command === 'string' ? [command] : command;
  if (commands.length > 0) {
    process.stdout.write(`\n${out.dim('The same, from a script:')}\n${commands.map((c) => `  ${out.cyan(c)}`).join('\n')}\n`);
  }
}

/** What the menu says when a form was left: nothing happened. */
export function showBackedOut(): void {
  process.stdout.write(`\n${out.yellow('Cancelled: nothing was written.')}\n`);
}

/** Shows an error the way a command would print it, and lets the menu go on. */
export function showError(error: unknown): void {
  const { message } = classifyError(error);
  if (process.env.KYMAN_DEBUG && (error as Error)?.stack) process.stderr.write(`${(error as Error).stack}\n`);
  process.stdout.write(`\n${out.red('kyman:')} ${message}\n`);
}

/**
 * Runs one menu action: a backed-out form says so, an error is shown, and either way the menu
 * carries on. Returns whether the action finished.
 */
export async function runAction(action: () => Promise<void>): Promise<boolean> {
  try {
    await action();
    return true;
  } catch (error) {
    if (isBackOut(error)) showBackedOut();
    else showError(error);
    return false;
  }
}

/** Waits for Enter before the menu is drawn again, so the result stays in view. */
export async function pause(): Promise<void> {
  try {
    await askText({ message: 'Press Enter to continue.', optional: true });
  } catch (error) {
    if (!(error instanceof BackOut)) throw error;
  }
}
