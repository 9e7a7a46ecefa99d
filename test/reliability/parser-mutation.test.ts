// Seeded mutations of every input file the tests hold (the project's fixtures/ and IBM's key
// databases), read the way the commands read them: each must be read, or refused with a KymanError
// whose code is one of DESIGN.md's exit codes — never a crash, a foreign error or a stack trace.

import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  EXIT_CODES,
  KymanError,
  openKeyDatabase,
  peekKeyDatabase,
  readCertificate,
  readCertificateFile,
  readCertificationRequest,
  readPrivateKeyFile,
  readStash,
  softwareProvider,
} from '../../src/core/index.js';
import { classifyError } from '../../src/cli/base-command.js';
import { expectCleanFailure, kyman, suiteTempDir } from '../helpers/cli.js';
import { fixtureBytes, fixturesDir, gskit, gskitBytes, gskitDir } from '../helpers/fixtures.js';
import { seededRandom, testSeed, type SeededRandom } from '../helpers/seeded-random.js';

/** Mutations per run: a few hundred, spread over every file, in well under a minute. */
const MUTATIONS = 400;
/** Mutated files also run through the built binary, to see the exit code and the one line a person gets. */
const THROUGH_THE_BINARY = 3;

/** The codes a damaged input may be refused with: damaged, or (a damaged verifier) a wrong password. */
const REFUSALS = new Set(['BAD_INPUT', 'BAD_PASSWORD']);

/** Passwords of the files that have one (fixtures/README.md). */
const PASSWORDS: Record<string, string> = {
  'openssl/p12-default.p12': 'secret',
  'openssl/p12-legacy.p12': 'secret',
  'openssl/p12-mixed.p12': 'secret',
  'openssl/p12-nomac.p12': 'secret',
  'openssl/p12-nomac-enc.p12': 'secret',
  'openssl/p12-empty.p12': '',
  'openssl/p12-utf8.p12': 'pässwörd€',
  'openssl/import-openssl.p12': 'p12-pass',
  'openssl/import-openssl-legacy.p12': 'p12-pass',
  'openssl/import-encrypted.key': 'key-pass',
  'keytool/java.p12': 'changeit',
  'keytool/sign-srv.p12': 'keytool-pass',
  'keytool/import-keytool.p12': 'keytool-pass',
  'jks/store.jks': 'jks-store-pass',
  'jks/store.jceks': 'jks-store-pass',
  'jks/truststore.jks': 'jks-store-pass',
  'jks/keypass.jks': 'jks-store-pass',
  'jks/store-keytool.p12': 'jks-store-pass',
  'jks/keypass-keytool.p12': 'jks-store-pass',
};
/** Java keystore keys with a password of their own (keytool -keypass). */
const KEY_PASSWORDS: Record<string, string> = { 'jks/keypass.jks': 'jks-key-pass' };
/** Fixtures damaged on purpose: there is no whole file to start from. */
const DAMAGED = ['jks/damaged-flipped.jks', 'jks/damaged-truncated.jks'];
/** 600,000 PBKDF2 iterations a read: mutating it would spend the whole run on key derivation. */
const SKIPPED = new Set(['gnutls/leaf.p12', 'README.md', ...DAMAGED]);

type Kind = 'database' | 'stash' | 'certificates' | 'request' | 'key';

interface Sample {
  name: string;
  kind: Kind;
  bytes: Uint8Array;
  password: string;
  keyPassword?: string;
}

function kindOf(name: string): Kind | undefined {
  if (/\.(kdb|p12|jks|jceks)$/.test(name)) return 'database';
  if (name.endsWith('.sth')) return 'stash';
  if (name.endsWith('.csr')) return 'request';
  if (/\.key$|epki-|pkcs8-/.test(name)) return 'key';
  if (/\.(pem|der|crt|cer|p7b)$/.test(name)) return 'certificates';
  return undefined;
}

function samples(): Sample[] {
  const out: Sample[] = [];
  for (const folder of readdirSync(fixturesDir, { withFileTypes: true }).filter((d) => d.isDirectory())) {
    for (const file of readdirSync(path.join(fixturesDir, folder.name)).sort()) {
      const name = `${folder.name}/${file}`;
      const kind = kindOf(name);
      if (!kind || SKIPPED.has(name)) continue;
      out.push({ name, kind, bytes: fixtureBytes(name), password: PASSWORDS[name] ?? (kind === 'key' ? 's3cret' : ''), keyPassword: KEY_PASSWORDS[name] });
    }
  }
  const provider = softwareProvider();
  for (const file of readdirSync(gskitDir).sort()) {
    if (!file.endsWith('.kdb') && !file.endsWith('.sth')) continue;
    const stem = file.replace(/\.\w+$/, '');
    const password = readStash(provider, gskitBytes(`${stem}.sth`));
    out.push({ name: `gskit/${file}`, kind: kindOf(file)!, bytes: gskitBytes(file), password });
  }
  return out;
}

const DER_LENGTHS = [0x00, 0x7f, 0x80, 0x81, 0x82, 0x84, 0xff];

