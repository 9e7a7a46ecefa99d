// The TLS 1.2 key schedule (RFC 5246 §5, §6.3, §8.1; RFC 7627 §4): the PRF, the extended master secret, the key block and Finished.

import type { CryptoProvider, HashAlgorithm, RunningHash } from '../crypto/provider.js';
import { concat } from '../bytes.js';
import type { CipherSuite12 } from './suites.js';

declare const brand: unique symbol;
type Brand<T, B extends string> = T & { readonly [brand]: B };

/** RFC 8422 §5.10: the ECDH shared secret (X25519 output, or the x-coordinate), the PRF's first secret. */
export type PreMasterSecret = Brand<Uint8Array, 'PreMasterSecret'>;
/** RFC 5246 §8.1 / RFC 7627 §4: the 48-byte master secret; only it gives record keys and Finished. */
export type Tls12MasterSecret = Brand<Uint8Array, 'Tls12MasterSecret'>;

/** RFC 5246 §8.1: master_secret is always 48 bytes. */
const MASTER_SECRET_LENGTH = 48;
/** RFC 5246 §7.4.9: verify_data_length is 12 for every suite defined so far, the AEAD ones included. */
const VERIFY_DATA_LENGTH = 12;

const label = (s: string) => new TextEncoder().encode(s);

/**
 * RFC 5246 §5: P_hash(secret, seed) = HMAC(secret, A(1) + seed) + HMAC(secret, A(2) + seed) + …,
 * A(0) = seed, A(i) = HMAC(secret, A(i-1)); PRF(secret, label, seed) = P_<hash>(secret, label + seed).
 */
export function prf(provider: CryptoProvider, hash: HashAlgorithm, secret: Uint8Array, labelText: string, seed: Uint8Array, length: number): Uint8Array {
  const labelSeed = concat([label(labelText), seed]);
  const out = new Uint8Array(length);
  let a = labelSeed;
  for (let at = 0; at < length; ) {
    a = provider.hmac(hash, secret, a);
    const block = provider.hmac(hash, secret, concat([a, labelSeed]));
    out.set(block.subarray(0, Math.min(block.length, length - at)), at);
    at += block.length;
  }
  return out;
}

export interface Tls12TrafficKeys {
  /** RFC 5246 §6.3: the HMAC keys of a CBC suite; empty for AEAD suites. */
  readonly clientMacKey: Uint8Array;
  readonly serverMacKey: Uint8Array;
  readonly clientKey: Uint8Array;
  readonly serverKey: Uint8Array;
  /** RFC 5288 §3: the 4-byte salt; RFC 7905 §2: the 12-byte IV. */
  readonly clientIv: Uint8Array;
  readonly serverIv: Uint8Array;
}

/** The TLS 1.2 schedule for one negotiated suite; every HMAC and hash goes through the provider. */
export class Tls12KeySchedule {
  constructor(
    readonly provider: CryptoProvider,
    readonly suite: CipherSuite12,
  ) {}

  hash(data: Uint8Array): Uint8Array {
    return this.provider.hash(this.suite.hash, data);
  }

  /** A running hash of the PRF hash, for the transcript; undefined when the provider has none. */
  runningHash(): RunningHash | undefined {
    return this.provider.runningHash?.(this.suite.hash);
  }

  /**
   * RFC 7627 §4: master_secret = PRF(pre_master_secret, "extended master secret", session_hash)[0..47],
   * session_hash = Hash(handshake messages through ClientKeyExchange). A peer without the
   * extension is refused (RFC 7627 §5.2, §5.3) unless allowNoExtendedMasterSecret says otherwise.
   */
  extendedMasterSecret(pms: PreMasterSecret, sessionHash: Uint8Array): Tls12MasterSecret {
    return prf(this.provider, this.suite.hash, pms, 'extended master secret', sessionHash, MASTER_SECRET_LENGTH) as Tls12MasterSecret;
  }

  /**
   * RFC 5246 §8.1: master_secret = PRF(pre_master_secret, "master secret", client_random + server_random)[0..47],
   * the form without RFC 7627's session hash, open to the triple handshake attack; only for peers
   * without the extension, when asked for by name.
   */
  legacyMasterSecret(pms: PreMasterSecret, clientRandom: Uint8Array, serverRandom: Uint8Array): Tls12MasterSecret {
    return prf(this.provider, this.suite.hash, pms, 'master secret', concat([clientRandom, serverRandom]), MASTER_SECRET_LENGTH) as Tls12MasterSecret;
  }

  /**
   * RFC 5246 §6.3: key_block = PRF(master_secret, "key expansion", server_random + client_random),
   * cut into client_write_MAC_key, server_write_MAC_key, client_write_key, server_write_key,
   * client_write_IV, server_write_IV. AEAD suites have no MAC keys; CBC suites no fixed IVs (their
   * IV is explicit in each record, §6.2.3.2).
   */
  trafficKeys(ms: Tls12MasterSecret, clientRandom: Uint8Array, serverRandom: Uint8Array): Tls12TrafficKeys {
    const s = this.suite;
    const mac = s.cbc ? s.macLength : 0;
    const k = s.keyLength;
    const iv = s.cbc ? 0 : s.fixedIvLength;
    const block = prf(this.provider, s.hash, ms, 'key expansion', concat([serverRandom, clientRandom]), 2 * mac + 2 * k + 2 * iv);
    const at = 2 * mac;
    return {
      clientMacKey: block.subarray(0, mac),
      serverMacKey: block.subarray(mac, 2 * mac),
      clientKey: block.subarray(at, at + k),
      serverKey: block.subarray(at + k, at + 2 * k),
      clientIv: block.subarray(at + 2 * k, at + 2 * k + iv),
      serverIv: block.subarray(at + 2 * k + iv, at + 2 * k + 2 * iv),
    };
  }

  /** RFC 5246 §7.4.9: verify_data = PRF(master_secret, finished_label, Hash(handshake_messages))[0..11]. */
  verifyData(ms: Tls12MasterSecret, side: 'client' | 'server', transcriptHash: Uint8Array): Uint8Array {
    return prf(this.provider, this.suite.hash, ms, `${side} finished`, transcriptHash, VERIFY_DATA_LENGTH);
  }
}
