// Where the tests find their input files: the project's own fixtures/, and the IBM-written samples kept outside the project.

import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The folder of files other tools wrote for the interoperability tests (see fixtures/README.md). */
export const fixturesDir = path.join(repoRoot, 'fixtures');

/**
 * The key databases IBM's tools wrote. Their origin keeps them out of the project: they sit next to
 * it, and this is the only place that knows where.
 */
export const gskitDir = path.resolve(repoRoot, '../shared/fixtures/gskit');

function existing(dir: string, name: string, what: string, remedy: string): string {
  const file = path.join(dir, name);
  if (!existsSync(file)) throw new Error(`${what} ${name} is missing: looked for ${file}${existsSync(dir) ? '' : ` (the folder ${dir} does not exist)`}; ${remedy}`);
  return file;
}

/** The path of a committed fixture, e.g. `fixture('openssl/ca.pem')`. */
export function fixture(name: string): string {
  return existing(fixturesDir, name, 'the fixture', 'run scripts/make-fixtures.sh to make the fixtures again');
}

/** A committed fixture's bytes. */
export function fixtureBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(fixture(name)));
}

/** The path of an IBM-written sample database (or its stash), e.g. `gskit('mixed.kdb')`. */
export function gskit(name: string): string {
  return existing(gskitDir, name, 'the IBM-written sample', `the samples are not part of the project and must be put in ${gskitDir}`);
}

/** An IBM-written sample's bytes. */
export function gskitBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(gskit(name)));
}
