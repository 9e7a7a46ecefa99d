import { Flags } from '@oclif/core';
import { runTlsBench } from '../../core/tools/tls-bench.js';
import { KymanCommand } from '../../cli/base-command.js';
import { err, fields } from '../../cli/output.js';

/** A one-line progress display on stderr, only on a terminal; redrawn at most every 80 ms, and at once when the phase changes. */
function progress(): { update(phase: string, text: string): void; done(): void } {
  if (!process.stderr.isTTY) return { update: () => undefined, done: () => undefined };
  let last = 0;
  let lastPhase = '';
  return {
    update(phase, text) {
      const now = Date.now();
      if (now - last < 80 && phase === lastPhase) return;
      last = now;
      lastPhase = phase;
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
    'Runs full TLS 1.3 handshakes (ECDSA P-256 certificate, X25519 key exchange) between a kyman client and a kyman server on 127.0.0.1, one after another, then as many with the post-quantum hybrid X25519MLKEM768 (shown beside the X25519 rate), then sends --bulk MiB in 16 KiB writes under TLS_AES_128_GCM_SHA256. With --resumed it also runs as many resumed handshakes: the client resumes each time with a session ticket from one full handshake (a PSK with a fresh X25519 exchange, no certificate or signature), and the figure is shown beside the full handshakes\' rate. Both ends run in this one process, so the figures count the work of both. For the same figures beside Node\'s own TLS and plain TCP, run `npm run bench tls` in a checkout.';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    { description: 'Full against resumed handshakes, no bulk transfer', command: '<%= config.bin %> <%= command.id %> --resumed --bulk 0' },
    { description: 'More handshakes, less data, for scripts', command: '<%= config.bin %> <%= command.id %> --handshakes 1000 --bulk 16 --json' },
  ];
  static override flags = {
    handshakes: Flags.integer({ summary: 'How many full handshakes to time, with X25519 and again with X25519MLKEM768 (and, with --resumed, resumed ones).', default: 200, min: 1, max: 1_000_000 }),
    bulk: Flags.integer({ summary: 'MiB of application data to send (0: skip).', default: 64, min: 0, max: 65536, helpValue: 'MB' }),
    resumed: Flags.boolean({ summary: 'Also time resumed handshakes (TLS 1.3 session tickets, PSK with X25519).' }),
    'psk-ke': Flags.boolean({ summary: 'Resume with psk_ke (the ticket alone, no X25519; no forward secrecy), the server allowing it. Implies --resumed.' }),
  };

  async run() {
    const f = this.flags;
    const p = progress();
    const phases = { handshakes: 'handshakes', resumed: 'resumed handshakes' } as const;
    let result;
    try {
      result = await runTlsBench({
        handshakes: f.handshakes,
        resumed: f.resumed,
        pskKe: f['psk-ke'],
        bulkMegabytes: f.bulk,
        onProgress: (phase, done, total) => p.update(phase, phase === 'bulk' ? `bulk transfer of ${f.bulk} MiB` : `${phases[phase]} ${bar(done, total)}`),
      });
    } finally {
      p.done();
    }
    const h = result.handshakes;
    const r = result.resumed;
    this.say(
      fields([
        ['setup', result.setup],
        ['handshakes', `${h.perSecond.toFixed(0)} full TLS 1.3 handshakes/s (${h.handshakes} in ${h.seconds.toFixed(2)} s, median ${h.medianMs.toFixed(2)} ms; ${result.certificate}, ${result.group})`],
        ['hybrid', `${result.hybrid.perSecond.toFixed(0)} full handshakes/s with ${result.hybrid.group}, ${result.hybrid.relative.toFixed(2)}× the ${result.group} ones (${result.hybrid.handshakes} in ${result.hybrid.seconds.toFixed(2)} s, median ${result.hybrid.medianMs.toFixed(2)} ms)`],
        ['resumed', r ? `${r.perSecond.toFixed(0)} resumed handshakes/s, ${r.speedup.toFixed(1)}× the full ones (${r.handshakes} in ${r.seconds.toFixed(2)} s, median ${r.medianMs.toFixed(2)} ms; one session ticket, ${r.pskKeyExchange === 'psk_ke' ? 'psk_ke: PSK alone, no key exchange' : `PSK with ${result.group}`})` : undefined],
        ['bulk', result.bulk ? `${result.bulk.megabytesPerSecond.toFixed(0)} MiB/s (${f.bulk} MiB in ${result.bulk.seconds.toFixed(2)} s, ${result.bulk.writeSize / 1024} KiB writes, ${result.bulk.cipherSuite})` : undefined],
      ]),
    );
    return result;
  }
}
