// PKCS #12 (RFC 7292) files: read certificates and keys with their attributes, and write them as OpenSSL 3 does.
// Reader and writer stay in one file on purpose: they share the bag and attribute tables, so what
// is written is exactly what is read back. The schema classes read; the DER writer writes.

import { AsnConvert, AsnProp, AsnPropTypes } from '@peculiar/asn1-schema';
import { EncryptedContentInfo, UnprotectedAttributes } from '@peculiar/asn1-cms';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { EncryptedPrivateKeyInfo } from '@peculiar/asn1-pkcs8';
import { OID } from '../der/oids.js';
import {
  AuthenticatedSafe,
  CertBag,
  MacData,
  PFX,
  SafeBag,
  SafeContents,
} from '@peculiar/asn1-pfx';
import * as asn1js from 'asn1js';
import type { CryptoProvider, HashAlgorithm } from '../crypto/provider.js';
import { KymanError, badInput, badPassword } from '../errors.js';
import {
  MAX_ITERATIONS,
  PKCS12_MAC_ID,
  Pbkdf2Params,
  type KeyProtection,
  decryptWithPasswordBytes,
  encryptPrivateKeyInfo,
  encryptWithPassword,
  isLegacyPbe,
  isPrivateKeyInfo,
  pkcs12Kdf,
  pkcs12PasswordBytes,
} from './pbe.js';
import { derOptions } from './pkcs7.js';
import * as DER from '../der/writer.js';
import { contextTag } from '../der/reader.js';
import { asBytes, compareBytes, concat, equalBytes } from '../bytes.js';

export interface Pkcs12Bag {
  type: 'certificate' | 'key';
  /** Certificate DER (x509Certificate CertBag), or for keys an EncryptedPrivateKeyInfo / PrivateKeyInfo. */
  data: Uint8Array;
  /** Keys: true = `data` is an EncryptedPrivateKeyInfo (pkcs8ShroudedKeyBag), false = a plain PrivateKeyInfo (keyBag). */
  encrypted?: boolean;
  /** PKCS #9 friendlyName (BMPString): the alias keytool and OpenSSL show. */
  friendlyName?: string;
  /** PKCS #9 localKeyId: pairs a key with its certificate. */
  localKeyId?: Uint8Array;
  /** Java's trusted-certificate attribute (2.16.840.1.113894.746875.1.1): the usages, e.g. 2.5.29.37.0. */
  trustedUsage?: string[];
}

export interface Pkcs12ReadResult {
  bags: Pkcs12Bag[];
  /** `SHA-1`, `SHA-256`, `SHA-384`, `SHA-512`, or `PBMAC1-SHA-256` and the like (RFC 9579). */
  macAlgorithm?: string;
  integrity: 'mac' | 'none';
  /** True when any content was protected by a PKCS #12 PBE (3DES, RC2) or PBES1 scheme. */
  legacy: boolean;
}

export interface Pkcs12WriteOptions {
  /** Write what `openssl pkcs12 -export -legacy` writes: RC2-40 certificates, 3DES keys, SHA-1 MAC. */
  legacy?: boolean;
  /** Iterations for the key derivations and the MAC; 2048 like OpenSSL 3 (PKCS12_DEFAULT_ITER). */
  iterations?: number;
}

const { id_data, id_encryptedData, id_envelopedData, id_signedData, keyBag, pkcs8ShroudedKeyBag, certBag, safeContentsBag, x509Certificate } = OID;
// PKCS #9 attributes (RFC 2985 §5.5.1/§5.5.2) and Oracle's trusted-certificate attribute.
const id_friendlyName = OID.pkcs_9_at_friendlyName;
const id_localKeyId = OID.pkcs_9_at_localKeyId;
const id_oracleTrustedKeyUsage = OID.oracleTrustedKeyUsage;

const MAC_HASH_BY_OID: Record<string, HashAlgorithm> = {
  [OID.id_sha1]: 'SHA-1',
  [OID.id_sha256]: 'SHA-256',
  [OID.id_sha384]: 'SHA-384',
  [OID.id_sha512]: 'SHA-512',
};
const HMAC_HASH_BY_OID: Record<string, HashAlgorithm> = {
  [OID.id_hmacWithSHA1]: 'SHA-1',
  [OID.id_hmacWithSHA256]: 'SHA-256',
  [OID.id_hmacWithSHA384]: 'SHA-384',
  [OID.id_hmacWithSHA512]: 'SHA-512',
};
const MAC_OID: Partial<Record<HashAlgorithm, string>> = { 'SHA-1': OID.id_sha1, 'SHA-256': OID.id_sha256 };
const HASH_LENGTH: Record<HashAlgorithm, number> = { MD5: 16, 'SHA-1': 20, 'SHA-224': 28, 'SHA-256': 32, 'SHA-384': 48, 'SHA-512': 64 };

