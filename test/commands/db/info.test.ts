// kyman db info and cert list on IBM's sample databases, and how a database that cannot be opened is reported.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { expectCleanFailure, kyman, kymanJson, ok, suiteTempDir } from '../../helpers/cli.js';
import { gskit } from '../../helpers/fixtures.js';

const FIXTURES = [
  { name: 'mixed', version: 6, entries: ['rsa-keypair', 'ec-keypair', 'trusted-root-ca', 'trusted-intermediate-ca'] },
  { name: 'chained', version: 6, entries: ['root-ca', 'intermediate-ca', 'server-cert'] },
  { name: 'empty', version: 6, entries: [] },
  { name: 'ikeyman-v6', version: 6, count: 1 },
  { name: 'ihs-v4', version: 4, entries: ['localhost'] },
  { name: 'zos-v3', version: 3, count: 19, includes: ['server', 'client'] },
];

describe('kyman db info', function () {
  this.timeout(120_000);
  const tmp = suiteTempDir();
  const env = { KDB_PASS: 'db-test-password' };

  for (const f of FIXTURES) {
    it(`opens IBM's ${f.name}.kdb with the stash beside it and lists its entries`, () => {
      const db = gskit(`${f.name}.kdb`);
      const info = kymanJson(['db', 'info', db]);
      assert.equal(info.__status, 0, info.__stderr);
      assert.equal(info.type, 'cms');
      assert.equal(info.version, f.version);
      assert.equal(info.integrity, 'verified');
      assert.equal(info.stash, gskit(`${f.name}.sth`));
      const list = kymanJson(['cert', 'list', '--db', db]);
      const labels = list.entries.map((e: { label: string }) => e.label);
      if (f.entries) assert.deepEqual([...labels].sort(), [...f.entries].sort());
      if (f.count !== undefined) assert.equal(labels.length, f.count);
      for (const l of f.includes ?? []) assert.ok(labels.includes(l), `${l} missing`);
    });
  }

  it('shows mixed.kdb as two key pairs and two trusted CA certificates', () => {
    const list = kymanJson(['cert', 'list', '--db', gskit('mixed.kdb')]);
    const byLabel = Object.fromEntries(list.entries.map((e: any) => [e.label, e]));
    assert.equal(byLabel['rsa-keypair'].kind, 'key');
    assert.match(byLabel['rsa-keypair'].keyType, /^RSA 2048$/);
    assert.equal(byLabel['ec-keypair'].kind, 'key');
    assert.match(byLabel['ec-keypair'].keyType, /^EC P-256$/);
    assert.equal(byLabel['trusted-root-ca'].kind, 'certificate');
    assert.equal(byLabel['trusted-root-ca'].trusted, true);
    assert.equal(byLabel['trusted-intermediate-ca'].trusted, true);
    const table = kyman(['cert', 'list', '--db', gskit('mixed.kdb')]);
    assert.equal(table.status, 0);
    assert.match(table.stdout, /^LABEL\s+KIND\s+KEY\s+SUBJECT\s+EXPIRES\s+TRUSTED\s+DEFAULT/);
  });

  describe('bad input: one line, the right exit code, nothing written', () => {
    it('a damaged file (integrity check fails) is named and called damaged: exit 5', () => {
      const kdb = tmp.file('damaged.kdb');
      const bytes = readFileSync(gskit('mixed.kdb'));
      bytes[bytes.length - 100] ^= 0x55;
      writeFileSync(kdb, bytes);
      expectCleanFailure(kyman(['cert', 'list', '--db', kdb, '--pass', 'env:P'], { env: { P: 'password' } }), 5, /damaged\.kdb is damaged/);
      expectCleanFailure(kyman(['cert', 'delete', 'ec-keypair', '--db', kdb, '--pass', 'env:P'], { env: { P: 'password' } }), 5);
      assert.deepEqual(readFileSync(kdb), bytes);
    });

    it('a truncated file: exit 5', () => {
      const kdb = tmp.file('trunc.kdb');
      writeFileSync(kdb, readFileSync(gskit('mixed.kdb')).subarray(0, 5000));
      expectCleanFailure(kyman(['cert', 'list', '--db', kdb, '--pass', 'env:P'], { env: { P: 'password' } }), 5, /truncated/);
    });

    it('a file that is no key database: exit 5', () => {
      const f = tmp.file('notes.kdb');
      writeFileSync(f, 'just some text\n');
      expectCleanFailure(kyman(['cert', 'list', '--db', f, '--pass', 'env:P'], { env: { P: 'x' } }), 5, /not a key database/);
      expectCleanFailure(kyman(['db', 'info', f]), 5, /not a key database/);
    });

    it('a missing file: exit 4; no password and no terminal: exit 2; an unknown flag: exit 2', () => {
      expectCleanFailure(kyman(['cert', 'list', '--db', tmp.file('nope.kdb'), '--pass', 'env:P'], { env: { P: 'x' } }), 4, /does not exist/);
      const kdb = tmp.file('nostash.kdb');
      kyman(['db', 'create', kdb, '--pass', 'env:KDB_PASS'], { env });
      expectCleanFailure(kyman(['cert', 'list', '--db', kdb]), 2, /no password for .*--pass/);
      expectCleanFailure(kyman(['cert', 'list', '--db', kdb, '--bogus']), 2);
    });

    it('a missing database without --pass or stash: "does not exist", exit 4; a wrong password suggests only a stash that is there', () => {
      expectCleanFailure(kyman(['cert', 'list', '--db', tmp.file('nope.kdb')]), 4, /^kyman: key database .*nope\.kdb does not exist$/);
      expectCleanFailure(kyman(['db', 'info', tmp.file('nope.p12')]), 4, /does not exist/);
      const kdb = tmp.file('no-stash-here.kdb');
      ok(kyman(['db', 'create', kdb, '--pass', 'env:KDB_PASS'], { env }), 'db create');
      const r = kyman(['cert', 'list', '--db', kdb, '--pass', 'env:P'], { env: { P: 'not-the-password' } });
      expectCleanFailure(r, 3, /wrong password for no-stash-here\.kdb/);
      assert.doesNotMatch(r.stderr, /\.sth/);
    });

    it('errors come as JSON under --json', () => {
      const r = kyman(['cert', 'list', '--db', tmp.file('nope.kdb'), '--pass', 'env:P', '--json'], { env: { P: 'x' } });
      assert.equal(r.status, 4);
      assert.deepEqual(Object.keys(JSON.parse(r.stdout).error).sort(), ['code', 'message']);
      assert.equal(JSON.parse(r.stdout).error.code, 'NOT_FOUND');
    });

    it('a wrong password: exit 3, one line, naming where the password came from', () => {
      const kdb = tmp.file('wrong-pass.kdb');
      kyman(['db', 'create', kdb, '--pass', 'env:KDB_PASS'], { env });
      expectCleanFailure(kyman(['db', 'info', kdb, '--pass', 'env:P'], { env: { P: 'not-the-password' } }), 3, /wrong password for wrong-pass\.kdb/);
      const r = kymanJson(['db', 'info', kdb, '--pass', 'env:P'], { env: { P: 'not-the-password' } });
      assert.equal(r.__status, 3);
      assert.equal(r.error.code, 'BAD_PASSWORD');
    });

    it('a mode wider than 0600 is kept by a change, and said', () => {
      const kdb = tmp.file('shared.kdb');
      kyman(['db', 'create', kdb, '--pass', 'env:KDB_PASS'], { env });
      chmodSync(kdb, 0o640);
      ok(kyman(['cert', 'create', 'x', '--db', kdb, '--pass', 'env:KDB_PASS', '--subject', 'CN=x'], { env }), 'cert create');
      const info = kymanJson(['db', 'info', kdb, '--pass', 'env:KDB_PASS'], { env });
      assert.equal(info.mode, '0640');
      assert.equal(info.modeWiderThan0600, true);
      assert.match(kyman(['db', 'info', kdb, '--pass', 'env:KDB_PASS'], { env }).stdout, /Mode\s+0640\s+\(wider than 0600: its group may read it/);
    });

    it('a held lock: exit 6 after the wait, naming the lock file', async () => {
      const kdb = tmp.file('locked.kdb');
      kyman(['db', 'create', kdb, '--pass', 'env:KDB_PASS', '--stash'], { env });
      const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
      try {
        writeFileSync(`${kdb}.lock`, `${holder.pid}\n`);
        const before = readFileSync(kdb);
        const r = kyman(['cert', 'create', 'x', '--db', kdb, '--subject', 'CN=x'], { env: { KYMAN_LOCK_TIMEOUT: '1' } });
        expectCleanFailure(r, 6, /locked by process \d+.*locked\.kdb\.lock/);
        assert.deepEqual(readFileSync(kdb), before);
      } finally {
        holder.kill('SIGKILL');
      }
    });
  });
});
