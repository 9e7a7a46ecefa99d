// RFC 8448 §3 "Simple 1-RTT Handshake", reproduced: codecs, key schedule, record protection and the server engine.

import assert from 'node:assert/strict';
import { Duplex } from 'node:stream';
import type { CryptoProvider } from '../../../src/core/crypto/index.js';
import { createTlsServer, type TraceEvent } from '../../../src/core/tls/index.js';
import { KeySchedule, certificateVerifyContent, type TrafficSecret } from '../../../src/core/tls/key-schedule.js';
import {
  CertificateCodec,
  CertificateVerifyCodec,
  ClientHelloCodec,
  EncryptedExtensionsCodec,
  FinishedCodec,
  ServerHelloCodec,
} from '../../../src/core/tls/msgs/index.js';
import { ContentType, Tls13Protection } from '../../../src/core/tls/record.js';
import { suiteById } from '../../../src/core/tls/suites.js';
import { provider } from '../../helpers/tls-credentials.js';
import { within } from '../../helpers/peers.js';

const h = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const cat = (...parts: Uint8Array[]) => Uint8Array.from(Buffer.concat(parts));

// §3, as published.
const CLIENT_PRIVATE = h('49af42ba7f7994852d713ef2784bcbcaa7911de26adc5642cb634540e7ea5005');
const CLIENT_PUBLIC = h('99381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c');
const SERVER_PRIVATE = h('b1580eeadf6dd589b8ef4f2d5652578cc810e9980191ec8d058308cea216a21e');
const SERVER_PUBLIC = h('c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f');
const SERVER_RANDOM = h('a6af06a4121860dc5e6e60249cd34c95930c8ac5cb1434dac155772ed3e26928');
const CLIENT_HELLO = h(`010000c00303cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7000006130113031302010000910000000b0009000006736572766572ff01000100000a00140012001d0017001800190100010101020103010400230000003300260024001d002099381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c002b0003020304000d0020001e040305030603020308040805080604010501060102010402050206020202002d00020101001c00024001`);
const SERVER_HELLO = h('020000560303a6af06a4121860dc5e6e60249cd34c95930c8ac5cb1434dac155772ed3e2692800130100002e00330024001d0020c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f002b00020304');
const ENCRYPTED_EXTENSIONS = h('080000240022000a00140012001d00170018001901000101010201030104001c0002400100000000');
const CERTIFICATE = h(`0b0001b9000001b50001b0308201ac30820115a003020102020102300d06092a864886f70d01010b0500300e310c300a06035504031303727361301e170d3136303733303031323335395a170d3236303733303031323335395a300e310c300a0603550403130372736130819f300d06092a864886f70d010101050003818d0030818902818100b4bb498f8279303d980836399b36c6988c0c68de55e1bdb826d3901a2461eafd2de49a91d015abbc9a95137ace6c1af19eaa6af98c7ced43120998e187a80ee0ccb0524b1b018c3e0b63264d449a6d38e22a5fda430846748030530ef0461c8ca9d9efbfae8ea6d1d03e2bd193eff0ab9a8002c47428a6d35a8d88d79f7f1e3f0203010001a31a301830090603551d1304023000300b0603551d0f0404030205a0300d06092a864886f70d01010b05000381810085aad2a0e5b9276b908c65f73a7267170618a54c5f8a7b337d2df7a594365417f2eae8f8a58c8f8172f9319cf36b7fd6c55b80f21a03015156726096fd335e5e67f2dbf102702e608ccae6bec1fc63a42a99be5c3eb7107c3c54e9b9eb2bd5203b1c3b84e0a8b2f759409ba3eac9d91d402dcc0cc8f8961229ac9187b42b4de10000`);
const CERTIFICATE_VERIFY = h(`0f000084080400805a747c5d88fa9bd2e55ab085a61015b7211f824cd484145ab3ff52f1fda8477b0b7abc90db78e2d33a5c141a078653fa6bef780c5ea248eeaaa785c4f394cab6d30bbe8d4859ee511f602957b15411ac027671459e46445c9ea58c181e818e95b8c3fb0bf3278409d3be152a3da5043e063dda65cdf5aea20d53dfacd42f74f3`);
const SERVER_FINISHED = h('140000209b9b141d906337fbd2cbdce71df4deda4ab42c309572cb7fffee5454b78f0718');
const CLIENT_FINISHED = h('14000020a8ec436d677634ae525ac1fcebe11a039ec17694fac6e98527b642f2edd5ce61');
const SERVER_FLIGHT_RECORD = h(`17030302a2d1ff334a56f5bff6594a07cc87b580233f500f45e489e7f33af35edf7869fcf40aa40aa2b8ea73f848a7ca07612ef9f945cb960b4068905123ea78b111b429ba9191cd05d2a389280f526134aadc7fc78c4b729df828b5ecf7b13bd9aefb0e57f271585b8ea9bb355c7c79020716cfb9b1183ef3ab20e37d57a6b9d7477609aee6e122a4cf51427325250c7d0e509289444c9b3a648f1d71035d2ed65b0e3cdd0cbae8bf2d0b227812cbb360987255cc744110c453baa4fcd610928d809810e4b7ed1a8fd991f06aa6248204797e36a6a73b70a2559c09ead686945ba246ab66e5edd8044b4c6de3fcf2a89441ac66272fd8fb330ef8190579b3684596c960bd596eea520a56a8d650f563aad27409960dca63d3e688611ea5e22f4415cf9538d51a200c27034272968a264ed6540c84838d89f72c24461aad6d26f59ecaba9acbbb317b66d902f4f292a36ac1b639c637ce343117b659622245317b49eeda0c6258f100d7d961ffb138647e92ea330faeea6dfa31c7a84dc3bd7e1b7a6c7178af36879018e3f252107f243d243dc7339d5684c8b0378bf30244da8c87c843f5e56eb4c5e8280a2b48052cf93b16499a66db7cca71e4599426f7d461e66f99882bd89fc50800becca62d6c74116dbd2972fda1fa80f85df881edbe5a37668936b335583b599186dc5c6918a396fa48a181d6b6fa4f9d62d513afbb992f2b992f67f8afe67f76913fa388cb5630c8ca01e0c65d11c66a1e2ac4c85977b7c7a6999bbf10dc35ae69f5515614636c0b9b68c19ed2e31c0b3b66763038ebba42f3b38edc0399f3a9f23faa63978c317fc9fa66a73f60f0504de93b5b845e275592c12335ee340bbc4fddd502784016e4b3be7ef04dda49f4b440a30cb5d2af939828fd4ae3794e44f94df5a631ede42c1719bfdabf0253fe5175be898e750edc53370d2b`);
const CLIENT_FINISHED_RECORD = h('170303003575ec4dc238cce60b298044a71e219c56cc77b0517fe9b93c7a4bfc44d87f38f80338ac98fc46deb384bd1caeacab6867d726c40546');