/**
 * RFC 5652 §8 `EncryptedData ::= SEQUENCE { version CMSVersion, encryptedContentInfo
 * EncryptedContentInfo, unprotectedAttrs [1] IMPLICIT UnprotectedAttributes OPTIONAL }`, a PKCS #12
 * safe encrypted under the password; @peculiar/asn1-cms models its parts but not the whole.
 */
class EncryptedData {
  @AsnProp({ type: AsnPropTypes.Integer })
  version = 0;

  @AsnProp({ type: EncryptedContentInfo })
  encryptedContentInfo = new EncryptedContentInfo();

  @AsnProp({ type: UnprotectedAttributes, context: 1, implicit: true, optional: true })
  unprotectedAttrs?: UnprotectedAttributes;
}

/** RFC 8018 A.5 `PBMAC1-params`, which @peculiar/asn1-* does not model. */
class PBMAC1Params {
  @AsnProp({ type: AlgorithmIdentifier })
  keyDerivationFunc = new AlgorithmIdentifier();

  @AsnProp({ type: AlgorithmIdentifier })
  messageAuthScheme = new AlgorithmIdentifier();
}

/**
 * A cheap sniff of the first bytes: PFX ::= SEQUENCE { INTEGER 3, ContentInfo SEQUENCE { OID
 * pkcs-7 … } }. Used to pick a key-store backend from a file's content, not its name.
 */
export function isPkcs12(bytes: Uint8Array): boolean {
  if (bytes.length < 16 || bytes[0] !== 0x30) return false;
  let i = 1;
  const l = bytes[i];
  if (l === 0x80) i += 1;
  else if (l & 0x80) i += 1 + (l & 0x7f);
  else i += 1;
  if (bytes[i] !== 0x02 || bytes[i + 1] !== 0x01 || bytes[i + 2] !== 0x03) return false;
  i += 3;
  if (bytes[i] !== 0x30) return false;
  const l2 = bytes[i + 1];
  i += l2 === 0x80 ? 2 : l2 & 0x80 ? 2 + (l2 & 0x7f) : 2;
  return bytes[i] === 0x06 && bytes[i + 1] === 0x09 && bytes[i + 2] === 0x2a && bytes[i + 3] === 0x86 && bytes[i + 4] === 0x48;
}

const u8 = asBytes;

/** The contents of an OCTET STRING TLV, primitive or (BER) constructed. */
function octetStringValue(der: ArrayBuffer | Uint8Array, what: string): Uint8Array {
  const view = u8(der);
  const r = asn1js.fromBER(view, { ...derOptions(view.length).berOptions, copyInput: false });
  if (r.offset === -1 || !(r.result instanceof asn1js.OctetString)) throw badInput(`${what} is not an OCTET STRING`);
  return collectOctets(r.result);
}

function collectOctets(s: asn1js.OctetString): Uint8Array {
  if (!s.idBlock.isConstructed) return s.valueBlock.valueHexView;
  return concat((s.valueBlock.value as asn1js.OctetString[]).map(collectOctets));
}

function parse<T>(der: ArrayBuffer | Uint8Array, type: new () => T, what: string): T {
  try {
    return AsnConvert.parse(der, type, derOptions(der.byteLength));
  } catch (e) {
    throw badInput(`${what} is damaged`, e);
  }
}

// ---------------------------------------------------------------------------------------------
// Reading

/** How the password went into the PKCS #12 KDF when the MAC verified; decryption then uses the same. */
interface PasswordForm {
  text: string;
  bmp: Uint8Array;
}

/**
 * Reads a PKCS #12 file: checks the MAC, decrypts the encryptedData safes, and returns every
 * certificate and key bag with its attributes, in file order. Shrouded keys stay encrypted: the
 * caller decrypts the ones it needs with decryptPrivateKeyInfo. CRL, secret and unknown bags are
 * skipped.
 */
