// Cold start of the kyman binary, for the commands people and scripts run most, against a bare Node process.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { median, type Figure } from './report.js';

const PASSWORD = 'bench-password';

/** bin/run.js runs what `npm run build` bundled into dist/; without it (or with tsc's output alone) a figure is of another program. */
export function checkBuilt(): void {
  if (!existsSync(path.resolve('dist/chunks'))) throw new Error('the kyman figures are of the built binary: run "npm run build" first');
}

export async function benchCli(dir: string): Promise<Figure[]> {
  checkBuilt();
  const env = { ...process.env, BENCH_PASS: PASSWORD };
  const kyman = (args: string[]) => {
    const r = spawnSync(process.execPath, [path.resolve('bin/run.js'), ...args], { encoding: 'utf8', env });
    if (r.status !== 0) throw new Error(r.stderr);
  };
  // A small database, as most are: one self-signed entry, made by kyman itself.
  const db = path.join(dir, 'startup.kdb');
  const pass = ['--db', db, '--pass', 'env:BENCH_PASS'];
  kyman(['db', 'create', db, '--pass', 'env:BENCH_PASS']);
  kyman(['cert', 'create', 'server', '--subject', 'CN=localhost', ...pass]);

  const runs = 10;
  const commands: Array<{ name: string; args: string[]; goal?: string }> = [
    { name: 'cold kyman --version', args: ['--version'], goal: 'under 2× node -e 0' },
    { name: 'cold kyman cert list, one-entry database', args: ['cert', 'list', ...pass], goal: '≤ 300 ms' },
    { name: 'cold kyman cert show, one-entry database', args: ['cert', 'show', 'server', ...pass] },
    { name: 'cold kyman tls client --help', args: ['tls', 'client', '--help'] },
  ];
  // Taken in turns with the reference, so a machine that gets busier part way through tilts every figure alike.
  const bare = () => {
    const r = spawnSync(process.execPath, ['-e', '0']);
    if (r.status !== 0) throw new Error(String(r.stderr));
  };
  const timed = (fn: () => void) => {
    const t = performance.now();
    fn();
    return performance.now() - t;
  };
  const nodeTimes: number[] = [];
  const times = commands.map(() => [] as number[]);
  for (let i = 0; i < runs; i++) {
    nodeTimes.push(timed(bare));
    commands.forEach((c, k) => times[k].push(timed(() => kyman(c.args))));
  }
  const node = median(nodeTimes);
  return commands.map((c, k) => ({ name: c.name, value: median(times[k]), unit: 'ms', reference: { name: 'node -e 0', value: node }, ...(c.goal ? { goal: c.goal } : {}) }));
}
