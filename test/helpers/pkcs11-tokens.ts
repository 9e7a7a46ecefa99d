// A private SoftHSM2 token directory for one test suite, and the tools that look into it.

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

export const SOFTHSM2 = '/usr/lib/softhsm/libsofthsm2.so';

export interface SoftHsm {
  dir: string;
  conf: string;
  env: NodeJS.ProcessEnv;
  /** Runs a tool (softhsm2-util, pkcs11-tool, openssl) with this token directory. */
  run(command: string, args: string[]): { status: number; stdout: string; stderr: string };
  initToken(label: string, soPin: string, pin: string): void;
  cleanup(): void;
}

/** Makes a token directory and points SOFTHSM2_CONF (this process's and the tools') at it. */
export function softHsm(): SoftHsm {
  const dir = mkdtempSync(path.join(tmpdir(), 'kyman-p11-'));
  mkdirSync(path.join(dir, 'tokens'));
  const conf = path.join(dir, 'softhsm2.conf');
  writeFileSync(conf, `directories.tokendir = ${path.join(dir, 'tokens')}\nobjectstore.backend = file\nlog.level = ERROR\n`);
  // SoftHSM2 reads the variable at C_Initialize, so it must be set before the module is opened.
  process.env.SOFTHSM2_CONF = conf;
  const env = { ...process.env, SOFTHSM2_CONF: conf };
  const run = (command: string, args: string[]) => {
    const r = spawnSync(command, args, { encoding: 'utf8', env, timeout: 120_000 });
    if (r.error) throw r.error;
    return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  };
  return {
    dir,
    conf,
    env,
    run,
    initToken(label, soPin, pin) {
      const r = run('softhsm2-util', ['--init-token', '--free', '--label', label, '--so-pin', soPin, '--pin', pin]);
      if (r.status !== 0) throw new Error(`softhsm2-util --init-token: ${r.stderr}`);
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
