// Reading private key files: PKCS #8 (plain or encrypted), and OpenSSL's traditional PKCS #1 and SEC1 forms (plain or encrypted).

import { AsnConvert } from '@peculiar/asn1-schema';
import { PrivateKeyInfo } from '@peculiar/asn1-pkcs8';
import { ECPrivateKey } from '@peculiar/asn1-ecc';
import { badInput, usage } from '../errors.js';
import { contextTag } from '../der/reader.js';
import * as DER from '../der/writer.js';
import { OID } from '../der/oids.js';
import type { CryptoProvider } from '../crypto/provider.js';
import { decodePem, encodePem, isPem } from './pem.js';
import { decryptPrivateKeyInfo, encryptPrivateKeyInfo, type KeyProtection } from './pbe.js';
import { decryptLegacyPemKey } from './legacy-pem-key.js';

/** How kyman encrypts a key it writes to a file: PBES2, PBKDF2-HMAC-SHA-256, AES-256-CBC. */
export const EXPORT_KEY_PROTECTION: KeyProtection = { scheme: 'pbes2', prf: 'SHA-256', cipher: 'AES-256-CBC', iterations: 600_000, saltLength: 16 };

/** RFC 5208 PrivateKeyInfo ::= SEQUENCE { version INTEGER (0), privateKeyAlgorithm AlgorithmIdentifier, privateKey OCTET STRING }. */
const privateKeyInfo = (algorithm: Uint8Array, privateKey: Uint8Array): Uint8Array =>
  DER.sequence(DER.integer(0), algorithm, DER.octetString(privateKey));

/** RFC 5208 PrivateKeyInfo around a PKCS #1 RSAPrivateKey. */
function wrapPkcs1(der: Uint8Array): Uint8Array {
  return privateKeyInfo(DER.sequence(DER.oid(OID.rsaEncryption), DER.NULL), der);
}

/** RFC 5915 §5: a SEC1 ECPrivateKey becomes PKCS #8 with the curve moved to the algorithm parameters. */
function wrapSec1(der: Uint8Array): Uint8Array {
  let ec: ECPrivateKey;
  try {
    ec = AsnConvert.parse(der, ECPrivateKey);
  } catch (cause) {
    throw badInput('the EC private key is damaged: it is not a valid SEC1 ECPrivateKey', cause);
  }
  const curve = ec.parameters?.namedCurve;
  if (!curve) throw badInput('the EC private key names no curve, so it cannot be used');
  // ECPrivateKey ::= SEQUENCE { version INTEGER (1), privateKey OCTET STRING, [0] parameters OPTIONAL, [1] publicKey BIT STRING OPTIONAL }
  const inner = DER.sequence(
    DER.integer(1),
    DER.octetString(new Uint8Array(ec.privateKey.buffer)),
    ec.publicKey ? DER.tlv(contextTag(1), DER.bitString(new Uint8Array(ec.publicKey))) : DER.EMPTY,
  );
  return privateKeyInfo(DER.sequence(DER.oid(OID.id_ecPublicKey), DER.oid(curve)), inner);
}

function looksLikePkcs8(der: Uint8Array): boolean {
  try {
    AsnConvert.parse(der, PrivateKeyInfo);
    return true;
  } catch {
    return false;
  }
}

/**
 * The PKCS #8 PrivateKeyInfo in a key file. Encrypted keys need `password` (BAD_PASSWORD when it
 * is wrong, USAGE when none was given).
 */
export function readPrivateKeyFile(provider: CryptoProvider, bytes: Uint8Array, password: string | undefined, name = 'the key file'): Uint8Array {
  const decrypt = (epki: Uint8Array) => {
    if (password === undefined) throw usage(`${name} holds an encrypted private key: give its password with --import-pass`);
    return decryptPrivateKeyInfo(provider, epki, password);
  };
  if (isPem(bytes)) {
    const block = decodePem(bytes).find((b) => /PRIVATE KEY$/.test(b.label));
    if (!block) throw badInput(`${name} holds no private key (no "BEGIN … PRIVATE KEY" block)`);
    let der = block.der;
    if (block.headers?.['Proc-Type']?.includes('ENCRYPTED')) {
      if (block.label !== 'RSA PRIVATE KEY' && block.label !== 'EC PRIVATE KEY') throw badInput(`${name} holds an encrypted "${block.label}", which kyman does not read`);
      if (password === undefined) throw usage(`${name} holds an encrypted private key: give its password with --import-pass`);
      der = decryptLegacyPemKey(provider, block.headers, block.der, password, name);
    }
    switch (block.label) {
      case 'PRIVATE KEY':
        return block.der;
      case 'ENCRYPTED PRIVATE KEY':
        return decrypt(block.der);
      case 'RSA PRIVATE KEY':
        return wrapPkcs1(der);
      case 'EC PRIVATE KEY':
        return wrapSec1(der);
      default:
        throw badInput(`${name} holds a "${block.label}", which kyman does not read`);
    }
  }
  if (looksLikePkcs8(bytes)) return bytes;
  try {
    return decrypt(bytes);
  } catch (error) {
    if (error instanceof Error && 'code' in error && (error.code === 'BAD_PASSWORD' || error.code === 'USAGE')) throw error;
    throw badInput(`${name} is not a private key in PEM or DER (PKCS #8) form`);
  }
}

/** An encrypted PKCS #8 PEM block: kyman never writes a private key in the clear. */
export function encryptedPrivateKeyPem(provider: CryptoProvider, pkcs8: Uint8Array, password: string): string {
  return encodePem('ENCRYPTED PRIVATE KEY', encryptPrivateKeyInfo(provider, pkcs8, password, EXPORT_KEY_PROTECTION));
}
