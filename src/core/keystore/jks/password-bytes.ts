// How Java turns a keystore password into bytes: each char as two bytes, big-endian (UTF-16BE).

/**
 * The JKS and JCEKS integrity digest and Sun's key protector both feed a password to SHA-1 as its
 * UTF-16 code units, high byte first (sun.security.provider.JavaKeyStore#getPreKeyedHash,
 * sun.security.provider.KeyProtector).
 */
export function javaPasswordBytes(password: string): Uint8Array {
  const out = new Uint8Array(password.length * 2);
  for (let i = 0; i < password.length; i++) {
    const unit = password.charCodeAt(i);
    out[2 * i] = unit >> 8;
    out[2 * i + 1] = unit & 0xff;
  }
  return out;
}