const SECRETS = {
  shared: '8bd4054fb55b9d63fdfbacf9f04b9f0d35e6d63f537563efd46272900f89492d',
  early: '33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a',
  handshake: '1dc826e93606aa6fdc0aadc12f741b01046aa6b99f691ed221a9f0ca043fbeac',
  clientHandshake: 'b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21',
  serverHandshake: 'b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38',
  clientApplication: '9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5',
  serverApplication: 'a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643',
  exporter: 'fe22f881176eda18eb8f44529e6792c50c9a3f89452f68d8ae311b4309d3cf50',
  resumption: '7df235f2031d2a051287d02b0241b0bfdaf86cc856231f2d5aba46c434ec196c',
  serverHandshakeKey: '3fce516009c21727d0f2e4e86ee403bc',
  serverHandshakeIv: '5d313eb2671276ee13000b30',
  clientHandshakeKey: 'dbfaa693d1762c5b666af5d950258d01',
  clientHandshakeIv: '5bd3c71b836e0b76bb73265f',
};

// §2: the server's RSA key, as its parts.
const RSA = {
  n: 'b4bb498f8279303d980836399b36c6988c0c68de55e1bdb826d3901a2461eafd2de49a91d015abbc9a95137ace6c1af19eaa6af98c7ced43120998e187a80ee0ccb0524b1b018c3e0b63264d449a6d38e22a5fda430846748030530ef0461c8ca9d9efbfae8ea6d1d03e2bd193eff0ab9a8002c47428a6d35a8d88d79f7f1e3f',
  e: '010001',
  d: '04dea705d43a6ea7209dd8072111a83c81e322a59278b33480641eaf7c0a6985b8e31c44f6de62e1b4c2309f6126e77b7c41e923314bbfa3881305dc1217f16c819ce538e922f369828d0e57195d8c8488460207b2faa726bcf708bbd7db7f679f893492fc2a622e08970aac441ce4e0c3088df25ae679233df8a3bda2ff9941',
  p: 'e435fb7cc83737756dacea96ab7f59a2cc1069db7deb190e17e33a532b273f30a327aa0aaabc58cd67466af9845fadc675fe094af92c4bd1f2c1bc33dd2e0515',
  q: 'cabd3bc0e0438664c8d4cc9f99977a94d9bbfead8e43870abae3f7eb8b4e0eee8af1d9b4719ba6196cf2cbbaeeebf8b3490afe9e9ffa748a8aa51fc645629303',
};