export function readPkcs12(provider: CryptoProvider, der: Uint8Array, password: string): Pkcs12ReadResult {
  let pfx: PFX;
  try {
    pfx = AsnConvert.parse(der, PFX, derOptions(der.length));
  } catch (e) {
    throw badInput('not a PKCS #12 file, or it is damaged', e);
  }
  if (pfx.version !== 3) throw badInput(`not a PKCS #12 file this tool reads (version ${pfx.version}, expected 3)`);
  if (pfx.authSafe.contentType === id_signedData) {
    throw badInput('this PKCS #12 file uses public-key integrity (a signature), which is not supported');
  }
  if (pfx.authSafe.contentType !== id_data) throw badInput(`not a PKCS #12 file: its content type is ${pfx.authSafe.contentType}`);
  const authSafeBytes = octetStringValue(pfx.authSafe.content, 'the PKCS #12 authSafe');

  // RFC 7292 §5.1: verify integrity before trusting anything else.
  let form: PasswordForm = { text: password, bmp: pkcs12PasswordBytes(password) };
  let macAlgorithm: string | undefined;
  // asn1-pfx gives PFX a default MacData, so an absent one shows as an empty algorithm.
  const macData = pfx.macData && pfx.macData.mac.digestAlgorithm.algorithm !== '' ? pfx.macData : undefined;
  if (macData) {
    const verified = verifyMac(provider, macData, authSafeBytes, form);
    macAlgorithm = verified.algorithm;
    if (!verified.ok && password === '' && !verified.pbmac1) {
      // OpenSSL retries an empty password as "no password at all" (zero bytes into the KDF),
      // which is what some writers used for password-less files.
      const none = { text: '', bmp: new Uint8Array(0) };
      if (verifyMac(provider, macData, authSafeBytes, none).ok) {
        form = none;
        verified.ok = true;
      }
    }
    if (!verified.ok) {
      // A MAC that fails says "wrong password" or "damaged"; where the password still opens an encrypted safe, it is damage.
      if (passwordOpensASafe(provider, authSafeBytes, form)) throw badInput('the PKCS #12 file is damaged: its integrity check (MAC) fails, though the password decrypts its contents');
      throw badPassword('wrong password for the PKCS #12 file, or the file is damaged');
    }
  }

  const safes = parse(authSafeBytes, AuthenticatedSafe, 'the PKCS #12 authSafe');
  const bags: Pkcs12Bag[] = [];
  let legacy = false;
  for (const info of safes) {
    let contents: Uint8Array;
    if (info.contentType === id_data) {
      contents = octetStringValue(info.content, 'a PKCS #12 data safe');
    } else if (info.contentType === id_encryptedData) {
      const { algorithm, ciphertext } = readEncryptedData(info.content);
      legacy ||= isLegacyPbe(algorithm);
      const decrypted = decryptSafe(provider, algorithm, ciphertext, form, macData !== undefined);
      contents = decrypted.plain;
      form = decrypted.form;
    } else if (info.contentType === id_envelopedData) {
      throw badInput('this PKCS #12 file encrypts its contents to a public key (envelopedData), which is not supported');
    } else {
      throw badInput(`this PKCS #12 file holds a safe of unknown type ${info.contentType}`);
    }
    legacy = readSafeContents(contents, bags, macData !== undefined) || legacy;
  }
  return { bags, macAlgorithm, integrity: macData ? 'mac' : 'none', legacy };
}

/**
 * Whether the password decrypts one of the encrypted safes to something shaped like DER: valid
 * padding, a SEQUENCE whose length is the whole plaintext. A wrong password passes that about
 * once in 2^24 tries; an authSafe that does not even parse is damage whatever the password.
 */
function passwordOpensASafe(provider: CryptoProvider, authSafeBytes: Uint8Array, form: PasswordForm): boolean {
  let safes: AuthenticatedSafe;
  try {
    safes = parse(authSafeBytes, AuthenticatedSafe, 'the PKCS #12 authSafe');
  } catch {
    return true;
  }
  for (const info of safes) {
    if (info.contentType !== id_encryptedData) continue;
    try {
      const { algorithm, ciphertext } = readEncryptedData(info.content);
      const plain = decryptWithPasswordBytes(provider, algorithm, form.text, form.bmp, ciphertext);
      if (plain[0] === 0x30 && derLength(plain) === plain.length) return true;
    } catch {
      // A wrong password, most likely: try the next safe.
    }
  }
  return false;
}

