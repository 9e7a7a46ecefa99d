import { Flags } from '@oclif/core';
import { runTlsBench, usage } from '../../core/index.js';
import { KymanCommand } from '../../cli/base-command.js';
import { err, fields } from '../../cli/output.js';

/** A one-line progress display on stderr, only on a terminal. */
function progress(): { update(text: string): void; done(): void } {
  if (!process.stderr.isTTY) return { update: () => undefined, done: () => undefined };
  let last = 0;
  return {
    update(text) {
      const now = Date.now();
      if (now - last < 80) return;
      last = now;
      process.stderr.write(`\r\u001b[2K${err.cyan('…')} ${text}`);
    },
    done: () => process.stderr.write('\r\u001b[2K'),
  };
}

const bar = (done: number, total: number, width = 24) => {
  const filled = Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`;
};

export default class TlsBench extends KymanCommand<typeof TlsBench> {
  static override summary = 'Measure kyman\'s TLS engine on this machine: handshakes per second and bulk throughput.';
  static override description =
    'Runs full TLS 1.3 handshakes (ECDSA P-256 certificate, X25519 key exchange) between a kyman client and a kyman server on 127.0.0.1, one after another, then sends --bulk MiB in 16 KiB writes under TLS_AES_128_GCM_SHA256. Both ends run in this one process, so the figures count the work of both. For the same figures beside Node\'s own TLS and plain TCP, run `npm run bench tls` in a checkout.';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    { description: 'More handshakes, less data, for scripts', command: '<%= config.bin %> <%= command.id %> --handshakes 1000 --bulk 16 --json' },
  ];
  static override flags = {
    handshakes: Flags.integer({ summary: 'How many full handshakes to time.', default: 200, min: 1, max: 1_000_000 }),
    bulk: Flags.integer({ summary: 'MiB of application data to send (0: skip).', default: 64, min: 0, max: 65536, helpValue: 'MB' }),
    resumed: Flags.boolean({ summary: 'Time resumed handshakes (needs session tickets, which the engine does not have yet).' }),
  };

  async run() {
    const f = this.flags;
    if (f.resumed) throw usage('--resumed needs session tickets, which kyman\'s TLS engine does not issue yet: run without it');
    const p = progress();
    let result;
    try {
      result = await runTlsBench({
        handshakes: f.handshakes,
        bulkMegabytes: f.bulk,
        onProgress: (phase, done, total) => p.update(phase === 'handshakes' ? `handshakes ${bar(done, total)}` : `bulk transfer of ${f.bulk} MiB`),
      });
    } finally {
      p.done();
    }
    const h = result.handshakes;
    this.say(
      fields([
        ['setup', result.setup],
        ['handshakes', `${h.perSecond.toFixed(0)} full TLS 1.3 handshakes/s (${h.handshakes} in ${h.seconds.toFixed(2)} s, median ${h.medianMs.toFixed(2)} ms; ${result.certificate}, ${result.group})`],
        ['bulk', result.bulk ? `${result.bulk.megabytesPerSecond.toFixed(0)} MiB/s (${f.bulk} MiB in ${result.bulk.seconds.toFixed(2)} s, ${result.bulk.writeSize / 1024} KiB writes, ${result.bulk.cipherSuite})` : undefined],
      ]),
    );
    return result;
  }
}
