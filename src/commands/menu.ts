import { Flags } from '@oclif/core';
import { usage } from '../core/errors.js';
import { KymanCommand } from '../cli/base-command.js';

export default class Menu extends KymanCommand<typeof Menu> {
  static override summary = 'Manage key databases through gskkyman\'s numbered menus (what a bare "kyman" opens on a terminal).';
  static override description =
    'The Database Menu, the Key Management Menu and the Key and Certificate Menu, in gskkyman\'s words. Every action calls the same code as the matching command, prints what that command prints, and shows the command line that does the same thing from a script. Escape or Ctrl-C backs out of a form without writing anything; 0 goes back.';
  static override examples = [
    '<%= config.bin %>',
    { description: 'Straight into the Key Management Menu of one database', command: '<%= config.bin %> <%= command.id %> --db server.kdb' },
  ];
  static override flags = {
    db: Flags.string({ char: 'd', summary: 'Open this key database first (its stash, or a prompt, gives the password).', env: 'KYMAN_DB', helpValue: 'FILE' }),
  };

  async run() {
    if (this.jsonEnabled()) throw usage('the menu is for people: scripts use the commands it shows (see "kyman --help")');
    if (!process.stdin.isTTY || !process.stdout.isTTY) throw usage('the menu needs a terminal: in a script, use the commands it shows (see "kyman --help")');
    // Loaded here so that `kyman --help` and the other commands never pay for the menu.
    const { databaseMenu } = await import('../cli/menu/database-menu.js');
    await databaseMenu(this.flags.db);
    return {};
  }
}