/** The whole length of the DER TLV at the start of `der` (definite lengths only), or -1. */
function derLength(der: Uint8Array): number {
  if (der.length < 2) return -1;
  const first = der[1];
  if (first < 0x80) return 2 + first;
  const n = first & 0x7f;
  if (n === 0 || n > 4 || der.length < 2 + n) return -1;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + der[2 + i];
  return 2 + n + len;
}

function verifyMac(
  provider: CryptoProvider,
  macData: MacData,
  authSafe: Uint8Array,
  form: PasswordForm,
): { ok: boolean; algorithm: string; pbmac1: boolean } {
  const algOid = macData.mac.digestAlgorithm.algorithm;
  const expected = u8(macData.mac.digest.buffer);
  if (algOid === OID.id_PBMAC1) {
    // RFC 9579 §5: the key is PBKDF2 of the password (UTF-8, as PBES2 uses it); the MacData
    // salt and iteration count are not used.
    const { hash, key } = pbmac1Key(provider, macData.mac.digestAlgorithm, form.text);
    return { ok: equalBytes(provider.hmac(hash, key, authSafe), expected), algorithm: `PBMAC1-${hash}`, pbmac1: true };
  }
  const hash = MAC_HASH_BY_OID[algOid];
  if (!hash) throw badInput(`the PKCS #12 MAC uses ${algOid}, which is not supported (SHA-1/256/384/512 and PBMAC1 are)`);
  const iterations = macData.iterations;
  if (!Number.isSafeInteger(iterations) || iterations < 1 || iterations > MAX_ITERATIONS) {
    throw badInput(`the PKCS #12 MAC has an iteration count kyman will not run (${iterations})`);
  }
  // RFC 7292 B.4: the MAC key comes from the PKCS #12 KDF with ID 3, as long as the hash output.
  const key = pkcs12Kdf(provider, hash, form.bmp, u8(macData.macSalt.buffer), PKCS12_MAC_ID, iterations, HASH_LENGTH[hash]);
  return { ok: equalBytes(provider.hmac(hash, key, authSafe), expected), algorithm: hash, pbmac1: false };
}

function pbmac1Key(provider: CryptoProvider, algorithm: AlgorithmIdentifier, password: string): { hash: HashAlgorithm; key: Uint8Array } {
  if (!algorithm.parameters) throw badInput('the PKCS #12 PBMAC1 MAC has no parameters');
  const params = parse(algorithm.parameters, PBMAC1Params, 'the PKCS #12 PBMAC1 parameters');
  const hash = HMAC_HASH_BY_OID[params.messageAuthScheme.algorithm];
  if (!hash) throw badInput(`the PKCS #12 PBMAC1 MAC uses ${params.messageAuthScheme.algorithm}, which is not supported`);
  if (params.keyDerivationFunc.algorithm !== OID.id_PBKDF2 || !params.keyDerivationFunc.parameters) {
    throw badInput('the PKCS #12 PBMAC1 MAC does not use PBKDF2');
  }
  let kdf: Pbkdf2Params;
  try {
    kdf = AsnConvert.parse(params.keyDerivationFunc.parameters, Pbkdf2Params);
  } catch (e) {
    throw badInput('the PKCS #12 PBMAC1 PBKDF2 parameters are damaged', e);
  }
  const prf = HMAC_HASH_BY_OID[kdf.prf?.algorithm ?? OID.id_hmacWithSHA1];
  const salt = kdf.salt.specified;
  if (!prf || !salt) throw badInput('the PKCS #12 PBMAC1 PBKDF2 parameters are not supported');
  // RFC 9579 §6.1: keyLength must be present; it says how long the HMAC key is.
  const keyLength = kdf.keyLength ?? 0;
  if (keyLength < 1 || keyLength > 1024) throw badInput('the PKCS #12 PBMAC1 PBKDF2 parameters lack a valid keyLength');
  const iterations = kdf.iterationCount;
  if (!Number.isSafeInteger(iterations) || iterations < 1 || iterations > MAX_ITERATIONS) {
    throw badInput(`the PKCS #12 PBMAC1 MAC has an iteration count kyman will not run (${iterations})`);
  }
  const key = provider.pbkdf2(prf, new TextEncoder().encode(password), new Uint8Array(salt), iterations, keyLength);
  return { hash, key };
}

