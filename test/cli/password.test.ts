import assert from 'node:assert/strict';
import { KymanError } from '../../src/core/errors.js';
import { readPasswordSpec } from '../../src/cli/password.js';

describe('cli/password', () => {
  it('refuses a password given without a source prefix, and never repeats it', () => {
    for (const given of ['hunter2-secret', 'my pass word', 'Pässwörd€']) {
      assert.throws(
        () => readPasswordSpec(given, '--pass'),
        (e: unknown) => e instanceof KymanError && e.code === 'USAGE' && !e.message.includes(given) && /env:VAR/.test(e.message) && e.message.includes('--pass'),
      );
    }
  });

  it('reads each source as OpenSSL spells it', () => {
    process.env.KYMAN_TEST_PW = 'from-env';
    assert.equal(readPasswordSpec('env:KYMAN_TEST_PW', '--pass').password, 'from-env');
    assert.equal(readPasswordSpec('pass:literal', '--pass').password, 'literal');
    assert.match(readPasswordSpec('pass:literal', '--pass').warning ?? '', /visible to other users/);
  });
});
