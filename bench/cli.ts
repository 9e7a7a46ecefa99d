// Cold start of the kyman binary against a bare Node process.

import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { median, time, type Figure } from './report.js';

export async function benchCli(): Promise<Figure[]> {
  const run = (args: string[]) => () => {
    const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
  };
  const node = median(await time(20, run(['-e', '0'])));
  const version = median(await time(20, run([path.resolve('bin/run.js'), '--version'])));
  const help = median(await time(10, run([path.resolve('bin/run.js'), 'cert', 'list', '--help'])));
  return [
    { name: 'cold kyman --version', value: version, unit: 'ms', reference: { name: 'node -e 0', value: node }, goal: 'under 2× node -e 0' },
    { name: 'cold kyman cert list --help', value: help, unit: 'ms', reference: { name: 'node -e 0', value: node } },
  ];
}