/** RFC 5652 §8 EncryptedData: the algorithm and the ciphertext (BER's constructed OCTET STRING joined). */
function readEncryptedData(content: ArrayBuffer): { algorithm: AlgorithmIdentifier; ciphertext: Uint8Array } {
  try {
    const eci = AsnConvert.parse(content, EncryptedData, derOptions(content.byteLength)).encryptedContentInfo;
    const ec = eci.encryptedContent;
    const ciphertext = ec?.value ? u8(ec.value.buffer) : ec?.constructedValue ? concat(ec.constructedValue.map((o) => u8(o.buffer))) : undefined;
    if (!ciphertext) throw badInput('a PKCS #12 encryptedData safe has no content');
    return { algorithm: eci.contentEncryptionAlgorithm, ciphertext };
  } catch (e) {
    if (e instanceof KymanError) throw e;
    throw badInput('a PKCS #12 encryptedData safe is damaged', e);
  }
}

function decryptSafe(
  provider: CryptoProvider,
  algorithm: AlgorithmIdentifier,
  ciphertext: Uint8Array,
  form: PasswordForm,
  macVerified: boolean,
): { plain: Uint8Array; form: PasswordForm } {
  const forms = !macVerified && form.text === '' ? [form, { text: '', bmp: new Uint8Array(0) }] : [form];
  let failure: unknown;
  for (const f of forms) {
    try {
      const plain = decryptWithPasswordBytes(provider, algorithm, f.text, f.bmp, ciphertext);
      // Padding checks out by chance 1 time in 256: the plaintext must also be a SafeContents.
      if (plain[0] === 0x30) return { plain, form: f };
      failure = badPassword('wrong password');
    } catch (e) {
      if (!(e instanceof KymanError) || e.code !== 'BAD_PASSWORD') throw e;
      failure = e;
    }
  }
  if (macVerified) {
    // The MAC covers every byte, so damage would have failed it: the safe is under another password.
    throw badPassword('the PKCS #12 certificates are encrypted under a different password than the one that verified the MAC', failure);
  }
  throw badPassword('wrong password for the PKCS #12 file', failure);
}

/** Appends the certificate and key bags of one SafeContents to `out`; returns whether a legacy PBE was seen. */
function readSafeContents(contents: Uint8Array, out: Pkcs12Bag[], macVerified: boolean, depth = 0): boolean {
  let safe: SafeContents;
  try {
    safe = AsnConvert.parse(contents, SafeContents, derOptions(contents.length));
  } catch (e) {
    // Without a MAC a wrong password can decrypt to a 0x30 by chance; with one, the file is odd.
    throw macVerified ? badInput('a PKCS #12 SafeContents is damaged', e) : badPassword('wrong password for the PKCS #12 file', e);
  }
  let legacy = false;
  for (const bag of safe) {
    switch (bag.bagId) {
      case certBag: {
        const cert = parse(bag.bagValue, CertBag, 'a PKCS #12 certificate bag');
        if (cert.certId !== x509Certificate) break; // SDSI certificates: nothing kyman can use
        out.push(withAttributes({ type: 'certificate', data: octetStringValue(cert.certValue, 'a PKCS #12 certificate') }, bag));
        break;
      }
      case pkcs8ShroudedKeyBag: {
        const epki = parse(bag.bagValue, EncryptedPrivateKeyInfo, 'a PKCS #12 shrouded key bag');
        legacy ||= isLegacyPbe(epki.encryptionAlgorithm);
        out.push(withAttributes({ type: 'key', data: u8(bag.bagValue), encrypted: true }, bag));
        break;
      }
      case keyBag:
        out.push(withAttributes({ type: 'key', data: u8(bag.bagValue), encrypted: false }, bag));
        break;
      case safeContentsBag:
        // RFC 7292 §4.2.6: a nested SafeContents; a small bound keeps a hostile file from recursing forever.
        if (depth >= 4) throw badInput('a PKCS #12 file nests SafeContents too deeply');
        legacy = readSafeContents(u8(bag.bagValue), out, macVerified, depth + 1) || legacy;
        break;
      default:
        break; // CRL and secret bags: kyman keeps neither
    }
  }
  return legacy;
}

