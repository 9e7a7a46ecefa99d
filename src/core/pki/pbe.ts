// Password-based encryption (RFC 8018 PBES1/PBES2, RFC 7292 Appendix B/C PKCS #12 PBE) and encrypted PKCS #8 keys.
// One file past 500 lines on purpose: the scheme tables, the key derivations and the encrypted-key
// wrapper share private parameter readers that no other module should see.

import { AsnConvert, AsnProp, AsnPropTypes, AsnType, AsnTypeTypes } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { EncryptedPrivateKeyInfo, PrivateKeyInfo } from '@peculiar/asn1-pkcs8';
import * as asn1js from 'asn1js';
import type { CbcCipher, CryptoProvider, HashAlgorithm } from '../crypto/provider.js';
import { concat, utf16beBytes } from '../bytes.js';
import { KymanError, badInput, badPassword } from '../errors.js';
import * as DER from '../der/writer.js';
import { readTlv } from '../der/reader.js';
import { HMAC_OID, OID } from '../der/oids.js';

/** How a private key (or any PKCS #12 content) is protected by a password; what kyman can write. */
export type KeyProtection =
  | {
      scheme: 'pbes2';
      prf: 'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512';
      cipher: 'AES-128-CBC' | 'AES-192-CBC' | 'AES-256-CBC' | 'DES-EDE3-CBC';
      iterations: number;
      saltLength: number;
    }
  | { scheme: 'pkcs12-3des'; iterations: number; saltLength: number } // pbeWithSHAAnd3-KeyTripleDES-CBC (1.2.840.113549.1.12.1.3)
  | { scheme: 'pkcs12-rc2-40'; iterations: number; saltLength: number } // pbeWithSHAAnd40BitRC2-CBC (1.2.840.113549.1.12.1.6)
  | { scheme: 'pbes1-md5-des'; iterations: number }; // pbeWithMD5AndDES-CBC (1.2.840.113549.1.5.3), 8-byte salt

/**
 * kyman's own choice for new keys: PBES2 with PBKDF2-HMAC-SHA-256 and AES-256-CBC, as OpenSSL 3
 * writes by default; 2048 iterations is OpenSSL's PKCS5_DEFAULT_ITER, and a 16-byte salt follows
 * NIST SP 800-132 §5.1 (at least 128 bits).
 */
export const DEFAULT_KEY_PROTECTION: KeyProtection = {
  scheme: 'pbes2',
  prf: 'SHA-256',
  cipher: 'AES-256-CBC',
  iterations: 2048,
  saltLength: 16,
};

/**
 * The largest iteration count we will run. The count comes from the file, so without a bound a
 * hostile file could keep the process busy for hours; real writers use at most a few million.
 */
export const MAX_ITERATIONS = 10_000_000;

// ---------------------------------------------------------------------------------------------
// Object identifiers (their names and values: der/oids.ts)

/** RFC 8018 B.1.1/B.1.2 PRFs. hmacWithSHA224 (…2.8) is not here: the CryptoProvider has no SHA-224. */
const PRF_BY_OID: Record<string, HashAlgorithm> = {
  [OID.id_hmacWithSHA1]: 'SHA-1',
  [OID.id_hmacWithSHA256]: 'SHA-256',
  [OID.id_hmacWithSHA384]: 'SHA-384',
  [OID.id_hmacWithSHA512]: 'SHA-512',
};
const PRF_OID = HMAC_OID;

interface CipherInfo {
  cipher: CbcCipher;
  keyLength: number;
  ivLength: number;
}
const PBES2_CIPHER_BY_OID: Record<string, CipherInfo> = {
  [OID.aes128_CBC]: { cipher: 'AES-128-CBC', keyLength: 16, ivLength: 16 },
  [OID.aes192_CBC]: { cipher: 'AES-192-CBC', keyLength: 24, ivLength: 16 },
  [OID.aes256_CBC]: { cipher: 'AES-256-CBC', keyLength: 32, ivLength: 16 },
  [OID.des_EDE3_CBC]: { cipher: 'DES-EDE3-CBC', keyLength: 24, ivLength: 8 },
  [OID.desCBC]: { cipher: 'DES-CBC', keyLength: 8, ivLength: 8 },
};
const PBES2_CIPHER_OID: Record<'AES-128-CBC' | 'AES-192-CBC' | 'AES-256-CBC' | 'DES-EDE3-CBC', string> = {
  'AES-128-CBC': OID.aes128_CBC,
  'AES-192-CBC': OID.aes192_CBC,
  'AES-256-CBC': OID.aes256_CBC,
  'DES-EDE3-CBC': OID.des_EDE3_CBC,
};

