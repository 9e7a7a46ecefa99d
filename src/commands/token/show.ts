// `kyman token show`: one token's details and the objects on it.
import { Args, Flags } from '@oclif/core';
import { KymanCommand } from '../../cli/base-command.js';
import { tokenText } from '../../cli/render.js';
import { readPasswordSpec } from '../../cli/password.js';
import { showToken } from '../../core/crypto/pkcs11-tokens.js';

export default class TokenShow extends KymanCommand<typeof TokenShow> {
  static override summary = 'Show a token: its details, mechanisms and objects.';
  static override description = 'Without --pin only public objects are listed; with it, private keys too.';
  static override examples = ['<%= config.bin %> <%= command.id %> web', { description: 'With private objects, for scripts', command: '<%= config.bin %> <%= command.id %> web --pin env:PIN --json' }];
  static override args = { label: Args.string({ description: 'The token\'s label.', required: true }) };
  static override flags = {
    module: Flags.string({ summary: 'The PKCS #11 library.', env: 'KYMAN_PKCS11_MODULE', helpValue: 'PATH' }),
    pin: Flags.string({ summary: 'User PIN source, to list private objects too.', helpValue: 'SPEC' }),
  };

  async run() {
    let pin: string | undefined;
    if (this.flags.pin !== undefined) {
      const r = readPasswordSpec(this.flags.pin, '--pin');
      if (r.warning) this.note(r.warning);
      pin = r.password;
    }
    const token = showToken(this.flags.module, this.args.label, pin);
    this.say(tokenText(token, pin !== undefined, '--pin'));
    return { token };
  }
}