function withAttributes(bag: Pkcs12Bag, safeBag: SafeBag): Pkcs12Bag {
  for (const attr of safeBag.bagAttributes ?? []) {
    const first = attr.attrValues[0];
    if (!first) continue;
    switch (attr.attrId) {
      case id_friendlyName: {
        const v = asn1js.fromBER(first).result;
        if (v instanceof asn1js.BmpString || v instanceof asn1js.Utf8String) bag.friendlyName = v.valueBlock.value;
        break;
      }
      case id_localKeyId: {
        const v = asn1js.fromBER(first).result;
        if (v instanceof asn1js.OctetString) bag.localKeyId = v.valueBlock.valueHexView.slice();
        break;
      }
      case id_oracleTrustedKeyUsage: {
        const usages: string[] = [];
        for (const value of attr.attrValues) {
          const v = asn1js.fromBER(value).result;
          if (v instanceof asn1js.ObjectIdentifier) usages.push(v.valueBlock.toString());
        }
        bag.trustedUsage = usages;
        break;
      }
      default:
        break;
    }
  }
  return bag;
}

// ---------------------------------------------------------------------------------------------
// Writing

const DEFAULT_ITERATIONS = 2048;
/** OpenSSL's PKCS12_SALT_LEN: 8 bytes of salt for the MAC and the PBEs. */
const SALT_LENGTH = 8;
/** RFC 7292 §4: PFX version 3; RFC 5652 §8: EncryptedData version 0 when there are no unprotected attributes. */
const PFX_VERSION = 3;
const ENCRYPTED_DATA_VERSION = 0;
/** RFC 7292 §4.1: MacData's iterations DEFAULT 1, which DER leaves out (X.690 §11.5). */
const DEFAULT_MAC_ITERATIONS = 1;

/**
 * Writes a PKCS #12 file. The default is what `openssl pkcs12 -export` (OpenSSL 3) writes:
 * certificates in an encryptedData under PBES2 (PBKDF2-HMAC-SHA-256, AES-256-CBC), keys as
 * pkcs8ShroudedKeyBags under the same PBES2 in a data safe, and a SHA-256 MAC from the
 * PKCS #12 KDF. `legacy` writes what `-legacy` does: RC2-40 certificates, 3DES keys, SHA-1 MAC.
 * Keys passed in already encrypted are written as they are; plain ones are encrypted here.
 */
export function writePkcs12(provider: CryptoProvider, bags: Pkcs12Bag[], password: string, options: Pkcs12WriteOptions = {}): Uint8Array {
  const iterations = options.iterations ?? DEFAULT_ITERATIONS;
  const legacy = options.legacy ?? false;
  const certProtection: KeyProtection = legacy
    ? { scheme: 'pkcs12-rc2-40', iterations, saltLength: SALT_LENGTH }
    : { scheme: 'pbes2', prf: 'SHA-256', cipher: 'AES-256-CBC', iterations, saltLength: SALT_LENGTH };
  const keyProtection: KeyProtection = legacy
    ? { scheme: 'pkcs12-3des', iterations, saltLength: SALT_LENGTH }
    : certProtection;

  const certBags: Uint8Array[] = [];
  const keyBags: Uint8Array[] = [];
  for (const bag of bags) {
    if (bag.type === 'certificate') {
      if (bag.data[0] !== 0x30) throw badInput('a certificate to write into the PKCS #12 file is not DER');
      // RFC 7292 §4.2.3 CertBag ::= SEQUENCE { certId, certValue [0] EXPLICIT OCTET STRING (the DER certificate) }
      const value = DER.sequence(DER.oid(x509Certificate), explicit0(DER.octetString(bag.data)));
      certBags.push(safeBag(certBag, value, bag));
    } else if (bag.type === 'key') {
      const encrypted = bag.encrypted ?? !isPrivateKeyInfo(bag.data);
      if (encrypted) parse(bag.data, EncryptedPrivateKeyInfo, 'an encrypted key to write into the PKCS #12 file');
      const epki = encrypted ? bag.data : encryptPrivateKeyInfo(provider, bag.data, password, keyProtection);
      keyBags.push(safeBag(pkcs8ShroudedKeyBag, epki, bag));
    } else {
      throw badInput(`unknown PKCS #12 bag type ${(bag as { type: string }).type}`);
    }
  }

  // OpenSSL's order: the encrypted certificate safe first, then the keys in a plain data safe
  // (the keys are encrypted one by one already). SafeContents ::= SEQUENCE OF SafeBag.
  const safes: Uint8Array[] = [];
  if (certBags.length > 0) {
    const { algorithm, ciphertext } = encryptWithPassword(provider, certProtection, password, DER.sequence(...certBags));
    safes.push(contentInfo(id_encryptedData, encryptedData(algorithm, ciphertext)));
  }
  if (keyBags.length > 0) safes.push(contentInfo(id_data, DER.octetString(DER.sequence(...keyBags))));
  // AuthenticatedSafe ::= SEQUENCE OF ContentInfo; the MAC covers its DER.
  const authSafe = DER.sequence(...safes);

  const macHash: HashAlgorithm = legacy ? 'SHA-1' : 'SHA-256';
  const macSalt = provider.random(SALT_LENGTH);
  const macKey = pkcs12Kdf(provider, macHash, pkcs12PasswordBytes(password), macSalt, PKCS12_MAC_ID, iterations, HASH_LENGTH[macHash]);
  // MacData ::= SEQUENCE { mac DigestInfo, macSalt OCTET STRING, iterations INTEGER DEFAULT 1 };
  // DigestInfo ::= SEQUENCE { digestAlgorithm (NULL parameters), digest OCTET STRING }.
  const macData = DER.sequence(
    DER.sequence(DER.sequence(DER.oid(MAC_OID[macHash]!), DER.NULL), DER.octetString(provider.hmac(macHash, macKey, authSafe))),
    DER.octetString(macSalt),
    iterations === DEFAULT_MAC_ITERATIONS ? DER.EMPTY : DER.integer(iterations),
  );
  // PFX ::= SEQUENCE { version INTEGER {v3(3)}, authSafe ContentInfo, macData MacData OPTIONAL }
  return DER.sequence(DER.integer(PFX_VERSION), contentInfo(id_data, DER.octetString(authSafe)), macData);
}