/** RFC 7292 Appendix C: the PKCS #12 PBE schemes; SHA-1 is their only hash. */
interface Pkcs12Scheme {
  name: string;
  cipher: 'DES-EDE3-CBC' | 'RC2-CBC';
  keyLength: number;
  effectiveBits?: number;
}
const PKCS12_SCHEMES: Record<string, Pkcs12Scheme> = {
  [OID.pbeWithSHAAnd3_KeyTripleDES_CBC]: { name: 'pbeWithSHAAnd3-KeyTripleDES-CBC', cipher: 'DES-EDE3-CBC', keyLength: 24 },
  [OID.pbeWithSHAAnd2_KeyTripleDES_CBC]: { name: 'pbeWithSHAAnd2-KeyTripleDES-CBC', cipher: 'DES-EDE3-CBC', keyLength: 16 },
  [OID.pbeWithSHAAnd128BitRC2_CBC]: { name: 'pbeWithSHAAnd128BitRC2-CBC', cipher: 'RC2-CBC', keyLength: 16, effectiveBits: 128 },
  [OID.pbewithSHAAnd40BitRC2_CBC]: { name: 'pbeWithSHAAnd40BitRC2-CBC', cipher: 'RC2-CBC', keyLength: 5, effectiveBits: 40 },
};

/** RFC 8018 §6.1 / A.3: PBES1 derives a 64-bit key and a 64-bit IV with PBKDF1. */
interface Pbes1Scheme {
  name: string;
  hash: 'MD5' | 'SHA-1';
  cipher: 'DES-CBC' | 'RC2-CBC';
}
const PBES1_SCHEMES: Record<string, Pbes1Scheme> = {
  [OID.pbeWithMD5AndDES_CBC]: { name: 'pbeWithMD5AndDES-CBC', hash: 'MD5', cipher: 'DES-CBC' },
  [OID.pbeWithSHA1AndDES_CBC]: { name: 'pbeWithSHA1AndDES-CBC', hash: 'SHA-1', cipher: 'DES-CBC' },
  [OID.pbeWithMD5AndRC2_CBC]: { name: 'pbeWithMD5AndRC2-CBC', hash: 'MD5', cipher: 'RC2-CBC' },
  [OID.pbeWithSHA1AndRC2_CBC]: { name: 'pbeWithSHA1AndRC2-CBC', hash: 'SHA-1', cipher: 'RC2-CBC' },
};

// ---------------------------------------------------------------------------------------------
// ASN.1 the libraries do not model

/**
 * RFC 8018 A.3 `PBEParameter ::= SEQUENCE { salt OCTET STRING (SIZE(8)), iterationCount INTEGER }`,
 * which RFC 7292 Appendix C's `pkcs-12PbeParams` repeats with a salt of any size, as read.
 * @peculiar/asn1-* has no class for it; pbeAlgorithm writes it.
 */
class PBEParameter {
  @AsnProp({ type: AsnPropTypes.OctetString })
  salt: ArrayBuffer = new ArrayBuffer(0);

  @AsnProp({ type: AsnPropTypes.Integer })
  iterationCount = 0;
}

/** RFC 8018 A.2: PBKDF2's salt, `CHOICE { specified OCTET STRING, otherSource AlgorithmIdentifier }`. */
@AsnType({ type: AsnTypeTypes.Choice })
class Pbkdf2Salt {
  @AsnProp({ type: AsnPropTypes.OctetString })
  specified?: ArrayBuffer;

  @AsnProp({ type: AlgorithmIdentifier })
  otherSource?: AlgorithmIdentifier;
}

/**
 * RFC 8018 A.2 `PBKDF2-params ::= SEQUENCE { salt, iterationCount INTEGER, keyLength INTEGER
 * OPTIONAL, prf AlgorithmIdentifier DEFAULT algid-hmacWithSHA1 }`; PBES2 and PKCS #12's PBMAC1 read it.
 */
export class Pbkdf2Params {
  @AsnProp({ type: Pbkdf2Salt })
  salt = new Pbkdf2Salt();

  @AsnProp({ type: AsnPropTypes.Integer })
  iterationCount = 0;

  @AsnProp({ type: AsnPropTypes.Integer, optional: true })
  keyLength?: number;

  @AsnProp({ type: AlgorithmIdentifier, optional: true })
  prf?: AlgorithmIdentifier;
}

/** RFC 8018 A.4 `PBES2-params ::= SEQUENCE { keyDerivationFunc AlgorithmIdentifier, encryptionScheme AlgorithmIdentifier }`. */
class Pbes2Params {
  @AsnProp({ type: AlgorithmIdentifier })
  keyDerivationFunc = new AlgorithmIdentifier();