/** One seeded mutation: bit flips, byte overwrites, truncation, junk, cut or repeated ranges, or a DER length rewritten. */
function mutate(bytes: Uint8Array, random: SeededRandom): { bytes: Uint8Array; how: string } {
  const b = new Uint8Array(bytes);
  const at = () => random.below(Math.max(b.length, 1));
  switch (random.below(7)) {
    case 0: {
      const n = 1 + random.below(8);
      for (let i = 0; i < n; i++) b[at()] ^= 1 << random.below(8);
      return { bytes: b, how: `${n} bit flips` };
    }
    case 1: {
      const i = at();
      b[i] = random.pick([0x00, 0xff, 0x80, 0x7f, random.below(256)]);
      return { bytes: b, how: `byte ${i} set to ${b[i]}` };
    }
    case 2: {
      const n = random.below(b.length);
      return { bytes: b.subarray(0, n), how: `truncated to ${n}` };
    }
    case 3: {
      const junk = Uint8Array.from({ length: 1 + random.below(64) }, () => random.below(256));
      const out = new Uint8Array(b.length + junk.length);
      out.set(b);
      out.set(junk, b.length);
      return { bytes: out, how: `${junk.length} junk bytes appended` };
    }
    case 4: {
      const start = at();
      const end = Math.min(b.length, start + 1 + random.below(64));
      return { bytes: new Uint8Array([...b.subarray(0, start), ...b.subarray(end)]), how: `bytes ${start}-${end} cut` };
    }
    case 5: {
      const start = at();
      const end = Math.min(b.length, start + 1 + random.below(64));
      return { bytes: new Uint8Array([...b.subarray(0, end), ...b.subarray(start, end), ...b.subarray(end)]), how: `bytes ${start}-${end} repeated` };
    }
    default: {
      // A DER header (SEQUENCE, OCTET STRING, INTEGER) whose length byte is rewritten: too long, too short, indefinite.
      const headers = [];
      for (let i = 0; i + 1 < b.length; i++) if (b[i] === 0x30 || b[i] === 0x04 || b[i] === 0x02) headers.push(i);
      if (headers.length === 0) return mutate(bytes, random);
      const i = random.pick(headers);
      b[i + 1] = random.pick(DER_LENGTHS);
      return { bytes: b, how: `DER length at ${i + 1} set to ${b[i + 1]}` };
    }
  }
}

describe('reliability: seeded mutations of every parser input', function () {
  this.timeout(180_000);
  const tmp = suiteTempDir('kyman-mutation-');
  const provider = softwareProvider();
  const seed = testSeed(8_1537);

  /** Reads `bytes` as a command would read a file of this kind. */
  async function read(sample: Sample, bytes: Uint8Array, file: string): Promise<void> {
    switch (sample.kind) {
      case 'database': {
        writeFileSync(file, bytes);
        await peekKeyDatabase(file);
        const store = await openKeyDatabase(file, { password: sample.password, keyPassword: sample.keyPassword, provider });
        for (const e of store.entries()) {
          readCertificate(provider, e.certificate);
          if (e.hasPrivateKey) await store.privateKey(e.label);
        }
        return;
      }
      case 'stash':
        readStash(provider, bytes);
        return;
      case 'certificates':
        for (const der of readCertificateFile(bytes)) readCertificate(provider, der);
        return;
      case 'request':
        readCertificationRequest(provider, bytes);
        return;
      case 'key':
        readPrivateKeyFile(provider, bytes, sample.password, sample.name);
    }
  }

  it(`reads or cleanly refuses ${MUTATIONS} seeded mutations of the fixtures and IBM's databases`, async () => {
    const all = samples();
    assert.ok(all.length > 40, `only ${all.length} input files found`);
    const random = seededRandom(seed);
    const failures: string[] = [];
    const tally = new Map<string, number>();
    const forTheBinary: Array<{ sample: Sample; file: string }> = [];
    const started = Date.now();
    for (let i = 0; i < MUTATIONS; i++) {
      const sample = all[i % all.length];
      const { bytes, how } = mutate(sample.bytes, random);
      const file = tmp.file(`m${i}${path.extname(sample.name)}`);
      let outcome = 'read';
      try {
        await read(sample, bytes, file);
      } catch (error) {
        const c = classifyError(error);
        outcome = c.code;
        const known = error instanceof KymanError && REFUSALS.has(error.code) && Object.values(EXIT_CODES).includes(c.exit);
        if (!known || /\n\s+at /.test(c.message)) failures.push(`${sample.name} (${how}): ${error instanceof KymanError ? error.code : (error as Error)?.name} ${c.message}`);
        else if (sample.kind === 'database' && forTheBinary.length < THROUGH_THE_BINARY && i % 7 === 0) forTheBinary.push({ sample, file });
      }
      tally.set(outcome, (tally.get(outcome) ?? 0) + 1);
    }
    process.stdout.write(`      seed ${seed}: ${[...tally].map(([k, n]) => `${n} ${k}`).join(', ')} in ${Date.now() - started} ms over ${all.length} files\n`);
    assert.deepEqual(failures, []);

    // The same refusals through the built binary: the exit code DESIGN.md gives, one line, no stack trace.
    for (const { sample, file } of forTheBinary) {
      const r = kyman(['cert', 'list', '--db', file, '--pass', 'env:P'], { env: { P: sample.password } });
      expectCleanFailure(r, r.status === EXIT_CODES.BAD_PASSWORD ? EXIT_CODES.BAD_PASSWORD : EXIT_CODES.BAD_INPUT);
    }
  });

  it('the samples it mutates are read whole before mutation', async () => {
    for (const sample of samples()) await read(sample, sample.bytes, tmp.file(`whole-${sample.name.replace('/', '-')}`));
    assert.ok(gskit('mixed.kdb'));
  });
});
