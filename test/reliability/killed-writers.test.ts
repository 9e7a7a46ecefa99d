// Writers killed with SIGKILL at random steps of a save and of a password change: every database
// must still open unattended (from its stash), whole, and the next writer must not be locked out.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import {
  createKeyStore,
  createRequest,
  createSelfSignedEntry,
  lockPathFor,
  openKeyDatabase,
  openRequestStore,
  pendingStashPathFor,
  stashedPassword,
  withFileLock,
} from '../../src/core/index.js';
import { suiteTempDir } from '../helpers/cli.js';
import { countFileOperations, kymanWithFault, requireBuiltBinary, type FaultRun } from '../helpers/fault-runs.js';
import { seededRandom, testSeed } from '../helpers/seeded-random.js';

/**
 * Kills per run, split between the two campaigns: a few dozen land on most steps of a save (about
 * 25 file operations) and of a password change (about 60) in well under a minute; each costs a
 * start of the binary. KYMAN_TEST_KILLS asks for more (100 for a thorough run).
 */
const KILLS = Number(process.env.KYMAN_TEST_KILLS) > 0 ? Number(process.env.KYMAN_TEST_KILLS) : 36;
const SAVE_KILLS = Math.floor(KILLS * 0.45);
const PASSWD_KILLS = KILLS - SAVE_KILLS;
/** A stale lock is taken over at once; a next writer that still cannot lock within this is locked out. */
const LOCKED_OUT_AFTER_MS = 2_000;

interface Tally {
  steps: number;
  kills: number;
  completed: number;
  corrupt: string[];
  lockedOut: string[];
}

const newTally = (): Tally => ({ steps: 0, kills: 0, completed: 0, corrupt: [], lockedOut: [] });

/** The run was killed where asked, or ran to the end (the step was past its last operation); anything else is a failure. */
function judgeRun(r: FaultRun, what: string, tally: Tally): void {
  if (r.signal === 'SIGKILL') tally.kills++;
  else if (r.status === 0) tally.completed++;
  else if (r.status === 6) tally.lockedOut.push(`${what}: exit 6: ${r.stderr.trim()}`);
  else tally.corrupt.push(`${what}: exit ${r.status}: ${r.stderr.trim()}`);
}

async function notLockedOut(file: string, what: string, tally: Tally): Promise<void> {
  await withFileLock(file, async () => undefined, { timeoutMs: LOCKED_OUT_AFTER_MS }).catch((e: Error) => tally.lockedOut.push(`${what}: ${e.message}`));
}

const leftovers = (dir: string) => readdirSync(dir).filter((n) => n.endsWith('.tmp') || n.endsWith('.lock') || n.endsWith('.takeover') || n.endsWith('.new'));

