// The questions the menu asks: inquirer prompts on the terminal, where Escape or Ctrl-C backs out.
//
// A form asks all its questions first and acts only after the last answer, so backing out at any
// question leaves every file as it was: the caller catches BackOut and writes nothing.

import * as readline from 'node:readline';
import { agreeOnNewPassword } from '../password.js';

/** Thrown when the person presses Escape or Ctrl-C at a question. */
export class BackOut extends Error {
  constructor(readonly how: 'escape' | 'ctrl-c') {
    super('backed out');
    this.name = 'BackOut';
  }
}

export const isBackOut = (error: unknown): error is BackOut => error instanceof BackOut;

type Prompts = typeof import('@inquirer/prompts');
let prompts: Prompts | undefined;

/** The prompt library, loaded on first use: it is heavy and most kyman runs never ask anything. */
async function library(): Promise<Prompts> {
  prompts ??= await import('@inquirer/prompts');
  return prompts;
}

/**
 * Runs one prompt with Escape wired to abort it. Inquirer turns Ctrl-C into ExitPromptError and an
 * aborted signal into AbortPromptError; both become BackOut here.
 */
async function ask<T>(run: (p: Prompts, context: { output: NodeJS.WritableStream; signal: AbortSignal }) => Promise<T>): Promise<T> {
  const p = await library();
  const controller = new AbortController();
  const input = process.stdin;
  // Inquirer's readline turns the bytes into keypress events; make sure they are emitted before it starts.
  readline.emitKeypressEvents(input);
  const onKeypress = (_: string, key: { name?: string } | undefined) => {
    if (key?.name === 'escape') controller.abort(new BackOut('escape'));
  };
  input.on('keypress', onKeypress);
  try {
    return await run(p, { output: process.stdout, signal: controller.signal });
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'AbortPromptError') throw new BackOut('escape');
    if (name === 'ExitPromptError' || name === 'CancelPromptError') throw new BackOut('ctrl-c');
    throw error;
  } finally {
    input.off('keypress', onKeypress);
  }
}

export interface TextQuestion {
  message: string;
  default?: string;
  /** Return a message to refuse the answer, or undefined to accept it. */
  check?: (value: string) => string | undefined;
  /** Accept an empty answer (when there is no default). */
  optional?: boolean;
}

/** A line of text; the default is taken on Enter. Answers are trimmed. */
export async function askText(q: TextQuestion): Promise<string> {
  const answer = await ask((p, context) =>
    p.input(
      {
        message: q.message,
        default: q.default,
        validate: (value: string) => {
          const v = value.trim();
          if (v === '' && !q.optional && !q.default) return 'Please give an answer (Escape to go back).';
          if (v === '') return true;
          return q.check?.(v) ?? true;
        },
      },
      context,
    ),
  );
  return answer.trim();
}

/** A whole number with a default. */
export async function askNumber(q: { message: string; default: number; min?: number; max?: number }): Promise<number> {
  const answer = await ask((p, context) =>
    p.number({ message: q.message, default: q.default, min: q.min, max: q.max, required: true }, context),
  );
  return answer ?? q.default;
}

export async function askYesNo(message: string, defaultAnswer: boolean): Promise<boolean> {
  return ask((p, context) => p.confirm({ message, default: defaultAnswer }, context));
}

export interface Choice<T> {
  value: T;
  name: string;
  description?: string;
}

/**
 * Longest list offered as gskkyman's numbered sub-choices; a longer one (tokens, labels) is picked
 * with the arrow keys, where a screenful of numbers would not help.
 */
export const NUMBERED_CHOICES_MAX = 20;

/**
 * One of a short fixed list, as gskkyman offers it: the choices numbered, then the question, whose
 * default number is taken on Enter. Longer lists go to askFromList.
 */
export async function askChoice<T>(message: string, choices: ReadonlyArray<Choice<T>>, defaultValue?: T): Promise<T> {
  if (choices.length > NUMBERED_CHOICES_MAX) return askFromList(message, choices, defaultValue);
  const at = choices.findIndex((c) => c.value === defaultValue);
  const width = String(choices.length).length;
  process.stdout.write(`\n${choices.map((c, i) => `${String(i + 1).padStart(width + 1)} - ${c.name}${c.description ? ` (${c.description})` : ''}`).join('\n')}\n\n`);
  const answer = await askText({
    message,
    default: at >= 0 ? String(at + 1) : undefined,
    check: (v) => (/^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= choices.length ? undefined : `enter a number from 1 to ${choices.length}`),
  });
  return choices[Number(answer) - 1].value;
}

/** One of a list, picked with the arrow keys. */
export async function askFromList<T>(message: string, choices: ReadonlyArray<Choice<T>>, defaultValue?: T): Promise<T> {
  return ask((p, context) => p.select<T>({ message, choices: [...choices], default: defaultValue }, context));
}

/** A password, hidden. */
export async function askPassword(message: string): Promise<string> {
  return ask((p, context) => p.password({ message, mask: '*' }, context));
}

/** A new password: hidden, asked twice until both agree (three tries), never empty. */
export function askNewPassword(what: string): Promise<string> {
  return agreeOnNewPassword(what, askPassword, (line) => process.stdout.write(`${line}\n`));
}
