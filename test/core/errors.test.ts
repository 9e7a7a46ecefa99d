import assert from 'node:assert/strict';
import { badInput, badPassword, conflict, EXIT_CODES, failed, KymanError, notFound, usage, type ErrorCode } from '../../src/core/errors.js';

describe('errors', () => {
  it('keeps the exit code of every error code, which scripts branch on', () => {
    assert.deepEqual(EXIT_CODES, { FAILED: 1, USAGE: 2, BAD_PASSWORD: 3, NOT_FOUND: 4, BAD_INPUT: 5, CONFLICT: 6 });
    assert.equal(new Set(Object.values(EXIT_CODES)).size, Object.keys(EXIT_CODES).length, 'no two codes share an exit status');
    assert.ok(!Object.values(EXIT_CODES).includes(0), 'no error exits 0');
  });

  it('each constructor makes a KymanError of its code, with the message and the cause', () => {
    const cause = new Error('underneath');
    const made: [ErrorCode, (m: string, c?: unknown) => KymanError][] = [
      ['FAILED', failed],
      ['USAGE', usage],
      ['BAD_PASSWORD', badPassword],
      ['NOT_FOUND', notFound],
      ['BAD_INPUT', badInput],
      ['CONFLICT', conflict],
    ];
    for (const [code, make] of made) {
      const e = make(`a ${code} case`, cause);
      assert.ok(e instanceof KymanError && e instanceof Error);
      assert.equal(e.code, code);
      assert.equal(e.name, 'KymanError');
      assert.equal(e.message, `a ${code} case`);
      assert.equal(e.cause, cause);
      assert.ok(e.stack?.startsWith(`KymanError: a ${code} case`), e.stack);
    }
    assert.equal(usage('no cause').cause, undefined);
  });
});