  @AsnProp({ type: AlgorithmIdentifier })
  encryptionScheme = new AlgorithmIdentifier();
}

// ---------------------------------------------------------------------------------------------
// Key derivation

const BLOCK_SIZE: Record<HashAlgorithm, number> = { MD5: 64, 'SHA-1': 64, 'SHA-224': 64, 'SHA-256': 64, 'SHA-384': 128, 'SHA-512': 128 };
const HASH_SIZE: Record<HashAlgorithm, number> = { MD5: 16, 'SHA-1': 20, 'SHA-224': 28, 'SHA-256': 32, 'SHA-384': 48, 'SHA-512': 64 };

/** RFC 7292 B.2 diversifiers: what the derived bytes are for. */
export const PKCS12_KEY_ID = 1;
export const PKCS12_IV_ID = 2;
export const PKCS12_MAC_ID = 3;

/**
 * RFC 7292 B.1: the password as a BMPString, big-endian UTF-16 with a two-byte zero terminator.
 * An empty password is the terminator alone, as OpenSSL and Java encode it.
 */
export function pkcs12PasswordBytes(password: string): Uint8Array {
  return concat([utf16beBytes(password), new Uint8Array(2)]);
}

/** RFC 7292 B.2: the PKCS #12 key derivation function; `password` is already in BMPString form. */
export function pkcs12Kdf(
  provider: CryptoProvider,
  hash: HashAlgorithm,
  password: Uint8Array,
  salt: Uint8Array,
  id: number,
  iterations: number,
  length: number,
): Uint8Array {
  const u = HASH_SIZE[hash];
  const v = BLOCK_SIZE[hash];
  // Steps 2–4: S and P are salt and password repeated to a whole number of v-byte blocks; I = S‖P.
  const sLen = salt.length === 0 ? 0 : v * Math.ceil(salt.length / v);
  const pLen = password.length === 0 ? 0 : v * Math.ceil(password.length / v);
  const buf = new Uint8Array(v + sLen + pLen); // D ‖ I, hashed as one message
  buf.fill(id, 0, v); // step 1: D = v copies of ID
  for (let i = 0; i < sLen; i++) buf[v + i] = salt[i % salt.length];
  for (let i = 0; i < pLen; i++) buf[v + sLen + i] = password[i % password.length];
  const I = buf.subarray(v);
  const out = new Uint8Array(length);
  const B = new Uint8Array(v);
  for (let written = 0; ; ) {
    // Step 6a: A = H^r(D ‖ I).
    let A = provider.hash(hash, buf);
    for (let r = 1; r < iterations; r++) A = provider.hash(hash, A);
    out.set(A.subarray(0, Math.min(u, length - written)), written);
    written += u;
    if (written >= length) return out;
    // Steps 6b–6c: B = A repeated to v bytes; each v-byte block I_j = (I_j + B + 1) mod 2^(8v).
    for (let i = 0; i < v; i++) B[i] = A[i % u];
    for (let j = 0; j < I.length; j += v) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const x = I[j + k] + B[k] + carry;
        I[j + k] = x & 0xff;
        carry = x >> 8;
      }
    }
  }
}

/** RFC 8018 §5.1 PBKDF1: T_1 = Hash(P ‖ S), T_i = Hash(T_{i-1}), DK = the first dkLen bytes of T_c. */
function pbkdf1(provider: CryptoProvider, hash: 'MD5' | 'SHA-1', password: Uint8Array, salt: Uint8Array, iterations: number, dkLen: number): Uint8Array {
  const first = new Uint8Array(password.length + salt.length);
  first.set(password, 0);
  first.set(salt, password.length);
  let t = provider.hash(hash, first);
  for (let i = 1; i < iterations; i++) t = provider.hash(hash, t);
  return t.subarray(0, dkLen);
}

const utf8 = new TextEncoder();

// ---------------------------------------------------------------------------------------------
// Parsing an AlgorithmIdentifier into what decryption needs

type ParsedPbe =
  | { kind: 'pbes2'; prf: HashAlgorithm; salt: Uint8Array; iterations: number; cipher: CipherInfo; iv: Uint8Array }
  | { kind: 'pkcs12'; scheme: Pkcs12Scheme; salt: Uint8Array; iterations: number }
  | { kind: 'pbes1'; scheme: Pbes1Scheme; salt: Uint8Array; iterations: number };

const bytes = (b: ArrayBuffer | ArrayBufferView): Uint8Array =>
  b instanceof Uint8Array ? b : ArrayBuffer.isView(b) ? new Uint8Array(b.buffer, b.byteOffset, b.byteLength) : new Uint8Array(b);

