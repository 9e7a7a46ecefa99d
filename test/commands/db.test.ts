import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { expectCleanFailure, kyman, kymanJson, tempDir, tool } from '../helpers/cli.js';
import { gskit } from '../helpers/fixtures.js';

const ok = (r: { status: number; stderr: string }, what: string) => assert.equal(r.status, 0, `${what}: ${r.stderr}`);

const FIXTURES = [
  { name: 'mixed', version: 6, entries: ['rsa-keypair', 'ec-keypair', 'trusted-root-ca', 'trusted-intermediate-ca'] },
  { name: 'chained', version: 6, entries: ['root-ca', 'intermediate-ca', 'server-cert'] },
  { name: 'empty', version: 6, entries: [] },
  { name: 'ikeyman-v6', version: 6, count: 1 },
  { name: 'ihs-v4', version: 4, entries: ['localhost'] },
  { name: 'zos-v3', version: 3, count: 19, includes: ['server', 'client'] },
];

describe('kyman db', function () {
  this.timeout(120_000);
  const tmp = tempDir();
  after(() => tmp.cleanup());
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

  it('creates CMS and PKCS #12 databases 0600 with a stash, and reports them', () => {
    const kdb = tmp.file('new.kdb');
    const r = kymanJson(['db', 'create', kdb, '--pass', 'env:KDB_PASS', '--stash'], { env });
    assert.equal(r.__status, 0, r.__stderr);
    assert.equal(r.version, 6);
    assert.equal(r.recordLength, 5000);
    assert.equal(statSync(kdb).mode & 0o777, 0o600);
    assert.equal(statSync(tmp.file('new.sth')).mode & 0o777, 0o600);
    assert.equal(statSync(tmp.file('new.sth')).size, 193);
    const info = kymanJson(['db', 'info', kdb]);
    assert.equal(info.integrity, 'verified');
    assert.equal(info.entries, 0);
    const p12 = tmp.file('new.p12');
    assert.equal(kymanJson(['db', 'create', p12, '--type', 'pkcs12', '--pass', 'env:KDB_PASS'], { env }).__status, 0);
    assert.equal(kymanJson(['db', 'info', p12, '--pass', 'env:KDB_PASS'], { env }).type, 'pkcs12');
    expectCleanFailure(kyman(['db', 'create', kdb, '--pass', 'env:KDB_PASS'], { env }), 6, /already exists/);
  });

  it('warns that pass: is visible to other users', () => {
    const r = kyman(['db', 'create', tmp.file('visible.kdb'), '--pass', 'pass:visible-password']);
    assert.equal(r.status, 0);
    assert.match(r.stderr, /warning: --pass pass:… is visible to other users/);
  });

  it('changes the password and rewrites the stash; the old password then fails with exit 3', () => {
    const kdb = tmp.file('pw.kdb');
    kyman(['db', 'create', kdb, '--pass', 'env:KDB_PASS', '--stash'], { env });
    kyman(['cert', 'create', 'web', '--db', kdb, '--subject', 'CN=web'], { env });
    const r = kyman(['db', 'passwd', '--db', kdb, '--new-pass', 'env:NEW'], { env: { NEW: 'second-password' } });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(kymanJson(['db', 'info', kdb]).integrity, 'verified');
    const before = readFileSync(kdb);
    expectCleanFailure(kyman(['cert', 'delete', 'web', '--db', kdb, '--pass', 'env:KDB_PASS'], { env }), 3, /wrong password for pw\.kdb/);
    assert.deepEqual(readFileSync(kdb), before);
    const exported = kyman(['cert', 'export', 'web', '--db', kdb, '--out', tmp.file('pw.p12'), '--format', 'pkcs12', '--export-pass', 'env:NEW'], { env: { NEW: 'x-password' } });
    assert.equal(exported.status, 0, exported.stderr);
  });

  it('moves pending request keys to the new password too', () => {
    const kdb = tmp.file('pending.kdb');
    ok(kyman(['db', 'create', kdb, '--pass', 'env:KDB_PASS', '--stash'], { env }), 'db create');
    ok(kyman(['req', 'create', 'later', '--db', kdb, '--subject', 'CN=later', '--out', tmp.file('later.csr')]), 'req create');
    const r = kymanJson(['db', 'passwd', '--db', kdb, '--new-pass', 'env:NEW'], { env: { NEW: 'third-password' } });
    assert.equal(r.pendingRequests, 1, r.__stderr);
    ok(tool('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', tmp.file('ca.key'), '-out', tmp.file('ca.pem'), '-subj', '/CN=Test CA', '-days', '30']), 'ca');
    ok(tool('openssl', ['x509', '-req', '-in', tmp.file('later.csr'), '-CA', tmp.file('ca.pem'), '-CAkey', tmp.file('ca.key'), '-CAcreateserial', '-days', '20', '-out', tmp.file('later.pem')]), 'sign');
    ok(kyman(['req', 'receive', tmp.file('later.pem'), '--db', kdb]), 'req receive');
    const exported = tmp.file('later-key.pem');
    ok(kyman(['cert', 'export', 'later', '--db', kdb, '--out', exported, '--with-key', '--export-pass', 'env:NEW'], { env: { NEW: 'x-password' } }), 'export');
    assert.equal(tool('openssl', ['pkey', '-in', exported, '-passin', 'pass:x-password', '-pubout']).stdout, tool('openssl', ['x509', '-in', exported, '-pubkey', '-noout']).stdout);
  });

  it('stashes a password only after checking it', () => {
    const kdb = tmp.file('st.kdb');
    kyman(['db', 'create', kdb, '--pass', 'env:KDB_PASS'], { env });
    expectCleanFailure(kyman(['db', 'stash', '--db', kdb, '--pass', 'env:WRONG'], { env: { WRONG: 'nope' } }), 3);
    assert.equal(existsSync(tmp.file('st.sth')), false);
    assert.equal(kyman(['db', 'stash', '--db', kdb, '--pass', 'env:KDB_PASS'], { env }).status, 0);
    assert.equal(kymanJson(['cert', 'list', '--db', kdb]).__status, 0);
  });

  it('changes the record length, refusing one an entry would not fit, naming it', () => {
    const kdb = tmp.file('rl.kdb');
    kyman(['db', 'create', kdb, '--pass', 'env:KDB_PASS', '--stash'], { env });
    kyman(['cert', 'create', 'rsa4k', '--db', kdb, '--subject', 'CN=rsa4k', '--key', 'rsa:4096']);
    const before = readFileSync(kdb);
    expectCleanFailure(kyman(['db', 'record-length', '1200', '--db', kdb]), 6, /"rsa4k" needs \d+ bytes but the record length is 1200/);
    assert.deepEqual(readFileSync(kdb), before);
    const r = kymanJson(['db', 'record-length', '9000', '--db', kdb]);
    assert.equal(r.recordLength, 9000);
    assert.equal(kymanJson(['db', 'info', kdb]).recordLength, 9000);
    assert.equal(statSync(kdb).size, 0x90 + 9000);
  });

  it('converts CMS to PKCS #12 and back, keeping labels, trust and the default key', () => {
    const src = tmp.file('conv.kdb');
    copyFileSync(gskit('chained.kdb'), src);
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

  it('deletes a database only with --force when no one can be asked', () => {
    const kdb = tmp.file('del.kdb');
    kyman(['db', 'create', kdb, '--pass', 'env:KDB_PASS', '--stash'], { env });
    expectCleanFailure(kyman(['db', 'delete', kdb]), 2, /--force/);
    assert.ok(existsSync(kdb));
    const r = kymanJson(['db', 'delete', kdb, '--force']);
    assert.deepEqual(r.deleted.sort(), [kdb, tmp.file('del.sth')].sort());
    assert.equal(existsSync(kdb), false);
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

    it('errors come as JSON under --json', () => {
      const r = kyman(['cert', 'list', '--db', tmp.file('nope.kdb'), '--pass', 'env:P', '--json'], { env: { P: 'x' } });
      assert.equal(r.status, 4);
      assert.deepEqual(Object.keys(JSON.parse(r.stdout).error).sort(), ['code', 'message']);
      assert.equal(JSON.parse(r.stdout).error.code, 'NOT_FOUND');
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
