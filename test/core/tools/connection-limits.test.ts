import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type * as net from 'node:net';
import { KymanError } from '../../../src/core/errors.js';
import type { TlsSocket } from '../../../src/core/tls/index.js';
import {
  ConnectionGuard,
  DEFAULT_HANDSHAKE_TIMEOUT_MS,
  DEFAULT_IDLE_TIMEOUT_MS,
  MAX_HANDSHAKE_INPUT,
  STALLED_HANDSHAKE_MS,
  connectionsFor,
  resolveServerLimits,
  type LimitEvent,
  type LimitOptions,
} from '../../../src/core/tools/connection-limits.js';

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

/** Stand-ins for a TCP socket and the TLS socket over it: what the guard calls, recorded. */
class FakeSocket extends EventEmitter {
  destroyed = false;
  ended = false;
  timeoutMs: number | undefined;
  destroy() {
    if (this.destroyed) return;
    this.destroyed = true;
    this.emit('close');
  }
  end() {
    this.ended = true;
  }
  setTimeout(ms: number) {
    this.timeoutMs = ms;
  }
}

function guarded(options: LimitOptions, clock = { t: 0 }) {
  const events: LimitEvent[] = [];
  const guard = new ConnectionGuard(resolveServerLimits(options), (e) => events.push(e), () => clock.t);
  /** A connection admitted (or not) and its handshake watched. */
  const connect = (remote: string) => {
    const tcp = new FakeSocket();
    const conn = new FakeSocket();
    const admitted = guard.admit(tcp as unknown as net.Socket, remote);
    if (admitted) guard.watchHandshake(conn as unknown as TlsSocket, tcp as unknown as net.Socket, remote);
    return { tcp, conn, admitted };
  };
  return { guard, events, connect, clock };
}

describe('connection guard', () => {
  it('refuses a connection beyond maxConnections, and admits one again once another closes', () => {
    const { events, connect } = guarded({ maxConnections: 2, handshakeTimeoutMs: 0 });
    const [a, b] = [connect('a'), connect('b')];
    a.conn.emit('secure');
    b.conn.emit('secure');
    const c = connect('c');
    assert.equal(c.admitted, false);
    assert.equal(c.tcp.destroyed, true);
    assert.deepEqual(events, [{ remote: 'c', limit: 'max-conns', message: 'refused: 2 connections are open, the most allowed' }]);
    a.tcp.destroy();
    assert.equal(connect('d').admitted, true);
  });

  it('a stalled handshake gives way to a newcomer, the oldest first; a fresh one does not', () => {
    const clock = { t: 0 };
    const { events, connect, guard } = guarded({ maxConnections: 10, maxPendingHandshakes: 2, handshakeTimeoutMs: 0 }, clock);
    const first = connect('first');
    clock.t = 100;
    const second = connect('second');
    clock.t = STALLED_HANDSHAKE_MS - 1;
    assert.equal(connect('too soon').admitted, false);
    assert.equal(events.at(-1)?.limit, 'max-handshakes');
    assert.match(events.at(-1)!.message, /^refused: 2 handshakes are in progress/);
    clock.t = STALLED_HANDSHAKE_MS + 500;
    assert.equal(connect('third').admitted, true);
    assert.equal(first.conn.destroyed, true);
    assert.equal(second.conn.destroyed, false);
    assert.deepEqual(events.at(-1), { remote: 'first', limit: 'max-handshakes', message: 'closed: the oldest handshake in progress, stalled for 750 ms, to make room for a new connection' });
    // Closed by a limit: the error its handshake ends with is not a failure of its own.
    assert.equal(guard.closed(first.conn as unknown as TlsSocket), true);
    assert.equal(guard.closed(second.conn as unknown as TlsSocket), false);
  });

  it('closes a handshake that sends more than the handshake input cap', () => {
    const { events, connect } = guarded({ handshakeTimeoutMs: 0 });
    const { tcp, conn } = connect('big');
    tcp.emit('data', Buffer.alloc(MAX_HANDSHAKE_INPUT));
    assert.equal(conn.destroyed, false);
    tcp.emit('data', Buffer.alloc(1));
    assert.equal(conn.destroyed, true);
    assert.deepEqual(events, [{ remote: 'big', limit: 'handshake-size', message: 'closed: sent more than 512 KiB without finishing the handshake' }]);
    // Once the handshake is done, what the client sends is not counted.
    const done = connect('done');
    done.conn.emit('secure');
    done.tcp.emit('data', Buffer.alloc(MAX_HANDSHAKE_INPUT + 1));
    assert.equal(done.conn.destroyed, false);
  });

  it('times the handshake, then the idle connection (close_notify first), and reports each once', async () => {
    const { events, connect, guard } = guarded({ handshakeTimeoutMs: 40, idleTimeoutMs: 5000 });
    const slow = connect('slow');
    const quick = connect('quick');
    quick.conn.emit('secure');
    guard.watchIdle(quick.conn as unknown as TlsSocket, quick.tcp as unknown as net.Socket, 'quick');
    await new Promise((r) => setTimeout(r, 80));
    assert.equal(slow.conn.destroyed, true);
    assert.equal(quick.conn.destroyed, false, 'a finished handshake is not timed');
    assert.equal(quick.tcp.timeoutMs, 5000);
    quick.tcp.emit('timeout');
    quick.tcp.emit('timeout');
    assert.equal(quick.conn.ended, true);
    assert.deepEqual(events, [
      { remote: 'slow', limit: 'handshake-timeout', message: 'closed: no handshake within 40 ms' },
      { remote: 'quick', limit: 'idle-timeout', message: 'closed: idle for 5 s' },
    ]);
  });
});
