// The fixture helpers find the files that are there and name the one that is not.

import assert from 'node:assert/strict';
import * as path from 'node:path';
import { fixture, fixturesDir, gskit, gskitDir } from './fixtures.js';

describe('test fixtures', () => {
  it('finds an IBM-written sample by name', () => {
    assert.equal(gskit('mixed.kdb'), path.join(gskitDir, 'mixed.kdb'));
  });

  it('says which sample is missing and where it looked', () => {
    assert.throws(() => gskit('no-such.kdb'), (e: Error) => e.message.includes('no-such.kdb') && e.message.includes(path.join(gskitDir, 'no-such.kdb')));
  });

  it('says which fixture is missing and how to make it', () => {
    assert.throws(() => fixture('no-such.pem'), (e: Error) => e.message.includes(path.join(fixturesDir, 'no-such.pem')) && /make-fixtures\.sh/.test(e.message));
  });
});
