import { Flags } from '@oclif/core';
import { runDemo } from '../core/tools/demo.js';
import { KymanCommand } from '../cli/base-command.js';
import { fields, out } from '../cli/output.js';
import { chainTable, ms } from '../cli/tls.js';

export default class Demo extends KymanCommand<typeof Demo> {
  static override summary = 'See kyman work in a few seconds: a CA, certificates and a mutual-TLS handshake, in a temporary directory.';
  static override description =
    'In a temporary directory: creates a key database with a stash file, a CA, a server certificate for localhost and a client certificate signed by the CA; starts a kyman TLS server on 127.0.0.1 that requires a client certificate; connects to it with the client certificate; and shows what both sides agreed, then the commands that do the same by hand. Everything is removed afterwards unless --keep.';
  static override examples = ['<%= config.bin %> <%= command.id %>', { description: 'Keep the database to try the commands by hand', command: '<%= config.bin %> <%= command.id %> --keep' }];
  static override flags = {
    keep: Flags.boolean({ summary: 'Keep the temporary directory and its key database.' }),
  };

  async run() {
    const result = await runDemo({
      keep: this.flags.keep,
      onStep: (_step, text) => {
        this.say(`${out.green('✓')} ${text}`);
      },
    });
    const c = result.client;
    const s = result.serverSide;
    this.say('');
    this.say(
      fields([
        ['version', c.version],
        ['cipher suite', c.cipherSuite],
        ['group', c.group],
        ['server signed with', c.signatureScheme],
        ['client signed with', s.clientSignatureScheme],
        ['client certificate', s.clientCertificate ? `${s.clientCertificate} (checked by the server)` : 'none'],
        ['server certificate', c.validation.valid ? out.green(`valid for ${c.serverName}`) : out.red(c.validation.reason?.message ?? 'not valid')],
        ['handshake', ms(c.handshakeMs)],
        ['echo', c.reply ? Buffer.from(c.reply.data).toString('utf8').trim() : undefined],
      ]),
    );
    this.say(`\nThe server's chain, as the client built it:\n${chainTable(c.chain)}`);
    this.say(`\nTo do the same by hand${result.kept ? ` (the database is kept in ${result.dir})` : ''}:`);
    for (const line of result.commands) this.say(`  ${out.cyan(line)}`);
    const { client: _c, serverSide: _s, ...rest } = result;
    return {
      ...rest,
      handshake: {
        version: c.version,
        cipherSuite: c.cipherSuite,
        group: c.group,
        serverSignatureScheme: c.signatureScheme,
        clientSignatureScheme: s.clientSignatureScheme,
        clientCertificate: s.clientCertificate,
        serverCertificateValid: c.validation.valid,
        handshakeMs: Math.round(c.handshakeMs * 100) / 100,
        chain: c.chain,
      },
    };
  }
}
