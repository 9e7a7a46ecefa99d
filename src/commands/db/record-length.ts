import { Args } from '@oclif/core';
import { usage } from '../../core/errors.js';
import type { CmsVersion } from '../../core/keystore/cms/types.js';
import { changeRecordLength } from '../../core/keystore/maintenance.js';
import { KymanCommand, commonFlags } from '../../cli/base-command.js';
import { openDatabase } from '../../cli/key-database.js';

export default class DbRecordLength extends KymanCommand<typeof DbRecordLength> {
  static override summary = 'Show or change the record length of a CMS key database.';
  static override description =
    'Every entry of a CMS database lives in a fixed-size slot. Raise the record length when a certificate with a long chain or a large key does not fit; a smaller one is refused, naming the entry that would not fit. gskkyman: "Change database record length".';
  static override examples = [
    '<%= config.bin %> <%= command.id %> --db server.kdb',
    '<%= config.bin %> <%= command.id %> 8000 --db server.kdb',
  ];
  static override args = { length: Args.integer({ description: 'The new record length in bytes; omit it to show the current one.' }) };
  static override flags = commonFlags;

  async run() {
    const { store } = await openDatabase(this.flags, (m) => this.note(m));
    if (store.type !== 'cms') throw usage(`${store.path} is a PKCS #12 file: only CMS databases have a record length`);
    const before = store.info().recordLength!;
    if (this.args.length === undefined) {
      this.say(`${store.path}: record length ${before} bytes`);
      return { path: store.path, recordLength: before };
    }
    await changeRecordLength(store, this.args.length);
    this.say(`${store.path}: record length ${before} → ${this.args.length} bytes`);
    return { path: store.path, recordLength: this.args.length, previous: before, version: (store.meta as { version: CmsVersion }).version };
  }
}
