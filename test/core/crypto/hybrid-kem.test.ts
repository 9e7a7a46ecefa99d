import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createSoftwareProvider } from '../../../src/core/crypto/index.js';
import { answerKeyShare } from '../../../src/core/crypto/key-agreement.js';
import { checkEncapsulationKey, hybridShareLengths, HYBRID_GROUPS, type HybridGroup } from '../../../src/core/crypto/hybrid-kem.js';
import { fixture } from '../../helpers/fixtures.js';

const provider = createSoftwareProvider();
const hex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');

interface OpensslVector { d: string; z: string; ek: string; c: string; K: string }
type ParameterSet = 'ML-KEM-768' | 'ML-KEM-1024';
const KNOWN = JSON.parse(readFileSync(fixture('mlkem/openssl-vectors.json'), 'utf8')) as Record<ParameterSet, OpensslVector[]>;
const CCTV = JSON.parse(readFileSync(fixture('mlkem/cctv-intermediate.json'), 'utf8')) as Record<ParameterSet, { ek: string; m: string; c: string; K: string }>;
const BAD_KEYS = JSON.parse(readFileSync(fixture('mlkem/cctv-modulus.json'), 'utf8')) as Record<ParameterSet, string[]>;

/** Which hybrid carries each parameter set in these tests. */
const CARRIERS: Record<ParameterSet, HybridGroup[]> = { 'ML-KEM-768': ['X25519MLKEM768', 'SecP256r1MLKEM768'], 'ML-KEM-1024': ['SecP384r1MLKEM1024'] };
const GROUPS = Object.keys(HYBRID_GROUPS) as HybridGroup[];

/** The ML-KEM and classical parts of a share, in the group's order. */
function parts(group: HybridGroup, share: Uint8Array, kemLength: number) {
  const p = HYBRID_GROUPS[group];
  return p.kemFirst ? { kem: share.subarray(0, kemLength), classical: share.subarray(kemLength) } : { classical: share.subarray(0, p.classicalLength), kem: share.subarray(p.classicalLength) };
}

