// `kyman token init`: a new token in the module's free slot, with its SO and user PINs.
import { Flags } from '@oclif/core';
import { KymanCommand } from '../../cli/base-command.js';
import { otherPassword, PASSWORD_SPEC_HELP } from '../../cli/password.js';
import { initToken } from '../../core/crypto/pkcs11-tokens.js';

export default class TokenInit extends KymanCommand<typeof TokenInit> {
  static override summary = 'Initialize a token in a free slot and set its PINs.';
  static override description = `PINs come from the same sources as passwords (${PASSWORD_SPEC_HELP}); on a terminal they are asked for twice.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> --label web',
    { description: 'In a script', command: 'SO_PIN=12345678 PIN=87654321 <%= config.bin %> <%= command.id %> --label web --so-pin env:SO_PIN --pin env:PIN' },
  ];
  static override flags = {
    module: Flags.string({ summary: 'The PKCS #11 library.', env: 'KYMAN_PKCS11_MODULE', helpValue: 'PATH' }),
    label: Flags.string({ summary: 'The new token\'s label (up to 32 bytes).', required: true, helpValue: 'LABEL' }),
    'so-pin': Flags.string({ summary: 'Security officer PIN source.', helpValue: 'SPEC' }),
    pin: Flags.string({ summary: 'User PIN source.', helpValue: 'SPEC' }),
  };

  async run() {
    const { label } = this.flags;
    const so = await otherPassword(this.flags['so-pin'], '--so-pin', `the SO PIN of token "${label}"`, true);
    if (so.warning) this.note(so.warning);
    const user = await otherPassword(this.flags.pin, '--pin', `the user PIN of token "${label}"`, true);
    if (user.warning) this.note(user.warning);
    const token = initToken(this.flags.module, { label, soPin: so.password, userPin: user.password });
    this.say(`Initialized token "${token.label}" (${token.manufacturer} ${token.model}, serial ${token.serialNumber})`);
    return { token };
  }
}
