// Eight processes adding 25 entries each to one database at once, half of them through a symlink,
// on a database owned by a service account and left with a dead writer's lock and temporary file:
// nothing may be lost, and the file must keep its place, owner and mode.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { createKeyStore, lockPathFor, openKeyDatabase } from '../../src/core/index.js';
import { repoRoot, suiteTempDir } from '../helpers/cli.js';
import { requireBuiltBinary } from '../helpers/fault-runs.js';

const WRITERS = 8;
const ADDS = 25;
const PASSWORD = 'concurrency-pass';
/** Room for a self-signed certificate entry, and a database of 200 that writes quickly. */
const RECORD_LENGTH = 2000;
/** What a save killed mid-write of a large database leaves: a temporary file of its size. */
const DEAD_TEMP_SIZE = 5 * 1024 * 1024;

function writer(file: string, prefix: string): Promise<void> {
  const child = spawn(process.execPath, [path.join(repoRoot, 'test/helpers/add-certificates.mjs'), file, prefix, String(ADDS)], {
    cwd: repoRoot,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, KYMAN_TEST_PASSWORD: PASSWORD },
  });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  return new Promise((resolve, reject) => child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`writer ${prefix} failed (${code}): ${err}`)))));
}

async function deadPid(): Promise<number> {
  const dead = spawn(process.execPath, ['-e', '0']);
  await new Promise((r) => dead.on('exit', r));
  return dead.pid!;
}

describe('reliability: concurrent writers', function () {
  this.timeout(240_000);
  const tmp = suiteTempDir('kyman-writers-');
  const asRoot = process.getuid?.() === 0;
  before(requireBuiltBinary);

  it(`${WRITERS} writers × ${ADDS} adds, half through a symlink, after a dead writer: nothing lost, the file kept`, async () => {
    mkdirSync(tmp.file('data'));
    const real = tmp.file('data/busy.kdb');
    const link = tmp.file('busy.kdb');
    await createKeyStore(real, { password: PASSWORD, recordLength: RECORD_LENGTH });
    symlinkSync('data/busy.kdb', link);
    chmodSync(real, 0o640);
    if (asRoot) chownSync(real, 65534, 65534);
    const dead = await deadPid();
    writeFileSync(lockPathFor(real), `${dead}\n`);
    const deadTemp = tmp.file(`data/.busy.kdb.${dead}.lz3k9.tmp`);
    writeFileSync(deadTemp, new Uint8Array(DEAD_TEMP_SIZE));

    const started = Date.now();
    await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w % 2 ? link : real, `w${w}`)));
    const elapsed = Date.now() - started;

    const labels = new Set((await openKeyDatabase(link, { password: PASSWORD })).entries().map((e) => e.label));
    const lost: string[] = [];
    for (let w = 0; w < WRITERS; w++) for (let i = 0; i < ADDS; i++) if (!labels.has(`w${w}-${i}`)) lost.push(`w${w}-${i}`);
    process.stdout.write(`      ${WRITERS * ADDS - lost.length} of ${WRITERS * ADDS} entries saved, ${lost.length} lost, in ${elapsed} ms\n`);
    assert.deepEqual(lost, []);
    assert.equal(labels.size, WRITERS * ADDS);

    assert.ok(lstatSync(link).isSymbolicLink(), 'the symlink was replaced by a file');
    const s = statSync(real);
    assert.equal(s.mode & 0o777, 0o640);
    if (asRoot) assert.deepEqual([s.uid, s.gid], [65534, 65534]);
    assert.equal(existsSync(deadTemp), false, "the dead writer's temporary file is still there");
    assert.deepEqual(readdirSync(tmp.file('data')), ['busy.kdb']);
    assert.deepEqual(readdirSync(tmp.dir).sort(), ['busy.kdb', 'data']);
  });
});
