// A Java keystore's protected private key (an EncryptedPrivateKeyInfo under Sun's OIDs), opened with a password.

import type { CryptoProvider } from '../../crypto/provider.js';
import { expectTlv, readOid, readTlv, tryReadTlv, valueOf, childrenOf } from '../../der/reader.js';
import { TAG } from '../../der/writer.js';
import { OID } from '../../der/oids.js';
import { badInput } from '../../errors.js';
import { decryptPbeWithMd5AndTripleDes, isPbePassword, MAX_PBE_ITERATIONS, PBE_SALT_LENGTH } from './pbe-md5-triple-des.js';
import { recoverSunProtectedKey } from './sun-key-protector.js';

interface ProtectedKey {
  algorithm: string;
  parameters?: { salt: Uint8Array; iterations: number };
  encryptedData: Uint8Array;
}

/**
 * Reads the EncryptedPrivateKeyInfo (RFC 5208 §6) structure; BAD_INPUT when it is not one or uses
 * a scheme Java keystores do not. Cheap, so a file can be checked without any password.
 */
export function readProtectedKey(epki: Uint8Array, what: string): ProtectedKey {
  try {
    const outer = expectTlv(epki, 0, epki.length, TAG.SEQUENCE, 'EncryptedPrivateKeyInfo');
    if (outer.end !== epki.length) throw badInput('bytes after the EncryptedPrivateKeyInfo');
    const [algorithmId, data] = childrenOf(epki, outer);
    if (!algorithmId || algorithmId.tag !== TAG.SEQUENCE || !data || data.tag !== TAG.OCTET_STRING) throw badInput('not an EncryptedPrivateKeyInfo');
    const oidTlv = readTlv(epki, algorithmId.valueStart, algorithmId.end);
    const algorithm = readOid(epki, oidTlv, 'the key protection algorithm');
    const encryptedData = valueOf(epki, data);
    if (algorithm === OID.sunJksKeyProtector) return { algorithm, encryptedData };
    if (algorithm !== OID.pbeWithMD5AndTripleDES) throw badInput(`the key is protected with ${algorithm}, which Java keystores do not use (Sun's key protector and PBEWithMD5AndTripleDES are read)`);
    // PBEParameter (PKCS #5 §A.3): SEQUENCE { salt OCTET STRING (8), iterationCount INTEGER }.
    const params = expectTlv(epki, oidTlv.end, algorithmId.end, TAG.SEQUENCE, 'PBE parameters');
    const salt = expectTlv(epki, params.valueStart, params.end, TAG.OCTET_STRING, 'the PBE salt');
    const count = expectTlv(epki, salt.end, params.end, TAG.INTEGER, 'the PBE iteration count');
    const countBytes = valueOf(epki, count);
    if (countBytes.length === 0 || countBytes.length > 4 || countBytes[0] & 0x80) throw badInput('a bad PBE iteration count');
    const iterations = countBytes.reduce((n, b) => n * 256 + b, 0);
    if (valueOf(epki, salt).length !== PBE_SALT_LENGTH) throw badInput(`a PBE salt that is not ${PBE_SALT_LENGTH} bytes`);
    if (iterations < 1 || iterations > MAX_PBE_ITERATIONS) throw badInput(`a PBE iteration count of ${iterations} (at most ${MAX_PBE_ITERATIONS} is read)`);
    return { algorithm, parameters: { salt: valueOf(epki, salt), iterations }, encryptedData };
  } catch (error) {
    throw badInput(`${what} is damaged: ${(error as Error).message}`, error);
  }
}

/** The PKCS #8 PrivateKeyInfo, or undefined when `password` is not the key's password. */
export function recoverPrivateKey(provider: CryptoProvider, key: ProtectedKey, password: string): Uint8Array | undefined {
  let plain: Uint8Array | undefined;
  if (key.algorithm === OID.sunJksKeyProtector) plain = recoverSunProtectedKey(provider, key.encryptedData, password);
  else {
    // SunJCE takes printable ASCII only: no other password can have protected this key.
    if (!isPbePassword(password)) return undefined;
    plain = decryptPbeWithMd5AndTripleDes(provider, key.encryptedData, password, key.parameters!.salt, key.parameters!.iterations);
  }
  // PBE has no check of its own beyond the padding: a wrong password passes it one time in 256, and
  // then what comes out is not a PrivateKeyInfo.
  return plain && isPrivateKeyInfo(plain) ? plain : undefined;
}

function isPrivateKeyInfo(der: Uint8Array): boolean {
  const outer = tryReadTlv(der, 0, der.length, TAG.SEQUENCE);
  if (!outer || outer.end !== der.length) return false;
  const version = tryReadTlv(der, outer.valueStart, outer.end, TAG.INTEGER);
  return !!version && !!tryReadTlv(der, version.end, outer.end, TAG.SEQUENCE);
}
