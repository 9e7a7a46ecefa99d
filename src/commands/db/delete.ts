import { Args } from '@oclif/core';
import { deleteKeyStore, peekKeyDatabase } from '../../core/keystore/database-files.js';
import { KymanCommand } from '../../cli/base-command.js';
import { confirmOrStop, forceFlag } from '../../cli/confirm.js';

export default class DbDelete extends KymanCommand<typeof DbDelete> {
  static override summary = 'Delete a key database with its request database, stash file and kyman settings file (name.kyman.json, the password expiry).';
  static override description = 'Asks first on a terminal; scripts must say --force. gskkyman: "Delete database".';
  static override examples = ['<%= config.bin %> <%= command.id %> old.kdb', { description: 'In a script', command: '<%= config.bin %> <%= command.id %> old.kdb --force' }];
  static override args = { file: Args.string({ description: 'The database file.', required: true }) };
  static override flags = { force: forceFlag };

  async run() {
    const { file } = this.args;
    await peekKeyDatabase(file);
    await confirmOrStop({ question: `Delete ${file}, its request database and its stash file?`, action: `deleting ${file}`, declined: `${file} was not deleted` }, this.flags.force);
    const removed = await deleteKeyStore(file);
    this.say(`Deleted ${removed.join(', ')}`);
    return { deleted: removed };
  }
}