function checkIterations(n: number): number {
  if (!Number.isSafeInteger(n) || n < 1) throw badInput(`the encryption parameters give an invalid iteration count (${n})`);
  if (n > MAX_ITERATIONS) throw badInput(`the encryption parameters ask for ${n} iterations, more than kyman runs (${MAX_ITERATIONS})`);
  return n;
}

function parsePbeParameter(params: ArrayBuffer | null | undefined, name: string): { salt: Uint8Array; iterations: number } {
  if (!params) throw badInput(`${name} has no parameters`);
  let p: PBEParameter;
  try {
    p = AsnConvert.parse(params, PBEParameter);
  } catch (e) {
    throw badInput(`the ${name} parameters are damaged`, e);
  }
  return { salt: bytes(p.salt), iterations: checkIterations(p.iterationCount) };
}

function parsePbes2(params: ArrayBuffer | null | undefined): ParsedPbe {
  if (!params) throw badInput('PBES2 has no parameters');
  let pbes2: Pbes2Params;
  let kdf: Pbkdf2Params;
  try {
    pbes2 = AsnConvert.parse(params, Pbes2Params);
    if (pbes2.keyDerivationFunc.algorithm !== OID.id_PBKDF2) {
      throw badInput(`PBES2 with key derivation ${pbes2.keyDerivationFunc.algorithm} is not supported (only PBKDF2)`);
    }
    if (!pbes2.keyDerivationFunc.parameters) throw badInput('the PBES2 parameters are damaged: PBKDF2 has no parameters');
    kdf = AsnConvert.parse(pbes2.keyDerivationFunc.parameters, Pbkdf2Params);
  } catch (e) {
    if (e instanceof KymanError) throw e;
    throw badInput('the PBES2 parameters are damaged', e);
  }
  if (!kdf.salt.specified) throw badInput('PBKDF2 with an otherSource salt is not supported');
  const salt = new Uint8Array(kdf.salt.specified);
  // RFC 8018 A.2: the PRF defaults to hmacWithSHA1 when absent.
  const prfOid = kdf.prf?.algorithm ?? OID.id_hmacWithSHA1;
  const prf = PRF_BY_OID[prfOid];
  if (!prf) throw badInput(`PBKDF2 with PRF ${prfOid} is not supported (hmacWithSHA1/256/384/512 are)`);
  const encOid = pbes2.encryptionScheme.algorithm;
  const cipher = PBES2_CIPHER_BY_OID[encOid];
  if (!cipher) throw badInput(`PBES2 with cipher ${encOid} is not supported (AES-CBC, DES-EDE3-CBC and DES-CBC are)`);
  const iv = ivOf(pbes2.encryptionScheme.parameters);
  if (!iv || iv.length !== cipher.ivLength) {
    throw badInput(`the ${cipher.cipher} IV in the PBES2 parameters is missing or the wrong size`);
  }
  if (kdf.keyLength !== undefined && kdf.keyLength !== cipher.keyLength) {
    throw badInput(`PBKDF2 asks for a ${kdf.keyLength}-byte key but ${cipher.cipher} takes ${cipher.keyLength}`);
  }
  return {
    kind: 'pbes2',
    prf,
    salt,
    iterations: checkIterations(kdf.iterationCount),
    cipher,
    iv,
  };
}

/** A CBC cipher's parameters, `OCTET STRING` (the IV), read from their DER; undefined when they are anything else. */
function ivOf(params: ArrayBuffer | null | undefined): Uint8Array | undefined {
  if (!params) return undefined;
  const der = new Uint8Array(params);
  try {
    const tlv = readTlv(der, 0);
    return tlv.tag === 0x04 && tlv.end === der.length ? der.slice(tlv.valueStart, tlv.end) : undefined;
  } catch {
    return undefined;
  }
}

function parseAlgorithm(algorithm: AlgorithmIdentifier): ParsedPbe {
  const oid = algorithm.algorithm;
  if (oid === OID.id_PBES2) return parsePbes2(algorithm.parameters);
  const p12 = PKCS12_SCHEMES[oid];
  if (p12) return { kind: 'pkcs12', scheme: p12, ...parsePbeParameter(algorithm.parameters, p12.name) };
  const p1 = PBES1_SCHEMES[oid];
  if (p1) {
    const p = parsePbeParameter(algorithm.parameters, p1.name);
    if (p.salt.length !== 8) throw badInput(`${p1.name} needs an 8-byte salt, this one has ${p.salt.length}`);
    return { kind: 'pbes1', scheme: p1, ...p };
  }
  if (oid === OID.pbeWithSHAAnd128BitRC4 || oid === OID.pbeWithSHAAnd40BitRC4 || oid === OID.pbeWithMD2AndDES_CBC) {
    throw badInput(`password-based encryption ${oid} (RC4 or MD2) is not supported`);
  }
  throw badInput(`unknown password-based encryption algorithm ${oid}`);
}

