// An unknown command: one line with "did you mean", exit 2 (usage); on a terminal, oclif's not-found plugin offers to run it.

import type { Hook } from '@oclif/core';
import { closestWord } from '../core/did-you-mean.js';
import { EXIT_CODES } from '../core/errors.js';
import { err } from './output.js';

const hook: Hook.CommandNotFound = async function (options) {
  const { config, id } = options;
  const argv = options.argv ?? [];
  const json = argv.includes('--json');
  const ids = config.commands.filter((c) => !c.hidden).map((c) => c.id.replace(/:/g, ' '));
  const typed = id.replace(/:/g, ' ');
  const near = closestWord(typed, ids);
  const topic = config.findTopic(id.split(':')[0]) ? ` ${id.split(':')[0]}` : '';
  const message = `"${config.bin} ${typed}" is not a ${config.bin} command${near ? ` (did you mean "${config.bin} ${near}"?)` : ''}: see "${config.bin} help${topic}"`;
  if (!json && process.stdin.isTTY && process.stderr.isTTY && near) {
    // oclif's own plugin asks "Did you mean …?" and runs the command when the answer is yes.
    const { default: notFound } = await import('@oclif/plugin-not-found');
    try {
      return await notFound.call(this, options);
    } catch (error) {
      if ((error as { oclif?: { exit?: number } }).oclif?.exit !== 127) throw error;
    }
  }
  if (json) process.stdout.write(`${JSON.stringify({ error: { code: 'USAGE', message } }, null, 2)}\n`);
  else process.stderr.write(`${err.red(`${config.bin}:`)} ${message}\n`);
  return this.exit(EXIT_CODES.USAGE);
};

export default hook;
