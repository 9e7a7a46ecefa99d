// `kyman token delete`: wipe a token (PKCS #11 cannot remove one; re-initializing destroys its objects).
import { Args, Flags } from '@oclif/core';
import { KymanCommand } from '../../cli/base-command.js';
import { confirmOrStop, forceFlag } from '../../cli/confirm.js';
import { otherPassword } from '../../cli/password.js';
import { deleteToken } from '../../core/crypto/pkcs11-tokens.js';

export default class TokenDelete extends KymanCommand<typeof TokenDelete> {
  static override summary = 'Delete every key and certificate on a token.';
  static override description =
    'PKCS #11 has no call that removes a token, so kyman re-initializes it with its SO PIN: every object is destroyed and the label stays, with no user PIN until "token init"-style setup is repeated. SoftHSM2\'s "softhsm2-util --delete-token" removes the slot itself. Asks first on a terminal; scripts must say --force.';
  static override examples = ['<%= config.bin %> <%= command.id %> old', { description: 'In a script', command: '<%= config.bin %> <%= command.id %> old --so-pin env:SO_PIN --force' }];
  static override args = { label: Args.string({ description: 'The token\'s label.', required: true }) };
  static override flags = {
    module: Flags.string({ summary: 'The PKCS #11 library.', env: 'KYMAN_PKCS11_MODULE', helpValue: 'PATH' }),
    'so-pin': Flags.string({ summary: 'Security officer PIN source.', helpValue: 'SPEC' }),
    force: forceFlag,
  };

  async run() {
    const { label } = this.args;
    await confirmOrStop({ question: `Destroy every key and certificate on token "${label}"?`, action: `wiping token "${label}"`, declined: `token "${label}" was not wiped` }, this.flags.force);
    const so = await otherPassword(this.flags['so-pin'], '--so-pin', `the SO PIN of token "${label}"`, false);
    if (so.warning) this.note(so.warning);
    const result = deleteToken(this.flags.module, label, so.password);
    this.say(`Wiped token "${label}": ${result.objectsDestroyed} public object(s) and every private one destroyed`);
    return result;
  }
}
