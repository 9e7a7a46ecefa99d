// Stash files: IBM's v1 and v8 stashes decode; kyman's v8 stashes decode with an independent
// implementation of the format facts' algorithm written here (node:crypto only).

import assert from 'node:assert/strict';
import * as nodeCrypto from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { softwareProvider } from '../../../src/core/crypto/software.js';
import { KymanError } from '../../../src/core/errors.js';
import { readStash, readStashFile, readStashFor, stashPathFor, writeStash, writeStashFile } from '../../../src/core/keystore/stash.js';
import { tempDir } from '../../helpers/cli.js';
import { gskitBytes } from '../../helpers/fixtures.js';

const fixture = gskitBytes;
const provider = softwareProvider();

const T = '13EC6D5C885056915AB35FAD2BDDF39F40D7C57B8B4D28F66B61B75F391446FDA96751174DBD9713D02E0B38732E763501DBBB85EC60E437929ED2AA8981B36B';

/** The format facts' v8 algorithm, written again from the text: returns the v1 buffer (still XORed with 0xF5). */
function independentV8ToV1(stash: Buffer): Buffer {
  const sha256 = (b: Buffer) => nodeCrypto.createHash('sha256').update(b).digest();
  const hmac = (key: Buffer, data: Buffer) => nodeCrypto.createHmac('sha256', key).update(data).digest();
  const a = stash.subarray(0, 32);
  const b = stash.subarray(32, 64);
  const c = stash.subarray(64);
  assert.deepEqual(b, sha256(Buffer.concat([Buffer.from([1]), a])), 'B = SHA-256(01 ‖ A)');
  let s = sha256(Buffer.concat([a, b]));
  while (s[8] !== 0x03) s = sha256(s);
  for (let i = 0; i < 64; i++) s = sha256(s);
  const seed = hmac(s, Buffer.from(T, 'ascii'));
  let state = hmac(seed, Buffer.from([1, 1, 2, 3, 5, 8]));
  let ks = Buffer.alloc(0);
  while (ks.length < 129) {
    ks = Buffer.concat([ks, hmac(seed, state)]);
    state = Buffer.concat([ks, state]);
  }
  return Buffer.from(c.map((x, i) => x ^ ks[i]));
}

function independentV1Password(v1: Buffer): string {
  const plain = v1.map((x) => x ^ 0xf5);
  return Buffer.from(plain.subarray(0, plain.indexOf(0))).toString('utf8');
}

describe('stash files', () => {
  for (const [file, password, size] of [
    ['mixed.sth', 'password', 193],
    ['chained.sth', 'password', 193],
    ['empty.sth', 'password', 193],
    ['ikeyman-v6.sth', 'mq-lab', 193],
    ['ihs-v4.sth', '1qaz2wsx', 193],
    ['zos-v3.sth', 'password', 129],
  ] as const) {
    it(`${file} (v${size === 129 ? 1 : 8}) holds "${password}"`, () => {
      const bytes = fixture(file);
      assert.equal(bytes.length, size);
      assert.equal(readStash(provider, bytes), password);
      if (size === 193) assert.equal(independentV1Password(independentV8ToV1(Buffer.from(bytes))), password);
    });
  }

  it('the index-pattern padding of ihs-v4.sth proves the whole keystream (all 129 bytes)', () => {
    const v1 = independentV8ToV1(Buffer.from(fixture('ihs-v4.sth'))).map((x) => x ^ 0xf5);
    for (let i = '1qaz2wsx'.length + 1; i < 129; i++) assert.equal(v1[i], i, `padding byte ${i}`);
  });

  for (const password of ['password', 'pässwörd €', '', 'x'.repeat(128)]) {
    it(`writeStash makes a 193-byte v8 stash that decodes independently (${JSON.stringify(password.slice(0, 12))}${password.length > 12 ? '…' : ''})`, () => {
      const bytes = writeStash(provider, password);
      assert.equal(bytes.length, 193);
      assert.equal(independentV1Password(independentV8ToV1(Buffer.from(bytes))), password);
      assert.equal(readStash(provider, bytes), password);
    });
  }

  it('writeStash uses a fresh A and fresh random padding each time', () => {
    const one = Buffer.from(writeStash(provider, 'password'));
    const two = Buffer.from(writeStash(provider, 'password'));
    assert.notDeepEqual(one.subarray(0, 32), two.subarray(0, 32));
    const pad1 = independentV8ToV1(one).subarray(9);
    const pad2 = independentV8ToV1(two).subarray(9);
    assert.notDeepEqual(pad1, pad2);
  });

  it('refuses passwords it cannot stash', () => {
    assert.throws(() => writeStash(provider, 'x'.repeat(129)), (e: unknown) => e instanceof KymanError && e.code === 'USAGE');
    assert.throws(() => writeStash(provider, 'a\0b'), (e: unknown) => e instanceof KymanError && e.code === 'USAGE');
  });

  it('anything but 129 or 193 bytes, a wrong check value, or no NUL is BAD_INPUT', () => {
    const badInput = (e: unknown) => e instanceof KymanError && e.code === 'BAD_INPUT';
    for (const size of [0, 128, 130, 192, 194, 5000]) assert.throws(() => readStash(provider, new Uint8Array(size)), badInput);
    const v8 = writeStash(provider, 'password');
    v8[40] ^= 1;
    assert.throws(() => readStash(provider, v8), /check value/);
    assert.throws(() => readStash(provider, new Uint8Array(129).fill(0x12)), /no password/); // 0x12 ^ 0xF5 is never NUL
  });

  it('stashPathFor replaces the last extension with .sth', () => {
    assert.equal(stashPathFor('x.kdb'), 'x.sth');
    assert.equal(stashPathFor('/etc/keys/server.p12'), '/etc/keys/server.sth');
    assert.equal(stashPathFor('a.b/key.db.kdb'), 'a.b/key.db.sth');
    assert.equal(stashPathFor('a.b/key'), 'a.b/key.sth');
    assert.equal(stashPathFor('C:\\keys\\x.kdb'), 'C:\\keys\\x.sth');
    assert.equal(stashPathFor('dir/.kdb'), 'dir/.kdb.sth');
  });

  it('writes the stash beside a database (0600) and reads it back, or says there is none', async () => {
    const tmp = tempDir('kyman-stash-');
    try {
      const db = tmp.file('web.kdb');
      assert.equal(await readStashFor(db, provider), undefined);
      const written = await writeStashFile(db, 'stashed password', provider);
      assert.equal(written, tmp.file('web.sth'));
      assert.equal(statSync(written).mode & 0o777, 0o600);
      assert.equal(readFileSync(written).length, 193);
      assert.deepEqual(await readStashFor(db, provider), { path: written, password: 'stashed password' });
      assert.equal(await readStashFile(written, provider), 'stashed password');
      await assert.rejects(readStashFile(tmp.file('none.sth'), provider), (e: unknown) => e instanceof KymanError && e.code === 'NOT_FOUND');
    } finally {
      tmp.cleanup();
    }
  });
});
