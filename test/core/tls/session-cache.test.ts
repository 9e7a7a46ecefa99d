import assert from 'node:assert/strict';
import { createSoftwareProvider } from '../../../src/core/crypto/software.js';
import type { Tls12MasterSecret } from '../../../src/core/tls/key-schedule-tls12.js';
import {
  MAX_CACHED_SESSIONS,
  SESSION_LIFETIME_SECONDS,
  ServerSessionStore,
  TICKET_KEY_ROTATION_SECONDS,
  type ServerSessionState,
  type ServerTicketState13,
} from '../../../src/core/tls/session-cache.js';

const provider = createSoftwareProvider();
const T0 = 1_800_000_000;
const ROTATE = TICKET_KEY_ROTATION_SECONDS;
const LIFETIME = SESSION_LIFETIME_SECONDS;

const state12 = (createdAt: number): ServerSessionState => ({
  suiteId: 0xc02b,
  group: 'x25519',
  masterSecret: new Uint8Array(48).fill(7) as Tls12MasterSecret,
  createdAt,
  serverName: 'localhost',
  peerCertificates: [],
  extendedMasterSecret: true,
});
const state13 = (createdAt: number): ServerTicketState13 => ({ suiteId: 0x1301, psk: new Uint8Array(32).fill(9), createdAt, ticketAgeAdd: 42, peerCertificates: [] });
const keyName = (ticket: Uint8Array) => Buffer.from(ticket.subarray(0, 16)).toString('hex');

describe('the server session store', () => {
  it('seals with a new ticket key every rotation period, and still opens tickets of the one before', () => {
    const store = new ServerSessionStore(provider);
    const first = store.seal13(state13(T0));
    assert.equal(keyName(store.seal13(state13(T0 + ROTATE - 1))), keyName(first));
    const later = T0 + ROTATE + 60;
    const second = store.seal13(state13(later));
    assert.notEqual(keyName(second), keyName(first));
    assert.equal(store.ticketKeyCount, 2);
    assert.equal(store.open13(first, later)?.ticketAgeAdd, 42);
    assert.equal(store.open13(second, later)?.ticketAgeAdd, 42);
  });

  it('forgets a retired key once every ticket it sealed has lapsed, so the keys held stay few', () => {
    const store = new ServerSessionStore(provider);
    const normal = store.seal(state12(T0), T0);
    // A state made later than it is sealed never happens, but it shows the key going while the state inside is still fresh.
    const future = state12(T0 + ROTATE + LIFETIME);
    const early = store.seal(future, T0);
    store.seal(state12(T0 + ROTATE), T0 + ROTATE);
    assert.equal(store.ticketKeyCount, 2);
    assert.ok(store.open(normal, T0 + LIFETIME - 1), 'the retired key opens while tickets it sealed can be valid');
    const after = T0 + ROTATE + LIFETIME + 1;
    assert.equal(store.open(early, after), undefined, 'the retired key is forgotten once they have all lapsed');
    assert.ok(store.open(store.seal(future, after), after), 'the same state under the current key opens');
    for (let t = after; t < after + 48 * 3600; t += 600) store.seal13(state13(t));
    assert.ok(store.ticketKeyCount <= 1 + Math.ceil(LIFETIME / ROTATE), `${store.ticketKeyCount} keys held`);
  });

  it('a ticket opens only as the version that sealed it, only for the store that sealed it, and not altered', () => {
    const store = new ServerSessionStore(provider);
    const t12 = store.seal(state12(T0), T0);
    const t13 = store.seal13(state13(T0));
    assert.equal(store.open13(t12, T0), undefined);
    assert.equal(store.open(t13, T0), undefined);
    assert.equal(new ServerSessionStore(provider).open(t12, T0), undefined);
    const flipped = Uint8Array.from(t12);
    flipped[flipped.length - 1] ^= 1;
    assert.equal(store.open(flipped, T0), undefined);
    assert.equal(store.open(t12, T0 + LIFETIME), undefined, 'lapsed');
  });

  it('keeps at most MAX_CACHED_SESSIONS sessions by id, the oldest going first', () => {
    const store = new ServerSessionStore(provider);
    const id = (i: number) => Uint8Array.of(i >> 8, i & 0xff, 1);
    for (let i = 0; i <= MAX_CACHED_SESSIONS; i++) store.put(id(i), state12(T0));
    assert.equal(store.get(id(0), T0), undefined);
    assert.ok(store.get(id(1), T0));
    assert.ok(store.get(id(MAX_CACHED_SESSIONS), T0));
  });

  it('caches copies of its own, not slices of a shared buffer that they would keep alive', () => {
    const store = new ServerSessionStore(provider);
    const shared = new Uint8Array(8192).fill(5);
    const peer = shared.subarray(200, 300);
    store.put(Uint8Array.of(9), { ...state12(T0), masterSecret: shared.subarray(100, 148) as Tls12MasterSecret, peerCertificates: [peer] });
    const got = store.get(Uint8Array.of(9), T0)!;
    assert.deepEqual(got.masterSecret, shared.subarray(100, 148));
    assert.equal(got.masterSecret.buffer.byteLength, 48);
    assert.equal(got.peerCertificates[0].buffer.byteLength, 100);
  });
});
