// RFC 7512 PKCS #11 URIs as key store targets: told apart from file names and read without loading the PKCS #11 layer.

import { usage } from '../errors.js';

/** Whether a key store target names a token (an RFC 7512 `pkcs11:` URI) rather than a file. */
export const isPkcs11Uri = (target: string): boolean => /^pkcs11:/i.test(target);

/**
 * The token label and module of an RFC 7512 URI: `pkcs11:token=web` or
 * `pkcs11:token=My%20HSM?module-path=/usr/lib/x.so`. Other attributes (object, id, type) name
 * objects within a token, which a key store does not need, and are ignored.
 */
export function parsePkcs11Uri(uri: string): { tokenLabel: string; module?: string } {
  if (!isPkcs11Uri(uri)) throw usage(`"${uri}" is not a PKCS #11 URI (RFC 7512): write pkcs11:token=LABEL`);
  const [pathPart, query = ''] = uri.slice('pkcs11:'.length).split('?', 2);
  const decode = (v: string) => {
    try {
      return decodeURIComponent(v);
    } catch (error) {
      throw usage(`"${uri}" is not a valid PKCS #11 URI: bad percent-encoding`, error);
    }
  };
  const attributes = (text: string, separator: string) =>
    new Map(
      text
        .split(separator)
        .filter(Boolean)
        .map((pair) => {
          const i = pair.indexOf('=');
          return [pair.slice(0, i < 0 ? pair.length : i).toLowerCase(), i < 0 ? '' : decode(pair.slice(i + 1))] as const;
        }),
    );
  const tokenLabel = attributes(pathPart, ';').get('token');
  if (!tokenLabel) throw usage(`"${uri}" names no token: write pkcs11:token=LABEL`);
  const module = attributes(query, '&').get('module-path');
  return { tokenLabel, ...(module ? { module } : {}) };
}
