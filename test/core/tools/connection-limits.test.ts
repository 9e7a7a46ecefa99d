import assert from 'node:assert/strict';
import { KymanError } from '../../../src/core/errors.js';
import { DEFAULT_HANDSHAKE_TIMEOUT_MS, DEFAULT_IDLE_TIMEOUT_MS, connectionsFor, resolveServerLimits } from '../../../src/core/tools/connection-limits.js';

describe('connection limits', () => {
  it('sizes the default connections for the open-file limit, leaving room', () => {
    // 20000: a tenth kept back, then capped; 1024: 64 kept back; 200 with 20 in use: 116.
    assert.equal(connectionsFor({ limit: 20_000, inUse: 20, source: 'proc' }), 10_000);
    assert.equal(connectionsFor({ limit: 1024, inUse: 20, source: 'proc' }), 1024 - 20 - 103);
    assert.equal(connectionsFor({ limit: 200, inUse: 20, source: 'proc' }), 200 - 20 - 64);
    // Too small for the reserve: half of what is free, and never none.
    assert.equal(connectionsFor({ limit: 64, inUse: 20, source: 'ulimit' }), 22);
    assert.equal(connectionsFor({ limit: 21, inUse: 20, source: 'proc' }), 1);
    assert.equal(connectionsFor({ limit: undefined, inUse: 20, source: undefined }), undefined);
  });

  it('resolves the defaults, and the handshakes in progress never above the connections', () => {
    const l = resolveServerLimits({}, () => ({ limit: 200, inUse: 20, source: 'proc' }));
    assert.equal(l.handshakeTimeoutMs, DEFAULT_HANDSHAKE_TIMEOUT_MS);
    assert.equal(l.idleTimeoutMs, DEFAULT_IDLE_TIMEOUT_MS);
    assert.equal(l.maxConnections, 116);
    assert.equal(l.maxConnectionsFrom, 'descriptors');
    assert.equal(l.maxPendingHandshakes, 116);
    const given = resolveServerLimits({ maxConnections: 5000, handshakeTimeoutMs: 0, idleTimeoutMs: 1500 }, () => assert.fail('the descriptors are not read when the limit is given'));
    assert.deepEqual([given.maxConnections, given.maxConnectionsFrom, given.maxPendingHandshakes, given.handshakeTimeoutMs, given.idleTimeoutMs], [5000, 'option', 256, 0, 1500]);
    assert.equal(resolveServerLimits({}, () => ({ limit: undefined, inUse: undefined, source: undefined })).maxConnectionsFrom, 'fallback');
  });

  it('reads this process\'s own limit', () => {
    const l = resolveServerLimits({});
    assert.equal(l.maxConnectionsFrom, 'descriptors');
    assert.ok(l.descriptors?.limit && l.descriptors.limit > 0);
    assert.ok(l.descriptors?.inUse && l.descriptors.inUse > 2, 'stdio at least');
  });

  it('refuses limits that are not whole numbers in range (USAGE)', () => {
    for (const bad of [{ maxConnections: 0 }, { idleTimeoutMs: -1 }, { handshakeTimeoutMs: 1.5 }, { maxPendingHandshakes: Number.NaN }]) {
      assert.throws(() => resolveServerLimits(bad), (e: unknown) => e instanceof KymanError && e.code === 'USAGE');
    }
  });
});