/** The password as each scheme's key derivation wants it. */
type PasswordInput = { text: string; pkcs12Bytes?: Uint8Array };

function runCipher(provider: CryptoProvider, p: ParsedPbe, password: PasswordInput, data: Uint8Array, direction: 'encrypt' | 'decrypt'): Uint8Array {
  switch (p.kind) {
    case 'pbes2': {
      // RFC 8018 §6.2: the password is an octet string; UTF-8, as OpenSSL and Java use it.
      const key = provider.pbkdf2(p.prf, utf8.encode(password.text), p.salt, p.iterations, p.cipher.keyLength);
      return provider.cbc(p.cipher.cipher, key, p.iv, data, direction);
    }
    case 'pkcs12': {
      const pw = password.pkcs12Bytes ?? pkcs12PasswordBytes(password.text);
      let key = pkcs12Kdf(provider, 'SHA-1', pw, p.salt, PKCS12_KEY_ID, p.iterations, p.scheme.keyLength);
      const iv = pkcs12Kdf(provider, 'SHA-1', pw, p.salt, PKCS12_IV_ID, p.iterations, 8);
      if (p.scheme.cipher === 'DES-EDE3-CBC' && key.length === 16) {
        // Two-key triple DES is EDE3 with K3 = K1.
        const k = new Uint8Array(24);
        k.set(key, 0);
        k.set(key.subarray(0, 8), 16);
        key = k;
      }
      return provider.cbc(p.scheme.cipher, key, iv, data, direction, p.scheme.effectiveBits);
    }
    case 'pbes1': {
      // RFC 8018 §6.1.1: DK = PBKDF1(P, S, c, 16); key = DK[0..7], IV = DK[8..15].
      const dk = pbkdf1(provider, p.scheme.hash, utf8.encode(password.text), p.salt, p.iterations, 16);
      return provider.cbc(p.scheme.cipher, dk.subarray(0, 8), dk.subarray(8, 16), data, direction, p.scheme.cipher === 'RC2-CBC' ? 64 : undefined);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The general pair, for PKCS #12 EncryptedData and for keys

/**
 * Encrypts `data` under `password` as `protection` says, with a fresh salt (and IV) from the
 * provider. Returns the DER of the AlgorithmIdentifier to store beside the ciphertext.
 */
export function encryptWithPassword(
  provider: CryptoProvider,
  protection: KeyProtection,
  password: string,
  data: Uint8Array,
): { algorithm: Uint8Array; ciphertext: Uint8Array } {
  checkIterations(protection.iterations);
  switch (protection.scheme) {
    case 'pbes2': {
      const cipher = pbes2Cipher(protection);
      const salt = provider.random(checkSaltLength(protection.saltLength));
      const iv = provider.random(cipher.ivLength);
      const algorithm = pbes2Algorithm(pbkdf2Algorithm(salt, protection, cipher), protection, iv);
      const parsed: ParsedPbe = { kind: 'pbes2', prf: protection.prf, salt, iterations: protection.iterations, cipher, iv };
      return { algorithm, ciphertext: runCipher(provider, parsed, { text: password }, data, 'encrypt') };
    }
    case 'pkcs12-3des':
    case 'pkcs12-rc2-40': {
      const oid = protection.scheme === 'pkcs12-3des' ? OID.pbeWithSHAAnd3_KeyTripleDES_CBC : OID.pbewithSHAAnd40BitRC2_CBC;
      const salt = provider.random(checkSaltLength(protection.saltLength));
      const algorithm = pbeAlgorithm(oid, salt, protection.iterations);
      const parsed: ParsedPbe = { kind: 'pkcs12', scheme: PKCS12_SCHEMES[oid], salt, iterations: protection.iterations };
      return { algorithm, ciphertext: runCipher(provider, parsed, { text: password }, data, 'encrypt') };
    }
    case 'pbes1-md5-des': {
      const salt = provider.random(PBES1_SALT_LENGTH);
      const algorithm = pbeAlgorithm(OID.pbeWithMD5AndDES_CBC, salt, protection.iterations);
      const parsed: ParsedPbe = { kind: 'pbes1', scheme: PBES1_SCHEMES[OID.pbeWithMD5AndDES_CBC], salt, iterations: protection.iterations };
      return { algorithm, ciphertext: runCipher(provider, parsed, { text: password }, data, 'encrypt') };
    }
    default:
      throw badInput(`unknown key protection scheme ${(protection as { scheme: string }).scheme}`);
  }
}

/** RFC 8018 A.3: PBES1's salt is eight octets. */
const PBES1_SALT_LENGTH = 8;

function checkSaltLength(n: number): number {
  if (!Number.isInteger(n) || n < 1 || n > 1024) throw badInput(`invalid salt length ${n}`);
  return n;
}

type Pbes2Protection = Extract<KeyProtection, { scheme: 'pbes2' }>;

function pbes2Cipher(protection: Pbes2Protection): CipherInfo {
  const cipher = PBES2_CIPHER_BY_OID[PBES2_CIPHER_OID[protection.cipher]];
  if (!cipher || !PRF_OID[protection.prf]) throw badInput(`cannot write PBES2 with ${protection.prf} and ${protection.cipher}`);
  return cipher;
}

/**
 * The keyDerivationFunc AlgorithmIdentifier: id-PBKDF2 with RFC 8018 A.2 PBKDF2-params { salt
 * specified, iterationCount, keyLength, prf }. keyLength is optional for fixed-size ciphers;
 * IBM's writers put it in, OpenSSL and Java accept it, so it is written to be read everywhere.
 * The PRF is written, with NULL parameters, even when it is the DEFAULT hmacWithSHA1 that DER
 * would leave out: kyman has always written it so, and readers take both forms.
 */
function pbkdf2Algorithm(salt: Uint8Array, protection: Pbes2Protection, cipher: CipherInfo): Uint8Array {
  return DER.sequence(
    DER.oid(OID.id_PBKDF2),
    DER.sequence(
      DER.octetString(salt),
      DER.integer(protection.iterations),
      DER.integer(cipher.keyLength),
      DER.sequence(DER.oid(PRF_OID[protection.prf]), DER.NULL),
    ),
  );
}

/** id-PBES2 with RFC 8018 A.4 PBES2-params { keyDerivationFunc, encryptionScheme }; the CBC ciphers' parameter is the IV (B.2). */
function pbes2Algorithm(kdf: Uint8Array, protection: Pbes2Protection, iv: Uint8Array): Uint8Array {
  return DER.sequence(DER.oid(OID.id_PBES2), DER.sequence(kdf, DER.sequence(DER.oid(PBES2_CIPHER_OID[protection.cipher]), DER.octetString(iv))));
}

/** A PBES1 or PKCS #12 PBE AlgorithmIdentifier: `oid` with PBEParameter { salt, iterationCount } (RFC 8018 A.3, RFC 7292 Appendix C). */
function pbeAlgorithm(oid: string, salt: Uint8Array, iterations: number): Uint8Array {
  return DER.sequence(DER.oid(oid), DER.sequence(DER.octetString(salt), DER.integer(iterations)));
}

/** The AlgorithmIdentifier the decryptors read, from its DER or as the schema classes parsed it. */
function algorithmOf(algorithm: AlgorithmIdentifier | Uint8Array): AlgorithmIdentifier {
  if (!(algorithm instanceof Uint8Array)) return algorithm;
  try {
    return AsnConvert.parse(algorithm, AlgorithmIdentifier);
  } catch (e) {
    throw badInput('the encryption AlgorithmIdentifier is damaged', e);
  }
}

/**
 * Decrypts `data` that `algorithm` says is password-encrypted. A padding failure is reported as
 * BAD_PASSWORD; callers that know the password was right (a PKCS #12 MAC verified) say "damaged".
 */
export function decryptWithPassword(provider: CryptoProvider, algorithm: AlgorithmIdentifier | Uint8Array, password: string, data: Uint8Array): Uint8Array {
  return decryptParsed(provider, parseAlgorithm(algorithmOf(algorithm)), { text: password }, data);
}

/**
 * As decryptWithPassword, but with the PKCS #12 BMPString form of the password given directly;
 * the PKCS #12 reader uses it for the "no password at all" encoding OpenSSL falls back to.
 * @internal
 */
export function decryptWithPasswordBytes(
  provider: CryptoProvider,
  algorithm: AlgorithmIdentifier,
  password: string,
  pkcs12Bytes: Uint8Array,
  data: Uint8Array,
): Uint8Array {
  return decryptParsed(provider, parseAlgorithm(algorithm), { text: password, pkcs12Bytes }, data);
}

function decryptParsed(provider: CryptoProvider, parsed: ParsedPbe, password: PasswordInput, data: Uint8Array): Uint8Array {
  if (data.length === 0 || data.length % (parsed.kind === 'pbes2' ? parsed.iv.length : 8) !== 0) {
    throw badInput('the encrypted data is truncated (not a whole number of cipher blocks)');
  }
  try {
    return runCipher(provider, parsed, password, data, 'decrypt');
  } catch (e) {
    // CBC padding that does not check out: almost always the wrong password (RFC 8018 §6.1.2 step 4).
    throw badPassword('wrong password: the data did not decrypt', e);
  }
}

/** Whether an AlgorithmIdentifier names one of the pre-PBES2 schemes (PKCS #12 PBE or PBES1). */
export function isLegacyPbe(algorithm: AlgorithmIdentifier): boolean {
  return algorithm.algorithm in PKCS12_SCHEMES || algorithm.algorithm in PBES1_SCHEMES;
}

// ---------------------------------------------------------------------------------------------
// Encrypted PKCS #8 (RFC 5958 §3 EncryptedPrivateKeyInfo)

function parseEpki(epki: Uint8Array): EncryptedPrivateKeyInfo {
  try {
    return AsnConvert.parse(epki, EncryptedPrivateKeyInfo);
  } catch (e) {
    throw badInput('not an encrypted private key (PKCS #8 EncryptedPrivateKeyInfo), or it is damaged', e);
  }
}

/** Whether the bytes parse as a PKCS #8 PrivateKeyInfo (RFC 5958 OneAsymmetricKey, v1 or v2). */
export function isPrivateKeyInfo(der: Uint8Array): boolean {
  try {
    const pki = AsnConvert.parse(der, PrivateKeyInfo, { berOptions: { parseEmbedded: false } });
    return (pki.version === 0 || pki.version === 1) && pki.privateKeyAlgorithm.algorithm.length > 0 && pki.privateKey.byteLength > 0;
  } catch {
    return isOneAsymmetricKeyV2(der);
  }
}

/**
 * RFC 5958 §2 v2 keys carry a `[1] publicKey` after the attributes (Bouncy Castle writes them for
 * EdDSA), a field asn1-pkcs8's PrivateKeyInfo does not model; check the outline by hand.
 */
function isOneAsymmetricKeyV2(der: Uint8Array): boolean {
  const r = asn1js.fromBER(der, { parseEmbedded: false, copyInput: false });
  if (r.offset !== der.length || !(r.result instanceof asn1js.Sequence)) return false;
  const [version, algorithm, privateKey, ...rest] = r.result.valueBlock.value;
  return (
    version instanceof asn1js.Integer &&
    version.valueBlock.valueDec === 1 &&
    algorithm instanceof asn1js.Sequence &&
    privateKey instanceof asn1js.OctetString &&
    rest.every((f) => f.idBlock.tagClass === 3 && (f.idBlock.tagNumber === 0 || f.idBlock.tagNumber === 1))
  );
}

/** RFC 5958 §3 EncryptedPrivateKeyInfo ::= SEQUENCE { encryptionAlgorithm AlgorithmIdentifier, encryptedData OCTET STRING }. */
const encryptedPrivateKeyInfo = (algorithm: Uint8Array, ciphertext: Uint8Array): Uint8Array => DER.sequence(algorithm, DER.octetString(ciphertext));

/** Encrypts a PrivateKeyInfo (DER) into an EncryptedPrivateKeyInfo (DER). */
export function encryptPrivateKeyInfo(provider: CryptoProvider, pkcs8: Uint8Array, password: string, protection: KeyProtection): Uint8Array {
  if (!isPrivateKeyInfo(pkcs8)) throw badInput('the key to encrypt is not a PKCS #8 PrivateKeyInfo');
  const { algorithm, ciphertext } = encryptWithPassword(provider, protection, password, pkcs8);
  return encryptedPrivateKeyInfo(algorithm, ciphertext);
}

/**
 * Encrypts many private keys for one write of one file, as EncryptedPrivateKeyInfo DER byte for
 * byte as encryptPrivateKeyInfo writes it. With PBES2 the password-derived key is computed once
 * and every key gets its own IV: PBKDF2 is the whole cost of adding a key (2 ms at 4096
 * iterations), and in one file under one password a salt per key buys nothing, since breaking
 * the password opens every key whatever their salts, and CBC with a fresh random IV is safe for
 * many messages under one key. Other schemes derive their IV from the salt, so they keep a salt
 * per key (encryptPrivateKeyInfo). Each EncryptedPrivateKeyInfo still names its own parameters,
 * so every reader decrypts it on its own.
 */
export function keyEncryptor(provider: CryptoProvider, password: string, protection: KeyProtection): (pkcs8: Uint8Array) => Uint8Array {
  if (protection.scheme !== 'pbes2') return (pkcs8) => encryptPrivateKeyInfo(provider, pkcs8, password, protection);
  checkIterations(protection.iterations);
  const cipher = pbes2Cipher(protection);
  const salt = provider.random(checkSaltLength(protection.saltLength));
  const key = provider.pbkdf2(protection.prf, utf8.encode(password), salt, protection.iterations, cipher.keyLength);
  const kdf = pbkdf2Algorithm(salt, protection, cipher);
  return (pkcs8) => {
    if (!isPrivateKeyInfo(pkcs8)) throw badInput('the key to encrypt is not a PKCS #8 PrivateKeyInfo');
    const iv = provider.random(cipher.ivLength);
    return encryptedPrivateKeyInfo(pbes2Algorithm(kdf, protection, iv), provider.cbc(cipher.cipher, key, iv, pkcs8, 'encrypt'));
  };
}

/**
 * Decrypts an EncryptedPrivateKeyInfo (DER) into its PrivateKeyInfo (DER). A wrong password is
 * told by bad padding or, when the padding happens to check out (1 time in 256), by the
 * plaintext not being a PrivateKeyInfo.
 *
 * IBM key databases (v3 MD5-DES, v4 PKCS #12 3DES, v6 PBES2) use the standard password
 * encodings: UTF-8 bytes for PBES1/PBES2 and the terminated BMPString for the PKCS #12 PBE,
 * checked on files written by z/OS gskkyman, IBM HTTP Server's tools, gskcapicmd and ikeyman.
 */
export function decryptPrivateKeyInfo(provider: CryptoProvider, epki: Uint8Array, password: string): Uint8Array {
  const info = parseEpki(epki);
  const parsed = parseAlgorithm(info.encryptionAlgorithm);
  let plain: Uint8Array;
  try {
    plain = decryptParsed(provider, parsed, { text: password }, bytes(info.encryptedData.buffer));
  } catch (e) {
    if (e instanceof KymanError && e.code === 'BAD_PASSWORD') throw badPassword('wrong password for the private key', e);
    throw e;
  }
  if (!isPrivateKeyInfo(plain)) throw badPassword('wrong password for the private key (it decrypted to something that is not a key)');
  return plain;
}

/** What scheme and parameters an EncryptedPrivateKeyInfo uses, so a rewrite can keep them. */
export function readKeyProtection(epki: Uint8Array): KeyProtection {
  return keyProtectionOf(parseEpki(epki).encryptionAlgorithm);
}

/**
 * The KeyProtection an AlgorithmIdentifier describes. Schemes kyman reads but does not write map
 * to the nearest one it writes, never to a weaker one: DES-CBC in PBES2 → DES-EDE3-CBC;
 * 2-key 3DES and 128-bit RC2 PKCS #12 PBE → 3-key 3DES; PBES1 SHA-1/DES and RC2 → MD5/DES
 * (the same 56-bit key strength).
 */
export function keyProtectionOf(algorithm: AlgorithmIdentifier): KeyProtection {
  const p = parseAlgorithm(algorithm);
  switch (p.kind) {
    case 'pbes2':
      return {
        scheme: 'pbes2',
        prf: p.prf === 'MD5' || p.prf === 'SHA-224' ? 'SHA-256' : p.prf,
        cipher: p.cipher.cipher === 'DES-CBC' || p.cipher.cipher === 'RC2-CBC' ? 'DES-EDE3-CBC' : (p.cipher.cipher as 'AES-256-CBC'),
        iterations: p.iterations,
        saltLength: p.salt.length,
      };
    case 'pkcs12':
      return {
        scheme: p.scheme.effectiveBits === 40 ? 'pkcs12-rc2-40' : 'pkcs12-3des',
        iterations: p.iterations,
        saltLength: p.salt.length,
      };
    case 'pbes1':
      return { scheme: 'pbes1-md5-des', iterations: p.iterations };
  }
}

/** A one-line description for people: `PBES2 (PBKDF2-HMAC-SHA-256, AES-256-CBC, 2048 iterations)`. */
export function describeKeyProtection(protection: KeyProtection): string {
  switch (protection.scheme) {
    case 'pbes2':
      return `PBES2 (PBKDF2-HMAC-${protection.prf}, ${protection.cipher}, ${protection.iterations} iterations)`;
    case 'pkcs12-3des':
      return `PKCS #12 PBE SHA-1 3-key 3DES (${protection.iterations} iterations)`;
    case 'pkcs12-rc2-40':
      return `PKCS #12 PBE SHA-1 40-bit RC2 (${protection.iterations} iterations)`;
    case 'pbes1-md5-des':
      return `PBES1 MD5 DES (${protection.iterations} iterations)`;
  }
}
