// Destructive actions as db delete does them: asked on a terminal (default no), --force (-f) in scripts.

import { Flags } from '@oclif/core';
import { conflict, failed, usage } from '../core/errors.js';
import { canPrompt } from './password.js';

/** The --force flag every destructive command takes. */
export const forceFlag = Flags.boolean({ char: 'f', summary: 'Do not ask: delete or replace (what scripts say).' });

export interface Confirmation {
  /** Asked on the terminal: "Delete …?" */
  question: string;
  /** Completes "not … without --force when no one can be asked": "deleting web". */
  action: string;
  /** Said (exit 1) when the answer is no: "web was not deleted". */
  declined: string;
  /** Where something is in the way (a file, a label), a script without --force meets this conflict (exit 6) instead. */
  conflict?: string;
}

/** Goes on when `force` is set or the person at the terminal says yes; refuses (exit 2) when no one can be asked, stops (exit 1) on a no. */
export async function confirmOrStop(c: Confirmation, force: boolean | undefined): Promise<void> {
  if (force) return;
  if (!canPrompt()) throw c.conflict !== undefined ? conflict(c.conflict) : usage(`not ${c.action} without --force when no one can be asked`);
  const { confirm } = await import('@inquirer/prompts');
  const sure = await confirm({ message: c.question, default: false }, { output: process.stderr }).catch(() => false);
  if (!sure) throw failed(c.declined);
}
