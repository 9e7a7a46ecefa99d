import assert from 'node:assert/strict';
import { TlsAlertError } from '../../../src/core/tls/alerts.js';
import {
  DOWNGRADE_TLS11,
  DOWNGRADE_TLS12,
  hasDowngradeSentinel,
  nextMessage12,
  protections12,
  readChangeCipherSpecAndFinished,
  readMessage12,
  sendChangeCipherSpecAndFinished,
  signedParams,
} from '../../../src/core/tls/handshake-tls12.js';
import { Transcript } from '../../../src/core/tls/key-schedule.js';
import { Tls12KeySchedule, type Tls12MasterSecret } from '../../../src/core/tls/key-schedule-tls12.js';
import { FinishedCodec, HelloRequestCodec, ServerHelloDoneCodec } from '../../../src/core/tls/msgs/index.js';
import { ContentType } from '../../../src/core/tls/record.js';
import { suite12ById } from '../../../src/core/tls/suites.js';
import { fakeChannel } from '../../helpers/fake-channel.js';
import { provider } from '../../helpers/tls-credentials.js';

const helloRequest = () => HelloRequestCodec.encode({});
const serverHelloDone = () => ServerHelloDoneCodec.encode({});
const alert = (name: string) => (e: unknown) => e instanceof TlsAlertError && e.alert.name === name;

describe('tls 1.2 shared steps', () => {
  const ks = new Tls12KeySchedule(provider, suite12ById(0xc02b)!);
  const ms = new Uint8Array(48).fill(0x11) as Tls12MasterSecret;
  const clientRandom = new Uint8Array(32).fill(0xc1);
  const serverRandom = new Uint8Array(32).fill(0x5e);

  it('skips HelloRequests during a handshake (RFC 5246 §7.4.1.1), tracing them, and keeps them out of what it returns', async () => {
    const ch = fakeChannel([helloRequest(), helloRequest(), serverHelloDone()], true);
    const { raw } = await readMessage12(ch, ServerHelloDoneCodec);
    assert.deepEqual(raw, serverHelloDone());
    assert.deepEqual(ch.calls.map((c) => (c.call === 'trace' ? `${c.direction} ${c.name}` : c.call)), ['received HelloRequest', 'received HelloRequest', 'received ServerHelloDone']);
  });

  it('a peer that keeps sending HelloRequests ends the handshake with unexpected_message', async () => {
    const ch = fakeChannel(Array.from({ length: 6 }, helloRequest));
    await assert.rejects(nextMessage12(ch), alert('unexpected_message'));
  });

  it('a message of another type than the one due is an unexpected_message', async () => {
    await assert.rejects(readMessage12(fakeChannel([serverHelloDone()]), FinishedCodec), alert('unexpected_message'));
  });

  it('gives each direction its own protection from the key block, and they agree with the peer', () => {
    const mine = protections12(ks, ms, clientRandom, serverRandom);
    const theirs = protections12(ks, ms, clientRandom, serverRandom);
    const out: Uint8Array[] = [];
    mine.client.seal(ContentType.application_data, Buffer.from('from the client'), out);
    const wire = Buffer.concat(out);
    assert.equal(Buffer.from(theirs.client.open(wire.subarray(0, 5), wire.subarray(5)).fragment).toString(), 'from the client');
    assert.throws(() => theirs.server.open(wire.subarray(0, 5), wire.subarray(5)), alert('bad_record_mac'), 'the server direction has other keys');
  });

  it('sends ChangeCipherSpec, then Finished under the new keys, and the peer reading it agrees', async () => {
    const mine = protections12(ks, ms, clientRandom, serverRandom);
    const sent = new Transcript();
    sent.add(Uint8Array.of(1, 0, 0, 0));
    const ch = fakeChannel();
    sendChangeCipherSpecAndFinished(ch, sent, ks, ms, 'client', mine.client);
    assert.deepEqual(ch.calls.map((c) => c.call), ['sendChangeCipherSpec', 'setWriteProtection', 'sendHandshake']);
    const finished = (ch.calls[2] as { raw: Uint8Array }).raw;
    assert.equal(finished.length, 4 + 12);

    const received = new Transcript();
    received.add(Uint8Array.of(1, 0, 0, 0));
    const peer = fakeChannel([finished]);
    const theirs = protections12(ks, ms, clientRandom, serverRandom);
    await readChangeCipherSpecAndFinished(peer, received, ks, ms, 'client', theirs.client);
    assert.deepEqual(peer.calls.map((c) => c.call), ['expectChangeCipherSpec']);
    assert.deepEqual(received.bytes(), sent.bytes(), 'both transcripts now end with the Finished');
  });

  it('a Finished that does not match the transcript is a decrypt_error (RFC 5246 §7.4.9)', async () => {
    const transcript = new Transcript();
    transcript.add(Uint8Array.of(1, 0, 0, 0));
    const wrong = FinishedCodec.encode({ verify_data: new Uint8Array(12) });
    await assert.rejects(
      readChangeCipherSpecAndFinished(fakeChannel([wrong]), transcript, ks, ms, 'server', protections12(ks, ms, clientRandom, serverRandom).server),
      (e: unknown) => alert('decrypt_error')(e) && /the server's Finished does not match/.test((e as Error).message),
    );
  });

  it('finds the downgrade sentinels (RFC 8446 §4.1.3) only in the last 8 bytes of the random', () => {
    const random = (tail: Uint8Array) => {
      const r = new Uint8Array(32).fill(7);
      r.set(tail, 24);
      return r;
    };
    assert.equal(Buffer.from(DOWNGRADE_TLS12).toString('latin1'), 'DOWNGRD\x01');
    assert.equal(hasDowngradeSentinel(random(DOWNGRADE_TLS12)), true);
    assert.equal(hasDowngradeSentinel(random(DOWNGRADE_TLS11)), true);
    assert.equal(hasDowngradeSentinel(new Uint8Array(32).fill(7)), false);
    const early = new Uint8Array(32);
    early.set(DOWNGRADE_TLS12, 0);
    assert.equal(hasDowngradeSentinel(early), false);
  });

  it('signs client_random ‖ server_random ‖ params in a ServerKeyExchange (RFC 5246 §7.4.3)', () => {
    const params = Uint8Array.of(3, 0, 23, 1, 4);
    const signed = signedParams(clientRandom, serverRandom, params);
    assert.equal(signed.length, 69);
    assert.deepEqual(signed.subarray(0, 32), clientRandom);
    assert.deepEqual(signed.subarray(32, 64), serverRandom);
    assert.deepEqual(signed.subarray(64), params);
  });
});
