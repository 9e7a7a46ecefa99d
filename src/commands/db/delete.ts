import { Args, Flags } from '@oclif/core';
import { deleteKeyStore, peekKeyDatabase, usage, KymanError } from '../../core/index.js';
import { KymanCommand } from '../../cli/base-command.js';
import { canPrompt } from '../../cli/password.js';

export default class DbDelete extends KymanCommand<typeof DbDelete> {
  static override summary = 'Delete a key database with its request database and stash file.';
  static override description = 'Asks first on a terminal; scripts must say --force. gskkyman: "Delete database".';
  static override examples = ['<%= config.bin %> <%= command.id %> old.kdb', { description: 'In a script', command: '<%= config.bin %> <%= command.id %> old.kdb --force' }];
  static override args = { file: Args.string({ description: 'The database file.', required: true }) };
  static override flags = { force: Flags.boolean({ char: 'f', summary: 'Do not ask.' }) };

  async run() {
    const { file } = this.args;
    await peekKeyDatabase(file);
    if (!this.flags.force) {
      if (!canPrompt()) throw usage(`not deleting ${file} without --force when no one can be asked`);
      const { confirm } = await import('@inquirer/prompts');
      const sure = await confirm({ message: `Delete ${file}, its request database and its stash file?`, default: false }, { output: process.stderr }).catch(() => false);
      if (!sure) throw new KymanError('FAILED', `${file} was not deleted`);
    }
    const removed = await deleteKeyStore(file);
    this.say(`Deleted ${removed.join(', ')}`);
    return { deleted: removed };
  }
}
