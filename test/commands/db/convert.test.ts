// kyman db convert: CMS to PKCS #12 and back.

import assert from 'node:assert/strict';
import { chmodSync, copyFileSync } from 'node:fs';
import { kyman, kymanJson, ok, suiteTempDir } from '../../helpers/cli.js';
import { gskit } from '../../helpers/fixtures.js';

describe('kyman db convert', function () {
  this.timeout(120_000);
  const tmp = suiteTempDir();

  it('converts CMS to PKCS #12 and back, keeping labels, trust and the default key', () => {
    const src = tmp.file('conv.kdb');
    copyFileSync(gskit('chained.kdb'), src);
    chmodSync(src, 0o600); // the samples are kept read-only, and kyman will not change a read-only database
    copyFileSync(gskit('chained.sth'), tmp.file('conv.sth'));
    // IBM's sample has no default key; PKCS #12 reads its first key as the default, so name one.
    ok(kyman(['cert', 'default', 'server-cert', '--db', src]), 'cert default');
    const r = kymanJson(['db', 'convert', src, tmp.file('conv.p12')]);
    assert.equal(r.__status, 0, r.__stderr);
    assert.equal(r.type, 'pkcs12');
    const back = kymanJson(['db', 'convert', tmp.file('conv.p12'), tmp.file('conv2.kdb'), '--pass', 'env:P', '--new-pass', 'env:P'], { env: { P: 'password' } });
    assert.equal(back.__status, 0, back.__stderr);
    const a = kymanJson(['cert', 'list', '--db', src]).entries;
    const b = kymanJson(['cert', 'list', '--db', tmp.file('conv2.kdb'), '--pass', 'env:P'], { env: { P: 'password' } }).entries;
    const pick = (l: any[]) => l.map((e) => [e.label, e.kind, e.kind === 'key' ? null : e.trusted, e.isDefault]).sort();
    assert.deepEqual(pick(b), pick(a));
  });

  it('writes the type the target\'s extension names, and --type wins with a warning', () => {
    const env = { P: 'convert-ext-password' };
    ok(kyman(['db', 'create', tmp.file('ext.kdb'), '--pass', 'env:P'], { env }), 'db create');
    const same = kymanJson(['db', 'convert', tmp.file('ext.kdb'), tmp.file('copy.kdb'), '--pass', 'env:P'], { env });
    assert.equal(same.__status, 0, same.__stderr);
    assert.equal(same.type, 'cms');
    assert.equal(kymanJson(['db', 'info', tmp.file('copy.kdb'), '--pass', 'env:P'], { env }).type, 'cms');
    const pfx = kymanJson(['db', 'convert', tmp.file('ext.kdb'), tmp.file('ext.pfx'), '--pass', 'env:P'], { env });
    assert.equal(pfx.type, 'pkcs12');
    const forced = kyman(['db', 'convert', tmp.file('ext.kdb'), tmp.file('forced.kdb'), '--pass', 'env:P', '--type', 'pkcs12'], { env });
    ok(forced, 'convert --type');
    assert.match(forced.stderr, /warning: .*forced\.kdb is named as a CMS key database but --type pkcs12 writes PKCS #12/);
    assert.equal(kymanJson(['db', 'info', tmp.file('forced.kdb'), '--pass', 'env:P'], { env }).type, 'pkcs12');
  });
});