/** DER for the RSA key: PrivateKeyInfo (RFC 5208) around RSAPrivateKey (RFC 8017 §A.1.2), CRT values computed. */
function rsaPkcs8(): Uint8Array {
  const big = (x: string) => BigInt(`0x${x}`);
  const [n, e, d, p, q] = [big(RSA.n), big(RSA.e), big(RSA.d), big(RSA.p), big(RSA.q)];
  const inverse = (a: bigint, m: bigint) => {
    let [r0, r1, s0, s1] = [a % m, m, 1n, 0n];
    while (r1) {
      const k = r0 / r1;
      [r0, r1, s0, s1] = [r1, r0 - k * r1, s1, s0 - k * s1];
    }
    return ((s0 % m) + m) % m;
  };
  const tlv = (tag: number, body: Buffer) => {
    const len = body.length < 128 ? Buffer.from([body.length]) : body.length < 256 ? Buffer.from([0x81, body.length]) : Buffer.from([0x82, body.length >> 8, body.length & 255]);
    return Buffer.concat([Buffer.from([tag]), len, body]);
  };
  const int = (v: bigint) => {
    let s = v.toString(16);
    if (s.length % 2) s = `0${s}`;
    if (parseInt(s.slice(0, 2), 16) & 0x80) s = `00${s}`;
    return tlv(0x02, Buffer.from(s, 'hex'));
  };
  const rsaKey = tlv(0x30, Buffer.concat([int(0n), int(n), int(e), int(d), int(p), int(q), int(d % (p - 1n)), int(d % (q - 1n)), int(inverse(q, p))]));
  const algorithm = Buffer.from('300d06092a864886f70d0101010500', 'hex');
  return Uint8Array.from(tlv(0x30, Buffer.concat([int(0n), algorithm, tlv(0x04, rsaKey)])));
}

