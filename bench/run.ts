// `npm run bench`: every speed figure kyman promises, each beside a reference measured in the same run.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { benchCli } from './cli.js';
import { benchKeyStore } from './keystore.js';
import { benchPki } from './pki.js';
import { benchProbeFleet } from './probe-fleet.js';
import { report } from './report.js';
import { benchTls, benchTlsBulk } from './tls.js';
import { benchToken } from './token.js';

const only = process.argv.slice(2);
const wanted = (name: string) => only.length === 0 || only.includes(name);
const dir = mkdtempSync(path.join(tmpdir(), 'kyman-bench-'));
try {
  if (wanted('cli')) console.log(report('Start-up', await benchCli(dir)));
  if (wanted('keystore')) console.log(report('CMS key databases', await benchKeyStore(dir)));
  if (wanted('pki')) console.log(report('A PKI from a spec', await benchPki(dir)));
  if (wanted('tls')) console.log(report('TLS on loopback', await benchTls()));
  else if (wanted('tls-bulk')) console.log(report('TLS on loopback: bulk', await benchTlsBulk()));
  if (wanted('probe')) console.log(report('tls probe --targets: a fleet on loopback', await benchProbeFleet(dir)));
  if (wanted('token')) console.log(report('A key on a PKCS #11 token (SoftHSM2)', await benchToken()));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
