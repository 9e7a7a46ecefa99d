// IANA names of the cipher suites an endpoint probe offers beyond the engine's own, and what is weak about each.

import { anySuiteName, CIPHER_SUITES, CIPHER_SUITES_TLS12 } from '../../tls/suites.js';

/** Legacy suites (IANA TLS Cipher Suites registry) the engine does not speak, offered only to detect them. */
const LEGACY_SUITE_NAMES: Readonly<Record<number, string>> = {
  0x0001: 'TLS_RSA_WITH_NULL_MD5',
  0x0002: 'TLS_RSA_WITH_NULL_SHA',
  0x0003: 'TLS_RSA_EXPORT_WITH_RC4_40_MD5',
  0x0004: 'TLS_RSA_WITH_RC4_128_MD5',
  0x0005: 'TLS_RSA_WITH_RC4_128_SHA',
  0x0006: 'TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5',
  0x0008: 'TLS_RSA_EXPORT_WITH_DES40_CBC_SHA',
  0x0009: 'TLS_RSA_WITH_DES_CBC_SHA',
  0x000a: 'TLS_RSA_WITH_3DES_EDE_CBC_SHA',
  0x0011: 'TLS_DHE_DSS_EXPORT_WITH_DES40_CBC_SHA',
  0x0013: 'TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA',
  0x0014: 'TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA',
  0x0015: 'TLS_DHE_RSA_WITH_DES_CBC_SHA',
  0x0016: 'TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA',
  0x0018: 'TLS_DH_anon_WITH_RC4_128_MD5',
  0x001b: 'TLS_DH_anon_WITH_3DES_EDE_CBC_SHA',
  0x002f: 'TLS_RSA_WITH_AES_128_CBC_SHA',
  0x0032: 'TLS_DHE_DSS_WITH_AES_128_CBC_SHA',
  0x0034: 'TLS_DH_anon_WITH_AES_128_CBC_SHA',
  0x0035: 'TLS_RSA_WITH_AES_256_CBC_SHA',
  0x0038: 'TLS_DHE_DSS_WITH_AES_256_CBC_SHA',
  0x003a: 'TLS_DH_anon_WITH_AES_256_CBC_SHA',
  0x003b: 'TLS_RSA_WITH_NULL_SHA256',
  0x003c: 'TLS_RSA_WITH_AES_128_CBC_SHA256',
  0x003d: 'TLS_RSA_WITH_AES_256_CBC_SHA256',
  0x0040: 'TLS_DHE_DSS_WITH_AES_128_CBC_SHA256',
  0x0041: 'TLS_RSA_WITH_CAMELLIA_128_CBC_SHA',
  0x0044: 'TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA',
  0x0045: 'TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA',
  0x0046: 'TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA',
  0x006a: 'TLS_DHE_DSS_WITH_AES_256_CBC_SHA256',
  0x006c: 'TLS_DH_anon_WITH_AES_128_CBC_SHA256',
  0x006d: 'TLS_DH_anon_WITH_AES_256_CBC_SHA256',
  0x0084: 'TLS_RSA_WITH_CAMELLIA_256_CBC_SHA',
  0x0087: 'TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA',
  0x0088: 'TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA',
  0x0089: 'TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA',
  0x0096: 'TLS_RSA_WITH_SEED_CBC_SHA',
  0x009c: 'TLS_RSA_WITH_AES_128_GCM_SHA256',
  0x009d: 'TLS_RSA_WITH_AES_256_GCM_SHA384',
  0x00a2: 'TLS_DHE_DSS_WITH_AES_128_GCM_SHA256',
  0x00a3: 'TLS_DHE_DSS_WITH_AES_256_GCM_SHA384',
  0x00a6: 'TLS_DH_anon_WITH_AES_128_GCM_SHA256',
  0x00a7: 'TLS_DH_anon_WITH_AES_256_GCM_SHA384',
  0x00ba: 'TLS_RSA_WITH_CAMELLIA_128_CBC_SHA256',
  0x00bd: 'TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA256',
  0x00be: 'TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA256',
  0x00bf: 'TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA256',
  0x00c0: 'TLS_RSA_WITH_CAMELLIA_256_CBC_SHA256',
  0x00c3: 'TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA256',
  0x00c4: 'TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA256',
  0x00c5: 'TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA256',
  0xc001: 'TLS_ECDH_ECDSA_WITH_NULL_SHA',
  0xc002: 'TLS_ECDH_ECDSA_WITH_RC4_128_SHA',
  0xc006: 'TLS_ECDHE_ECDSA_WITH_NULL_SHA',
  0xc007: 'TLS_ECDHE_ECDSA_WITH_RC4_128_SHA',
  0xc008: 'TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA',
  0xc010: 'TLS_ECDHE_RSA_WITH_NULL_SHA',
  0xc011: 'TLS_ECDHE_RSA_WITH_RC4_128_SHA',
  0xc012: 'TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA',
  0xc015: 'TLS_ECDH_anon_WITH_NULL_SHA',
  0xc016: 'TLS_ECDH_anon_WITH_RC4_128_SHA',
  0xc017: 'TLS_ECDH_anon_WITH_3DES_EDE_CBC_SHA',
  0xc018: 'TLS_ECDH_anon_WITH_AES_128_CBC_SHA',
  0xc019: 'TLS_ECDH_anon_WITH_AES_256_CBC_SHA',
  0xc050: 'TLS_RSA_WITH_ARIA_128_GCM_SHA256',
  0xc051: 'TLS_RSA_WITH_ARIA_256_GCM_SHA384',
  0xc052: 'TLS_DHE_RSA_WITH_ARIA_128_GCM_SHA256',
  0xc053: 'TLS_DHE_RSA_WITH_ARIA_256_GCM_SHA384',
  0xc056: 'TLS_DHE_DSS_WITH_ARIA_128_GCM_SHA256',
  0xc057: 'TLS_DHE_DSS_WITH_ARIA_256_GCM_SHA384',
  0xc05c: 'TLS_ECDHE_ECDSA_WITH_ARIA_128_GCM_SHA256',
  0xc05d: 'TLS_ECDHE_ECDSA_WITH_ARIA_256_GCM_SHA384',
  0xc060: 'TLS_ECDHE_RSA_WITH_ARIA_128_GCM_SHA256',
  0xc061: 'TLS_ECDHE_RSA_WITH_ARIA_256_GCM_SHA384',
  0xc072: 'TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_CBC_SHA256',
  0xc073: 'TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_CBC_SHA384',
  0xc076: 'TLS_ECDHE_RSA_WITH_CAMELLIA_128_CBC_SHA256',
  0xc077: 'TLS_ECDHE_RSA_WITH_CAMELLIA_256_CBC_SHA384',
  0xc09c: 'TLS_RSA_WITH_AES_128_CCM',
  0xc09d: 'TLS_RSA_WITH_AES_256_CCM',
  0xc09e: 'TLS_DHE_RSA_WITH_AES_128_CCM',
  0xc09f: 'TLS_DHE_RSA_WITH_AES_256_CCM',
  0xc0a0: 'TLS_RSA_WITH_AES_128_CCM_8',
  0xc0a1: 'TLS_RSA_WITH_AES_256_CCM_8',
  0xc0a2: 'TLS_DHE_RSA_WITH_AES_128_CCM_8',
  0xc0a3: 'TLS_DHE_RSA_WITH_AES_256_CCM_8',
  0xc0ac: 'TLS_ECDHE_ECDSA_WITH_AES_128_CCM',
  0xc0ad: 'TLS_ECDHE_ECDSA_WITH_AES_256_CCM',
  0xc0ae: 'TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8',
  0xc0af: 'TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8',
};

