// `kyman token list`: the slots of a PKCS #11 module and the tokens in them.
import { Flags } from '@oclif/core';
import { KymanCommand } from '../../cli/base-command.js';
import { table } from '../../cli/output.js';
import { listTokens, type TokenSummary } from '../../core/crypto/pkcs11-tokens.js';

export default class TokenList extends KymanCommand<typeof TokenList> {
  static override summary = 'List the tokens of a PKCS #11 module.';
  static override description =
    'One line per slot with a token: label, manufacturer and model, whether it is initialized, and which of the mechanisms kyman uses it offers. The module is --module, else KYMAN_PKCS11_MODULE, else SoftHSM2\'s library where found.';
  static override examples = ['<%= config.bin %> <%= command.id %>', { description: 'Another module, for scripts', command: '<%= config.bin %> <%= command.id %> --module /usr/lib/softhsm/libsofthsm2.so --json' }];
  static override flags = {
    module: Flags.string({ summary: 'The PKCS #11 library.', env: 'KYMAN_PKCS11_MODULE', helpValue: 'PATH' }),
  };

  async run() {
    const tokens = listTokens(this.flags.module);
    if (!this.jsonEnabled()) {
      this.say(
        tokens.length === 0
          ? 'No tokens.'
          : table<TokenSummary>(tokens, [
              { header: 'Label', get: (t) => (t.initialized ? t.label : '(free slot)') },
              { header: 'Manufacturer', get: (t) => t.manufacturer },
              { header: 'Model', get: (t) => t.model },
              { header: 'Initialized', get: (t) => (t.initialized ? 'yes' : 'no') },
              { header: 'Mechanisms', get: (t) => t.mechanisms.join(' '), flex: true },
            ]),
      );
    }
    return { tokens };
  }
}