describe('ECDHE-MLKEM hybrid groups (draft-ietf-tls-ecdhe-mlkem)', () => {
  it('has the sizes of the draft: X25519MLKEM768 1216 and 1120 bytes, SecP256r1MLKEM768 1249 and 1153, SecP384r1MLKEM1024 1665 and 1665', () => {
    assert.deepEqual(hybridShareLengths('X25519MLKEM768'), { client: 1216, server: 1120 });
    assert.deepEqual(hybridShareLengths('SecP256r1MLKEM768'), { client: 1249, server: 1153 });
    assert.deepEqual(hybridShareLengths('SecP384r1MLKEM1024'), { client: 1665, server: 1665 });
    for (const group of GROUPS) {
      const client = provider.generateKeyShare(group);
      assert.equal(client.publicKey.length, hybridShareLengths(group).client, group);
      const answer = answerKeyShare(provider, group, client.publicKey);
      assert.equal(answer.publicKey.length, hybridShareLengths(group).server, group);
      // ML-KEM's 32 bytes and the ECDH secret's: 32 for X25519 and P-256, 48 for P-384.
      assert.equal(answer.sharedSecret.length, group === 'SecP384r1MLKEM1024' ? 80 : 64, group);
      assert.deepEqual(client.deriveSecret(answer.publicKey), answer.sharedSecret, group);
    }
  });

  it('puts ML-KEM first for X25519MLKEM768 and ECDH first for the SecP groups, in the shares and in the secret', () => {
    for (const group of GROUPS) {
      const p = HYBRID_GROUPS[group];
      const client = provider.generateKeyShare(group);
      const answer = answerKeyShare(provider, group, client.publicKey);
      const clientParts = parts(group, client.publicKey, p.encapsulationKeyLength);
      const serverParts = parts(group, answer.publicKey, p.ciphertextLength);
      // The ECDH part is a valid public value of the classical group where the draft puts it: an uncompressed point starts 04.
      if (!p.kemFirst) assert.equal(clientParts.classical[0], 0x04, group);
      // The classical part alone agrees the classical half of the secret, found where the draft puts it.
      const probe = provider.generateKeyShare(p.classical);
      const ecdhSecret = probe.deriveSecret(clientParts.classical);
      assert.equal(ecdhSecret.length, p.classical === 'secp384r1' ? 48 : 32, group);
      const kemSecret = 32;
      const secret = answer.sharedSecret;
      const [kemPart, ecdhPart] = p.kemFirst ? [secret.subarray(0, kemSecret), secret.subarray(kemSecret)] : [secret.subarray(secret.length - kemSecret), secret.subarray(0, secret.length - kemSecret)];
      assert.equal(ecdhPart.length, ecdhSecret.length, group);
      assert.equal(kemPart.length, 32, group);
      assert.equal(serverParts.kem.length, p.ciphertextLength, group);
    }
  });

  for (const set of ['ML-KEM-768', 'ML-KEM-1024'] as const) {
    it(`${set}: OpenSSL 3.5's answers: the encapsulation key from d and z, and K from decapsulating its ciphertext`, () => {
      for (const group of CARRIERS[set]) for (const v of KNOWN[set]) {
        const p = HYBRID_GROUPS[group];
        const client = provider.generateKeyShare(group, hex(v.d + v.z));
        assert.equal(toHex(parts(group, client.publicKey, p.encapsulationKeyLength).kem), v.ek);
        // The server's share: OpenSSL's ciphertext beside a fresh ECDH value, in the group's order.
        const ecdh = provider.generateKeyShare(p.classical);
        const serverShare = p.kemFirst ? new Uint8Array([...hex(v.c), ...ecdh.publicKey]) : new Uint8Array([...ecdh.publicKey, ...hex(v.c)]);
        const secret = client.deriveSecret(serverShare);
        const K = p.kemFirst ? secret.subarray(0, 32) : secret.subarray(secret.length - 32);
        assert.equal(toHex(K), v.K);
        // The rest of the secret is the ECDH half, which the server side computes from our classical part.
        const ecdhSecret = ecdh.deriveSecret(parts(group, client.publicKey, p.encapsulationKeyLength).classical);
        assert.deepEqual(p.kemFirst ? secret.subarray(32) : secret.subarray(0, secret.length - 32), ecdhSecret);
      }
    });

    it(`${set}: C2SP/CCTV's intermediate values: the server's encapsulation to ek with message m gives their c and K`, () => {
      const v = CCTV[set];
      for (const group of CARRIERS[set]) {
        const p = HYBRID_GROUPS[group];
        const ecdh = provider.generateKeyShare(p.classical);
        const clientShare = p.kemFirst ? new Uint8Array([...hex(v.ek), ...ecdh.publicKey]) : new Uint8Array([...ecdh.publicKey, ...hex(v.ek)]);
        const answer = answerKeyShare(provider, group, clientShare, hex(v.m));
        assert.equal(toHex(parts(group, answer.publicKey, p.ciphertextLength).kem), v.c, group);
        const K = p.kemFirst ? answer.sharedSecret.subarray(0, 32) : answer.sharedSecret.subarray(answer.sharedSecret.length - 32);
        assert.equal(toHex(K), v.K, group);
      }
    });

    it(`${set}: the FIPS 203 §7.2 modulus check refuses C2SP/CCTV's bad encapsulation keys, and the server answers none of them`, () => {
      const group = CARRIERS[set][0];
      const p = HYBRID_GROUPS[group];
      const classical = provider.generateKeyShare(p.classical).publicKey;
      for (const v of KNOWN[set]) checkEncapsulationKey(group, hex(v.ek));
      assert.ok(BAD_KEYS[set].length > 0);
      for (const bad of BAD_KEYS[set]) {
        assert.throws(() => checkEncapsulationKey(group, hex(bad)), /modulus check/);
        const share = p.kemFirst ? new Uint8Array([...hex(bad), ...classical]) : new Uint8Array([...classical, ...hex(bad)]);
        assert.throws(() => answerKeyShare(provider, group, share), /modulus check/);
      }
    });
  }

  it('refuses shares of the wrong length on both sides, and an invalid ECDH half', () => {
    for (const group of GROUPS) {
      const { client, server } = hybridShareLengths(group);
      const share = provider.generateKeyShare(group);
      assert.throws(() => answerKeyShare(provider, group, share.publicKey.subarray(1)), new RegExp(`${client} bytes`));
      assert.throws(() => answerKeyShare(provider, group, new Uint8Array([...share.publicKey, 0])), new RegExp(`${client} bytes`));
      assert.throws(() => share.deriveSecret(new Uint8Array(server - 1)), new RegExp(`${server} bytes`));
      assert.throws(() => checkEncapsulationKey(group, new Uint8Array(HYBRID_GROUPS[group].encapsulationKeyLength + 1)), /encapsulation key is/);
    }
    // X25519's all-zero point (small order) in the classical half.
    const x = provider.generateKeyShare('X25519MLKEM768').publicKey.slice();
    x.fill(0, 1184);
    assert.throws(() => answerKeyShare(provider, 'X25519MLKEM768', x));
    // A P-256 point that is compressed, not uncompressed.
    const s = provider.generateKeyShare('SecP256r1MLKEM768').publicKey.slice();
    s[0] = 0x02;
    assert.throws(() => answerKeyShare(provider, 'SecP256r1MLKEM768', s), /uncompressed/);
  });
});
