// TLS 1.2 finite-field DHE: the RFC 7919 §4 group choice, recognising a ServerDHParams' group, the premaster secret's leading zeros (RFC 5246 §8.1.2) and the range check on Y (RFC 7919 §5.1).

import assert from 'node:assert/strict';
import { ffdheKeyShare, ffdhePrime } from '../../../src/core/crypto/ffdhe.js';
import { TlsAlertError } from '../../../src/core/tls/alerts.js';
import { NO_COMMON_FFDHE_GROUP, checkDheGroups, chooseDheGroup, dheGroupParams, dhePremaster, groupOfDhParams, stripLeadingZeros } from '../../../src/core/tls/dhe-tls12.js';
import { GROUPS, resolveGroups, resolveSuites12 } from '../../../src/core/tls/suites.js';
import { provider } from '../../helpers/tls-credentials.js';

const group = (name: string) => GROUPS.find((g) => g.name === name)!;
const FFDHE2048 = group('ffdhe2048');
const alert = (name: string) => (e: unknown) => e instanceof TlsAlertError && e.alert.name === name && e.direction === 'sent';
const big = (b: Uint8Array) => BigInt(`0x${Buffer.from(b).toString('hex') || '0'}`);
const bytesOf = (n: bigint, length: number) => Uint8Array.from(Buffer.from(n.toString(16).padStart(length * 2, '0'), 'hex'));

/** Two fixed private keys whose ffdhe2048 shared secret starts with a zero byte (found by search; one in 256 pairs). */
const ZERO_LED = { a: Uint8Array.from(Buffer.alloc(32, 0x11)), b: Uint8Array.of(0x00, 0xa0) };

describe('tls 1.2 DHE', () => {
  it('RFC 7919 §4: no supported_groups, or none finite-field: the server\'s first finite-field group', () => {
    const enabled = resolveGroups(['x25519', 'ffdhe3072', 'ffdhe2048']);
    assert.equal(chooseDheGroup(undefined, enabled), group('ffdhe3072'));
    assert.equal(chooseDheGroup([0x001d, 0x0017], enabled), group('ffdhe3072'));
  });

  it('RFC 7919 §4: finite-field groups listed: the first of ours among them, in our order; none of ours (even unknown code points): no DHE', () => {
    const enabled = resolveGroups(['x25519', 'ffdhe3072', 'ffdhe2048']);
    assert.equal(chooseDheGroup([0x0100, 0x0101], enabled), group('ffdhe3072'));
    assert.equal(chooseDheGroup([0x001d, 0x0100], enabled), group('ffdhe2048'));
    assert.equal(chooseDheGroup([0x0104], enabled), NO_COMMON_FFDHE_GROUP);
    assert.equal(chooseDheGroup([0x01ff], enabled), NO_COMMON_FFDHE_GROUP);
    assert.equal(chooseDheGroup(undefined, resolveGroups(['x25519'])), undefined);
  });

  it('ServerDHParams: the named group\'s prime and generator 2, recognised again with or without leading zero bytes', () => {
    const { dh_p, dh_g } = dheGroupParams(FFDHE2048);
    assert.deepEqual(dh_p, ffdhePrime('ffdhe2048'));
    assert.deepEqual(dh_g, Uint8Array.of(2));
    assert.equal(groupOfDhParams(dh_p, dh_g, GROUPS), FFDHE2048);
    assert.equal(groupOfDhParams(Uint8Array.of(0, ...dh_p), Uint8Array.of(0, 2), GROUPS), FFDHE2048);
    assert.equal(groupOfDhParams(dh_p, Uint8Array.of(5), GROUPS), undefined);
    assert.equal(groupOfDhParams(ffdhePrime('ffdhe3072'), dh_g, resolveGroups(['ffdhe2048'])), undefined);
    const other = Uint8Array.from(dh_p);
    other[other.length - 1] ^= 2;
    assert.equal(groupOfDhParams(other, dh_g, GROUPS), undefined);
  });

  it('RFC 5246 §8.1.2: the premaster secret is Z with its leading zero bytes stripped', () => {
    const ours = provider.generateKeyShare('ffdhe2048', ZERO_LED.a);
    const theirs = ffdheKeyShare('ffdhe2048', ZERO_LED.b);
    const z = theirs.deriveSecret(ours.publicKey);
    assert.equal(z.length, 256);
    assert.equal(z[0], 0, 'the fixed keys give a Z with a leading zero byte');
    const pms = dhePremaster(ours, FFDHE2048, theirs.publicKey, 'client');
    assert.equal(pms.length, 256 - 1 - (z[1] === 0 ? 1 : 0));
    assert.deepEqual(pms, stripLeadingZeros(z));
    assert.notEqual(pms[0], 0);
  });

  it('a peer value without its leading zero bytes, or with extra ones, gives the same secret', () => {
    const ours = provider.generateKeyShare('ffdhe2048');
    const theirs = ffdheKeyShare('ffdhe2048', Uint8Array.of(1, 2, 3));
    const expected = dhePremaster(ours, FFDHE2048, theirs.publicKey, 'client');
    const y = big(theirs.publicKey);
    assert.deepEqual(dhePremaster(ours, FFDHE2048, stripLeadingZeros(theirs.publicKey), 'client'), expected);
    assert.deepEqual(dhePremaster(ours, FFDHE2048, bytesOf(y, 300), 'client'), expected);
  });

  it('RFC 7919 §5.1, §3, §4: Y of 0, 1, p-1, p, p+1 or longer than p is a handshake_failure', () => {
    const ours = provider.generateKeyShare('ffdhe2048');
    const p = big(ffdhePrime('ffdhe2048'));
    for (const y of [0n, 1n, p - 1n, p, p + 1n]) {
      assert.throws(() => dhePremaster(ours, FFDHE2048, bytesOf(y, 256), 'client'), alert('handshake_failure'), `Y = ${y.toString(16).slice(0, 8)}…`);
    }
    assert.throws(() => dhePremaster(ours, FFDHE2048, Uint8Array.of(1, ...bytesOf(2n, 256)), 'server'), alert('handshake_failure'));
    assert.throws(() => dhePremaster(ours, FFDHE2048, Uint8Array.of(0), 'server'), /the server's ffdhe2048 public value is outside 1 < Y < p-1/);
    // 2 and p-2 are in range.
    assert.equal(dhePremaster(ours, FFDHE2048, bytesOf(2n, 256), 'client').length > 0, true);
    assert.equal(dhePremaster(ours, FFDHE2048, bytesOf(p - 2n, 256), 'client').length > 0, true);
  });

  it('DHE suites with no finite-field group enabled are a usage error', () => {
    const dhe = resolveSuites12(['TLS_DHE_RSA_WITH_AES_128_GCM_SHA256', 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256']);
    assert.throws(() => checkDheGroups(dhe, resolveGroups(['x25519', 'secp256r1'])), /TLS_DHE_RSA_WITH_AES_128_GCM_SHA256 need a finite-field group/);
    assert.doesNotThrow(() => checkDheGroups(dhe, resolveGroups(['x25519', 'ffdhe2048'])));
    assert.doesNotThrow(() => checkDheGroups(resolveSuites12(undefined), resolveGroups(['x25519'])));
  });
});