const explicit0 = (inner: Uint8Array): Uint8Array => DER.tlv(contextTag(0), inner);

/** RFC 5652 §3 ContentInfo ::= SEQUENCE { contentType, content [0] EXPLICIT ANY DEFINED BY contentType }. */
const contentInfo = (contentType: string, content: Uint8Array): Uint8Array => DER.sequence(DER.oid(contentType), explicit0(content));

/**
 * RFC 7292 §4.2 SafeBag ::= SEQUENCE { bagId, bagValue [0] EXPLICIT ANY, bagAttributes SET OF
 * PKCS12Attribute OPTIONAL }, with PKCS12Attribute ::= SEQUENCE { attrId, attrValues SET OF ANY }.
 */
function safeBag(bagId: string, value: Uint8Array, bag: Pkcs12Bag): Uint8Array {
  const attributes: Uint8Array[] = [];
  const attribute = (id: string, values: Uint8Array[]) => attributes.push(DER.sequence(DER.oid(id), setOf(values)));
  if (bag.friendlyName !== undefined) attribute(id_friendlyName, [DER.bmpString(bag.friendlyName)]);
  if (bag.localKeyId !== undefined) attribute(id_localKeyId, [DER.octetString(bag.localKeyId)]);
  if (bag.trustedUsage !== undefined && bag.trustedUsage.length > 0) {
    attribute(id_oracleTrustedKeyUsage, bag.trustedUsage.map((oid) => DER.oid(oid)));
  }
  return DER.sequence(DER.oid(bagId), explicit0(value), attributes.length > 0 ? setOf(attributes) : DER.EMPTY);
}

/** X.690 §11.6: DER orders the members of a SET OF by their encodings. */
function setOf(members: Uint8Array[]): Uint8Array {
  return DER.tlv(DER.TAG.SET, ...(members.length < 2 ? members : [...members].sort(compareBytes)));
}

/**
 * RFC 5652 §8 EncryptedData ::= SEQUENCE { version, encryptedContentInfo EncryptedContentInfo },
 * EncryptedContentInfo ::= SEQUENCE { contentType, contentEncryptionAlgorithm, encryptedContent
 * [0] IMPLICIT OCTET STRING }: one primitive OCTET STRING, as DER wants.
 */
function encryptedData(algorithm: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  return DER.sequence(DER.integer(ENCRYPTED_DATA_VERSION), DER.sequence(DER.oid(id_data), algorithm, DER.tlv(contextTag(0, false), ciphertext)));
}