/** TLS 1.3 suites (RFC 8446 §B.4), whether or not the engine speaks them all. */
export const TLS13_SUITE_IDS: readonly number[] = [0x1301, 0x1302, 0x1303, 0x1304, 0x1305];

const TLS13_NAMES: Readonly<Record<number, string>> = {
  0x1304: 'TLS_AES_128_CCM_SHA256',
  0x1305: 'TLS_AES_128_CCM_8_SHA256',
};

/** Every suite a TLS 1.2-or-older hello offers: the engine's TLS 1.2 suites first, then the legacy ones. */
export const LEGACY_HELLO_SUITE_IDS: readonly number[] = [
  ...CIPHER_SUITES_TLS12.map((s) => s.id),
  ...Object.keys(LEGACY_SUITE_NAMES)
    .map(Number)
    .filter((id) => id <= 0xffff),
];

/** The IANA name of a suite, or its hex value when neither table knows it. */
export function suiteName(id: number): string {
  return anySuiteName(id) ?? CIPHER_SUITES.find((s) => s.id === id)?.name ?? TLS13_NAMES[id] ?? LEGACY_SUITE_NAMES[id] ?? `0x${id.toString(16).padStart(4, '0')}`;
}

/** A weakness a suite's name shows. */
export type SuiteFlag = 'NULL' | 'EXPORT' | 'anon' | 'RC4' | '3DES' | 'DES' | 'RSA-kx' | 'CBC' | 'MD5';

/** What is weak about a suite, read from its IANA name: worst first. */
export function suiteFlags(name: string): SuiteFlag[] {
  const flags: SuiteFlag[] = [];
  if (/_WITH_NULL_/.test(name)) flags.push('NULL');
  if (/_EXPORT_/.test(name)) flags.push('EXPORT');
  if (/_anon_/.test(name)) flags.push('anon');
  if (/_RC4_/.test(name)) flags.push('RC4');
  if (/_3DES_/.test(name)) flags.push('3DES');
  else if (/_DES(40)?_CBC_/.test(name)) flags.push('DES');
  if (/^TLS_RSA_/.test(name)) flags.push('RSA-kx');
  if (/_CBC_/.test(name)) flags.push('CBC');
  if (/_MD5$/.test(name)) flags.push('MD5');
  return flags;
}