describe('reliability: writers killed with SIGKILL', function () {
  // Each kill costs a start of the binary: seconds apiece on a busy machine.
  this.timeout(120_000 + KILLS * 10_000);
  const tmp = suiteTempDir('kyman-killed-');
  const seed = testSeed(15_2026);
  const save = newTally();
  const passwd = newTally();
  let saveDir = '';
  let passwdDir = '';

  /** A save (cert create, password from the stash) killed at random steps; after each, the database is opened as a service would. */
  async function saveCampaign(): Promise<void> {
    const random = seededRandom(seed);
    saveDir = tmp.file('save');
    mkdirSync(saveDir);
    const db = `${saveDir}/service.kdb`;
    const store = await createKeyStore(db, { password: 'save-password', stash: true });
    await createSelfSignedEntry(store, 'existing', { subject: 'CN=existing' });
    const create = (label: string) => ['cert', 'create', label, '--db', db, '--subject', `CN=${label}`];
    const steps = await countFileOperations(create('dry-run'), { dir: saveDir });
    save.steps = steps;
    let expected = new Set(['existing', 'dry-run']);
    for (let i = 0; i < SAVE_KILLS; i++) {
      const label = `k${i}`;
      const killAt = 1 + random.below(steps);
      const what = `save ${i} (step ${killAt} of ${steps})`;
      judgeRun(await kymanWithFault(create(label), { dir: saveDir, killAt, env: { KYMAN_LOCK_TIMEOUT: '10' } }), what, save);
      try {
        const stash = await stashedPassword(db);
        const labels = new Set((await openKeyDatabase(db, { password: stash!.password })).entries().map((e) => e.label));
        const lost = [...expected].filter((l) => !labels.has(l));
        const extra = [...labels].filter((l) => !expected.has(l) && l !== label);
        if (lost.length || extra.length) save.corrupt.push(`${what}: lost ${lost.join(', ') || 'nothing'}, unexpected ${extra.join(', ') || 'nothing'}`);
        expected = labels;
      } catch (error) {
        save.corrupt.push(`${what}: ${(error as Error).message}`);
      }
      await notLockedOut(db, what, save);
    }
    // One clean save afterwards: it must succeed, and sweep away what the killed writers left.
    const last = await kymanWithFault(create('after'), { dir: saveDir });
    assert.equal(last.status, 0, last.stderr);
  }

  /** db passwd (old password from the stash) killed at random steps, with a pending request in the .rdb. */
  async function passwdCampaign(): Promise<void> {
    const random = seededRandom(seed + 1);
    passwdDir = tmp.file('passwd');
    mkdirSync(passwdDir);
    const db = `${passwdDir}/service.kdb`;
    const passwords = ['first-password', 'second-password'];
    const store = await createKeyStore(db, { password: passwords[0], stash: true });
    await createSelfSignedEntry(store, 'web', { subject: 'CN=web' });
    await createRequest(store, await openRequestStore(db, { password: passwords[0] }), 'pending', { subject: 'CN=pending' });
    const change = ['db', 'passwd', '--db', db, '--new-pass', 'env:NEW_PASS'];
    let current = passwords[0];
    const other = (p: string) => (p === passwords[0] ? passwords[1] : passwords[0]);
    const steps = await countFileOperations(change, { dir: passwdDir, env: { NEW_PASS: other(current) } });
    passwd.steps = steps;
    current = other(current);
    for (let i = 0; i < PASSWD_KILLS; i++) {
      const next = other(current);
      const killAt = 1 + random.below(steps);
      const what = `db passwd ${i} (step ${killAt} of ${steps})`;
      judgeRun(await kymanWithFault(change, { dir: passwdDir, killAt, env: { NEW_PASS: next, KYMAN_LOCK_TIMEOUT: '10' } }), what, passwd);
      try {
        const stash = await stashedPassword(db);
        if (!stash) throw new Error('the stash is gone');
        if (stash.password !== current && stash.password !== next) throw new Error('the stash holds neither password');
        const reopened = await openKeyDatabase(db, { password: stash.password });
        assert.deepEqual(reopened.entries().map((e) => e.label), ['web']);
        await reopened.privateKey('web');
        const requests = await openRequestStore(db, { password: stash.password });
        assert.deepEqual(requests.list().map((r) => r.label), ['pending']);
        if (existsSync(await pendingStashPathFor(db))) throw new Error('the new stash of the interrupted change is still there after an unattended open');
        current = stash.password;
      } catch (error) {
        passwd.corrupt.push(`${what}: ${(error as Error).message}`);
      }
      await notLockedOut(db, what, passwd);
    }
    const last = await kymanWithFault(change, { dir: passwdDir, env: { NEW_PASS: other(current) } });
    assert.equal(last.status, 0, last.stderr);
  }

  before(async function () {
    requireBuiltBinary();
    const started = Date.now();
    // The two campaigns work on separate folders, so they run side by side.
    await Promise.all([saveCampaign(), passwdCampaign()]);
    process.stdout.write(
      `      seed ${seed}: save (${save.steps} file operations) ${save.kills} killed, ${save.completed} ran through, ${save.corrupt.length} corrupt, ${save.lockedOut.length} locked out; ` +
        `db passwd (${passwd.steps} file operations) ${passwd.kills} killed, ${passwd.completed} ran through, ${passwd.corrupt.length} corrupt, ${passwd.lockedOut.length} locked out; ${Date.now() - started} ms\n`,
    );
  });

  it(`a save killed at ${SAVE_KILLS} random steps never leaves a corrupt or locked-out database`, () => {
    assert.ok(save.kills >= SAVE_KILLS / 2, `only ${save.kills} of ${SAVE_KILLS} runs were killed: the steps are off`);
    assert.deepEqual(save.corrupt, []);
    assert.deepEqual(save.lockedOut, []);
  });

  it(`db passwd killed at ${PASSWD_KILLS} random steps never leaves a stash that does not open the database`, () => {
    assert.ok(passwd.kills >= PASSWD_KILLS / 2, `only ${passwd.kills} of ${PASSWD_KILLS} runs were killed: the steps are off`);
    assert.deepEqual(passwd.corrupt, []);
    assert.deepEqual(passwd.lockedOut, []);
  });

  it('the next save removes what killed writers left: no temporary file, lock or spare stash remains', () => {
    assert.deepEqual(leftovers(saveDir), []);
    assert.equal(existsSync(lockPathFor(`${saveDir}/service.kdb`)), false);
    assert.deepEqual(leftovers(passwdDir), []);
  });
});
