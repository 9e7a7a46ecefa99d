import { changeKeyStorePassword } from '../../core/keystore/password-change.js';
import { describePasswordExpiry, MAX_PASSWORD_EXPIRY_DAYS } from '../../core/keystore/password-expiry.js';
import { KymanCommand, commonFlags } from '../../cli/base-command.js';
import { openDatabase } from '../../cli/key-database.js';
import { newPassword } from '../../cli/password.js';
import { Flags } from '@oclif/core';

export default class DbPasswd extends KymanCommand<typeof DbPasswd> {
  static override summary = 'Change a key database password.';
  static override description =
    'Every private key is re-encrypted under the new password, the password verifier and integrity check are recomputed, and an existing stash file is rewritten. gskkyman: "Change database password".';
  static override examples = [
    '<%= config.bin %> <%= command.id %> --db server.kdb',
    { description: 'From a script: old password from the stash, new one from a file', command: '<%= config.bin %> <%= command.id %> --db server.kdb --new-pass file:new.txt' },
    { description: 'A new password good for 90 days', command: '<%= config.bin %> <%= command.id %> --db server.kdb --new-pass file:new.txt --pass-expire 90' },
  ];
  static override flags = {
    ...commonFlags,
    'new-pass': Flags.string({ summary: 'New password source: env:VAR, file:PATH, fd:N, stdin or pass:TEXT. Default: asked twice.', helpValue: 'SPEC' }),
    'pass-expire': Flags.integer({ summary: `Days until the new password expires (gsk8capicmd -expire), 0 for never, at most ${MAX_PASSWORD_EXPIRY_DAYS}. Default: the interval the old password had, from today; never if it had none.`, helpValue: 'DAYS' }),
  };

  async run() {
    const { store } = await openDatabase(this.flags, (m) => this.note(m));
    const pw = await newPassword(this.flags['new-pass'], '--new-pass', store.path);
    if (pw.warning) this.note(pw.warning);
    const { stash, pendingRequests, passwordExpiry } = await changeKeyStorePassword(store, pw.password, { passwordExpiryDays: this.flags['pass-expire'] });
    const also = [pendingRequests ? `re-encrypted ${pendingRequests} pending request key${pendingRequests === 1 ? '' : 's'}` : '', stash ? `rewrote the stash file ${stash}` : ''].filter(Boolean);
    this.say(`Changed the password of ${store.path}${also.length ? `; ${also.join('; ')}` : ''}.`);
    if (passwordExpiry || this.flags['pass-expire'] !== undefined) this.say(`Password expires: ${describePasswordExpiry(passwordExpiry)}`);
    return { path: store.path, stash, pendingRequests, passwordExpires: passwordExpiry?.expires ?? null };
  }
}