describe('RFC 8448 §3: Simple 1-RTT Handshake', () => {
  const suite = suiteById(0x1301)!;
  const ks = new KeySchedule(provider, suite);
  const th = (...m: Uint8Array[]) => ks.hash(cat(...m));

  it('the codecs decode and re-encode every message byte for byte', () => {
    const body = (m: Uint8Array) => m.subarray(4);
    assert.equal(hex(ClientHelloCodec.encode(ClientHelloCodec.decode(body(CLIENT_HELLO)))), hex(CLIENT_HELLO));
    assert.equal(hex(ServerHelloCodec.encode(ServerHelloCodec.decode(body(SERVER_HELLO)))), hex(SERVER_HELLO));
    assert.equal(hex(EncryptedExtensionsCodec.encode(EncryptedExtensionsCodec.decode(body(ENCRYPTED_EXTENSIONS)))), hex(ENCRYPTED_EXTENSIONS));
    assert.equal(hex(CertificateCodec.encode(CertificateCodec.decode(body(CERTIFICATE)))), hex(CERTIFICATE));
    assert.equal(hex(CertificateVerifyCodec.encode(CertificateVerifyCodec.decode(body(CERTIFICATE_VERIFY)))), hex(CERTIFICATE_VERIFY));
    assert.equal(hex(FinishedCodec.encode(FinishedCodec.decode(body(SERVER_FINISHED)))), hex(SERVER_FINISHED));
    assert.equal(hex(FinishedCodec.encode(FinishedCodec.decode(body(CLIENT_FINISHED)))), hex(CLIENT_FINISHED));
  });

  it('the X25519 shares and the shared secret', () => {
    const client = provider.generateKeyShare('x25519', CLIENT_PRIVATE);
    const server = provider.generateKeyShare('x25519', SERVER_PRIVATE);
    assert.equal(hex(client.publicKey), hex(CLIENT_PUBLIC));
    assert.equal(hex(server.publicKey), hex(SERVER_PUBLIC));
    assert.equal(hex(client.deriveSecret(SERVER_PUBLIC)), SECRETS.shared);
  });

  it('every secret, key and IV of the key schedule, and both Finished', () => {
    const early = ks.earlySecret();
    assert.equal(hex(early), SECRETS.early);
    const hs = ks.handshakeSecret(early, h(SECRETS.shared));
    assert.equal(hex(hs), SECRETS.handshake);
    const helloHash = th(CLIENT_HELLO, SERVER_HELLO);
    const cHs = ks.clientHandshakeTrafficSecret(hs, helloHash);
    const sHs = ks.serverHandshakeTrafficSecret(hs, helloHash);
    assert.equal(hex(cHs), SECRETS.clientHandshake);
    assert.equal(hex(sHs), SECRETS.serverHandshake);
    assert.deepEqual([hex(ks.trafficKeys(sHs).key), hex(ks.trafficKeys(sHs).iv)], [SECRETS.serverHandshakeKey, SECRETS.serverHandshakeIv]);
    assert.deepEqual([hex(ks.trafficKeys(cHs).key), hex(ks.trafficKeys(cHs).iv)], [SECRETS.clientHandshakeKey, SECRETS.clientHandshakeIv]);
    const serverFinished = ks.finishedMac(sHs, th(CLIENT_HELLO, SERVER_HELLO, ENCRYPTED_EXTENSIONS, CERTIFICATE, CERTIFICATE_VERIFY));
    assert.equal(hex(serverFinished), hex(SERVER_FINISHED.subarray(4)));
    const master = ks.masterSecret(hs);
    const serverDone = th(CLIENT_HELLO, SERVER_HELLO, ENCRYPTED_EXTENSIONS, CERTIFICATE, CERTIFICATE_VERIFY, SERVER_FINISHED);
    assert.equal(hex(ks.clientApplicationTrafficSecret(master, serverDone)), SECRETS.clientApplication);
    assert.equal(hex(ks.serverApplicationTrafficSecret(master, serverDone)), SECRETS.serverApplication);
    assert.equal(hex(ks.exporterMasterSecret(master, serverDone)), SECRETS.exporter);
    assert.equal(hex(ks.finishedMac(cHs, serverDone)), hex(CLIENT_FINISHED.subarray(4)));
    const clientDone = th(CLIENT_HELLO, SERVER_HELLO, ENCRYPTED_EXTENSIONS, CERTIFICATE, CERTIFICATE_VERIFY, SERVER_FINISHED, CLIENT_FINISHED);
    assert.equal(hex(ks.resumptionMasterSecret(master, clientDone)), SECRETS.resumption);
  });

  it('record protection seals both protected flights to the published records, and opens them', () => {
    const seal = (secret: string, plaintext: Uint8Array, withoutParts = false) => {
      const { key, iv } = ks.trafficKeys(h(secret) as TrafficSecret);
      const aead = provider.aead(suite.aead, key);
      // A provider without sealParts (as the PKCS #11 one) takes the joining path.
      const out: Uint8Array[] = [];
      new Tls13Protection(withoutParts ? { algorithm: aead.algorithm, seal: aead.seal, open: aead.open } : aead, iv).seal(ContentType.handshake, plaintext, out);
      return cat(...out);
    };
    const serverFlight = cat(ENCRYPTED_EXTENSIONS, CERTIFICATE, CERTIFICATE_VERIFY, SERVER_FINISHED);
    assert.ok(provider.aead(suite.aead, new Uint8Array(16)).sealParts, 'the software provider has the fast path this test means to cover');
    for (const withoutParts of [false, true]) {
      assert.equal(hex(seal(SECRETS.serverHandshake, serverFlight, withoutParts)), hex(SERVER_FLIGHT_RECORD));
      assert.equal(hex(seal(SECRETS.clientHandshake, CLIENT_FINISHED, withoutParts)), hex(CLIENT_FINISHED_RECORD));
    }
    const { key, iv } = ks.trafficKeys(h(SECRETS.serverHandshake) as TrafficSecret);
    const opened = new Tls13Protection(provider.aead(suite.aead, key), iv).open(SERVER_FLIGHT_RECORD.subarray(0, 5), SERVER_FLIGHT_RECORD.subarray(5));
    assert.equal(opened.type, ContentType.handshake);
    assert.equal(hex(opened.fragment), hex(serverFlight));
  });

  it("the published CertificateVerify verifies over the content kyman builds (RSA-PSS is randomised, so it is checked, not compared)", () => {
    const cert = CertificateCodec.decode(CERTIFICATE.subarray(4)).certificate_list[0].cert_data;
    const spki = provider.importPrivateKey(rsaPkcs8()).spki;
    const cv = CertificateVerifyCodec.decode(CERTIFICATE_VERIFY.subarray(4));
    assert.equal(cv.algorithm, 0x0804);
    const content = certificateVerifyContent('server', th(CLIENT_HELLO, SERVER_HELLO, ENCRYPTED_EXTENSIONS, CERTIFICATE));
    assert.ok(provider.verify(spki, { type: 'rsa-pss', hash: 'SHA-256', saltLength: 32 }, content, cv.signature));
    assert.ok(Buffer.from(cert).includes(Buffer.from(spki.subarray(spki.length - 140))), 'the key built from the RFC parts is the certificate key');
  });

  it('the server engine, given the published ClientHello, randoms and keys, answers with the published ServerHello, Certificate and handshake secrets', async () => {
    const rsaKey = provider.importPrivateKey(rsaPkcs8());
    const fixed: CryptoProvider = { ...provider, generateKeyShare: (group) => provider.generateKeyShare(group, SERVER_PRIVATE) };
    const keyLog: string[] = [];
    const events: TraceEvent[] = [];
    const server = createTlsServer({
      provider: fixed,
      certificateChain: [CertificateCodec.decode(CERTIFICATE.subarray(4)).certificate_list[0].cert_data],
      privateKey: rsaKey,
      random: () => SERVER_RANDOM,
      keyLog: (l) => keyLog.push(l),
      trace: (e) => events.push(e),
    });
    const written: Buffer[] = [];
    const transport = new Duplex({
      read() {},
      write(chunk: Buffer, _e, cb) {
        written.push(chunk);
        cb();
      },
    });
    const conn = server.accept(transport);
    conn.on('error', () => undefined);
    // §3 sends the ClientHello in a record with legacy_record_version 0x0301.
    transport.push(Buffer.concat([Buffer.from([0x16, 0x03, 0x01, 0x00, CLIENT_HELLO.length]), CLIENT_HELLO]));
    await within(5000, (async () => {
      while (!events.some((e) => e.direction === 'sent' && e.message === 'Finished')) await new Promise((r) => setTimeout(r, 5));
    })());
    const out = Uint8Array.from(Buffer.concat(written));
    // The ServerHello record, byte for byte (the RFC's client is not in compatibility mode: no change_cipher_spec follows).
    const shRecord = cat(h('160303005a'), SERVER_HELLO);
    assert.equal(hex(out.subarray(0, shRecord.length)), hex(shRecord));
    const random = hex(CLIENT_HELLO.subarray(6, 38));
    assert.deepEqual(keyLog.slice(0, 2), [`CLIENT_HANDSHAKE_TRAFFIC_SECRET ${random} ${SECRETS.clientHandshake}`, `SERVER_HANDSHAKE_TRAFFIC_SECRET ${random} ${SECRETS.serverHandshake}`]);
    // The protected flight opens with the published server handshake key; its Certificate is the published one.
    const rest = out.subarray(shRecord.length);
    const { key, iv } = ks.trafficKeys(h(SECRETS.serverHandshake) as TrafficSecret);
    const flight = new Tls13Protection(provider.aead(suite.aead, key), iv).open(rest.subarray(0, 5), rest.subarray(5, 5 + ((rest[3] << 8) | rest[4])));
    const messages: Uint8Array[] = [];
    for (let at = 0; at < flight.fragment.length; ) {
      const len = (flight.fragment[at + 1] << 16) | (flight.fragment[at + 2] << 8) | flight.fragment[at + 3];
      messages.push(flight.fragment.subarray(at, at + 4 + len));
      at += 4 + len;
    }
    assert.deepEqual(messages.map((m) => m[0]), [8, 11, 15, 20]);
    assert.equal(hex(messages[1]), hex(CERTIFICATE));
    // kyman's EncryptedExtensions says less than NSS's did (no supported_groups, no record_size_limit), so from
    // here the transcript differs from the RFC's by design; the CertificateVerify must still verify over it.
    const cv = CertificateVerifyCodec.decode(messages[2].subarray(4));
    assert.equal(cv.algorithm, 0x0804);
    const content = certificateVerifyContent('server', th(CLIENT_HELLO, SERVER_HELLO, messages[0], messages[1]));
    assert.ok(provider.verify(rsaKey.spki, { type: 'rsa-pss', hash: 'SHA-256', saltLength: 32 }, content, cv.signature));
    conn.destroy();
  });
});
