// A key database as an admin sets one up: reached through a symlink, owned by a service account,
// opened to its group, or made read-only. kyman changes the real file in its place and keeps what
// the admin chose, or refuses, saying why.

import assert from 'node:assert/strict';
import { chmodSync, chownSync, lstatSync, mkdirSync, readFileSync, readlinkSync, statSync, symlinkSync } from 'node:fs';
import { openKeyDatabase, stashedPassword } from '../../src/core/index.js';
import { expectCleanFailure, kyman, kymanJson, ok, suiteTempDir } from '../helpers/cli.js';
import { requireBuiltBinary } from '../helpers/fault-runs.js';

const SERVICE_UID = 65534;
const SERVICE_GID = 65534;

describe('reliability: symlinks, owners and modes', function () {
  this.timeout(120_000);
  const tmp = suiteTempDir('kyman-owner-');
  const env = { P: 'owner-password', NEW: 'owner-password-2' };
  const asRoot = process.getuid?.() === 0;
  before(requireBuiltBinary);

  it('a database reached through a symlink is changed where it lives; the link stays a link', async () => {
    mkdirSync(tmp.file('real'));
    const real = tmp.file('real/web.kdb');
    const link = tmp.file('web.kdb');
    symlinkSync('real/web.kdb', link);
    // Created through the link (which points nowhere yet): the file appears at the link's target.
    ok(kyman(['db', 'create', link, '--pass', 'env:P'], { env }), 'db create');
    ok(kyman(['cert', 'create', 'web', '--db', link, '--pass', 'env:P', '--subject', 'CN=web'], { env }), 'cert create');
    ok(kyman(['db', 'passwd', '--db', link, '--pass', 'env:P', '--new-pass', 'env:NEW'], { env }), 'db passwd');
    assert.ok(lstatSync(link).isSymbolicLink());
    assert.equal(readlinkSync(link), 'real/web.kdb');
    const store = await openKeyDatabase(real, { password: env.NEW });
    assert.deepEqual(store.entries().map((e) => e.label), ['web']);
  });

  it("a service account's 0640 database keeps its owner, group and mode through changes made by root, and db info says the mode is wide", async function () {
    if (!asRoot) this.skip();
    const db = tmp.file('service.kdb');
    ok(kyman(['db', 'create', db, '--pass', 'env:P', '--stash'], { env }), 'db create');
    const stash = tmp.file('service.sth');
    for (const f of [db, stash]) {
      chownSync(f, SERVICE_UID, SERVICE_GID);
      chmodSync(f, 0o640);
    }
    ok(kyman(['cert', 'create', 'svc', '--db', db, '--subject', 'CN=svc']), 'cert create (password from the stash)');
    ok(kyman(['db', 'passwd', '--db', db, '--new-pass', 'env:NEW'], { env }), 'db passwd');
    for (const f of [db, stash]) {
      const s = statSync(f);
      assert.deepEqual([s.uid, s.gid, (s.mode & 0o777).toString(8)], [SERVICE_UID, SERVICE_GID, '640'], f);
    }
    assert.equal((await stashedPassword(db))?.password, env.NEW);
    const info = kymanJson(['db', 'info', db]);
    assert.equal(info.__status, 0, info.__stderr);
    assert.equal(info.integrity, 'verified');
    assert.equal(info.mode, '0640');
    assert.equal(info.modeWiderThan0600, true);
    assert.match(kyman(['db', 'info', db]).stdout, /Mode\s+0640\s+\(wider than 0600: its group may read it; kept as it is/);
  });

  it('a read-only (0400) database is refused with one line and exit 1, and left as it was', () => {
    const db = tmp.file('frozen.kdb');
    ok(kyman(['db', 'create', db, '--pass', 'env:P'], { env }), 'db create');
    chmodSync(db, 0o400);
    const before = readFileSync(db);
    expectCleanFailure(kyman(['cert', 'create', 'x', '--db', db, '--pass', 'env:P', '--subject', 'CN=x'], { env }), 1, /read-only \(mode 0400\)|permission denied/);
    expectCleanFailure(kyman(['db', 'passwd', '--db', db, '--pass', 'env:P', '--new-pass', 'env:NEW'], { env }), 1, /read-only \(mode 0400\)|permission denied/);
    assert.deepEqual(readFileSync(db), before);
    assert.equal(statSync(db).mode & 0o777, 0o400);
  });
});
