// What the tls commands share on a terminal: TLS flags, list flags, the trace printer, the key log file and the chain table.

import { Flags } from '@oclif/core';
import type { CryptoProvider } from '../core/crypto/provider.js';
import { usage } from '../core/errors.js';
import { readFileOrFail } from '../core/keystore/file-io.js';
import { CIPHER_SUITES, CIPHER_SUITES_TLS12, SIGNATURE_SCHEMES, isCbcSuiteName, isDheSuiteName, type SignatureSchemeName } from '../core/tls/suites.js';
import { formatTraceEvent, type TraceEvent } from '../core/tls/trace.js';
import { credentialsFromFiles, type FileCredentials } from '../core/tools/credential-files.js';
import { keyLogFile } from '../core/tools/key-log.js';
import type { ChainCertificate } from '../core/tools/probe.js';
import { err, out, table } from './output.js';
import { otherPassword } from './password.js';

const suiteNames = (optIn: boolean) => [...CIPHER_SUITES, ...CIPHER_SUITES_TLS12].filter((s) => (s.optIn ?? false) === optIn).map((s) => s.name);

/** Flags `tls client` and `tls server` share. */
export const tlsFlags = {
  tls: Flags.string({ summary: 'TLS version: 1.3 or 1.2 (only that one is offered or accepted). Default: both, 1.3 preferred.', helpValue: 'VERSION' }),
  suites: Flags.string({
    summary: 'Cipher suites, by IANA name, in preference order (comma-separated or repeated), e.g. TLS_AES_128_GCM_SHA256; the CCM, the weaker CBC and the finite-field DHE suites only when named.',
    description: `Default (AEAD only): ${suiteNames(false).join(', ')}.\nOnly when named: ${suiteNames(true).join(', ')}. The TLS 1.2 CBC suites are weaker (MAC-then-encrypt CBC is where padding oracles and Lucky 13 were found; kyman negotiates encrypt-then-MAC when the peer offers it) and are for testing old peers; naming one prints a warning. So are the TLS 1.2 TLS_DHE_RSA suites (finite-field Diffie-Hellman in an RFC 7919 group, ffdhe2048 unless the client lists others; slower than ECDHE, and a client that does not know RFC 7919 takes whatever group a server sends), which need an ffdhe group among --groups.`,
    multiple: true,
    multipleNonGreedy: true,
    helpValue: 'NAMES',
  }),
  groups: Flags.string({ summary: 'Key-exchange groups in preference order: X25519MLKEM768 (post-quantum hybrid, TLS 1.3), x25519, secp256r1 (P-256), x448, secp521r1 (P-521), secp384r1 (P-384), and ffdhe2048, ffdhe3072, ffdhe4096, ffdhe6144, ffdhe8192 (RFC 7919: TLS 1.3, and the TLS 1.2 DHE suites); also SecP256r1MLKEM768 and SecP384r1MLKEM1024 when named. Default: all but the last two, in that order; a client sends shares for X25519MLKEM768 and x25519.', multiple: true, multipleNonGreedy: true, helpValue: 'NAMES' }),
  alpn: Flags.string({ summary: 'ALPN protocols in preference order, e.g. h2,http/1.1.', multiple: true, multipleNonGreedy: true, helpValue: 'PROTOCOLS' }),
  trace: Flags.boolean({ summary: 'Show every handshake message and field, decoded and named as the RFC names them.' }),
  keylog: Flags.string({ summary: 'Append the session secrets to FILE in the NSS key log format (for Wireshark); default $SSLKEYLOGFILE when set.', helpValue: 'FILE' }),
  'signature-schemes': Flags.string({
    summary: 'Signature schemes to accept and sign with, by RFC 8446 name, in preference order. TLS 1.2 also takes ecdsa_sha1 and ecdsa_sha224 when named (weak; warned).',
    multiple: true,
    multipleNonGreedy: true,
    helpValue: 'NAMES',
  }),
  'allow-no-ems': Flags.boolean({ summary: 'TLS 1.2 with a peer that lacks the extended master secret (RFC 7627), which is refused by default. Weaker (the triple handshake attack); for testing old peers. Warned.' }),
};

/** The TLS options weaker than the defaults that the common flags ask for, each with the warning it earns. */
export function weakTlsOptions(
  f: { 'allow-no-ems'?: boolean; 'signature-schemes'?: string[]; suites?: string[] },
  warn: (message: string) => void,
): { allowNoExtendedMasterSecret?: true; signatureSchemes?: SignatureSchemeName[] } {
  const out: { allowNoExtendedMasterSecret?: true; signatureSchemes?: SignatureSchemeName[] } = {};
  // The suites themselves are passed on with the others; the CBC ones are warned of by cbcSuitesWarning.
  const dhe = listFlag(f.suites)?.filter(isDheSuiteName) ?? [];
  if (dhe.length) warn(`--suites ${dhe.join(',')}: finite-field DHE is slower than ECDHE, and a TLS 1.2 client that does not know RFC 7919 takes any group the server sends; use it only to test old peers`);
  if (f['allow-no-ems']) {
    warn('--allow-no-ems: TLS 1.2 peers without the extended master secret are accepted; their sessions are open to the triple handshake attack (RFC 7627)');
    out.allowNoExtendedMasterSecret = true;
  }
  const schemes = listFlag(f['signature-schemes']);
  if (schemes) {
    out.signatureSchemes = schemes as SignatureSchemeName[];
    const legacy = schemes.filter((n) => SIGNATURE_SCHEMES.some((s) => s.name === n && s.legacy));
    if (legacy.length) warn(`--signature-schemes ${legacy.join(',')}: SHA-1 and SHA-224 signatures are weak (RFC 9155); use them only to test old peers`);
  }
  return out;
}

/** A list flag given as `a,b` or repeated: the names, in order. */
export function listFlag(values: readonly string[] | undefined): string[] | undefined {
  if (!values?.length) return undefined;
  const names = values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  return names.length ? names : undefined;
}

/** The one-line warning for --suites naming TLS 1.2 CBC suites, or undefined when it names none. */
export function cbcSuitesWarning(names: readonly string[] | undefined): string | undefined {
  const cbc = names?.filter(isCbcSuiteName) ?? [];
  if (!cbc.length) return undefined;
  return `--suites ${cbc.join(',')}: CBC with HMAC is weaker than the AEAD suites (padding oracles, Lucky 13); use it only to test old peers`;
}

/** The key log sink: --keylog FILE, else SSLKEYLOGFILE, else none. */
export function keyLogFrom(flag: string | undefined): ((line: string) => void) | undefined {
  const file = flag ?? (process.env.SSLKEYLOGFILE || undefined);
  return file ? keyLogFile(file) : undefined;
}

/** Prints trace events to stdout (stderr when stdout carries JSON), coloured only on a terminal. */
export function tracePrinter(json: boolean): (e: TraceEvent, who?: string) => void {
  const stream = json ? process.stderr : process.stdout;
  const c = json ? err : out;
  return (e, who) => {
    const [head, ...rest] = formatTraceEvent(e).split('\n');
    const first = (e.direction === 'sent' ? c.cyan.bold(head) : c.magenta.bold(head)) + (who ? c.dim(`  [${who}]`) : '');
    const body = rest.map((l) => l.replace(/^(\s*)([^:]+):/, (_m, sp: string, name: string) => `${sp}${c.dim(name)}:`));
    stream.write(`${[first, ...body].join('\n')}\n`);
  };
}

/** The chain as kyman built it, one row a certificate, saying which came from the peer and which is the anchor. */
export function chainTable(chain: readonly ChainCertificate[]): string {
  const rows = chain.map((c, i) => ({ c, i }));
  return table(rows, [
    { header: '#', get: (r) => String(r.i), right: true },
    { header: 'SUBJECT', get: (r) => r.c.subject || '(empty)', flex: true },
    { header: 'ISSUER', get: (r) => r.c.issuer || '(empty)' },
    { header: 'EXPIRES', get: (r) => r.c.notAfter.slice(0, 10) },
    { header: 'SOURCE', get: (r) => [r.c.sent ? 'sent by peer' : 'trust store', r.c.anchor ? 'anchor' : ''].filter(Boolean).join(', ') },
  ]);
}

export const ms = (v: number) => `${v < 10 ? v.toFixed(1) : v.toFixed(0)} ms`;

/** `--token-ops`: what runs on the token besides signing. */
export const tokenOpsFlag = {
  'token-ops': Flags.string({
    summary: 'With --token: sign (private-key operations on the token) or all (key agreement and record protection too, where the token has the mechanisms; the rest falls back to software with a notice).',
    options: ['sign', 'all'],
  }),
};

/** "signing on token "web", key agreement in software, …": where the key operations ran (or can run). */
export function keyOperationsLine(token: string | undefined, placement: Record<string, string>): string {
  const names: Record<string, string> = { sign: 'signing', keyAgreement: 'key agreement', kem: 'ML-KEM', aead: 'record protection' };
  return Object.entries(names)
    .filter(([op]) => placement[op] !== undefined && placement[op] !== 'none')
    .map(([op, name]) => `${name} ${placement[op] === 'token' ? `on token "${token}"` : 'in software'}`)
    .join(', ');
}

/** `--cert`, `--key` and `--key-pass`: a certificate and key from files, for `tls client` and `tls server`. */
export const pemCredentialFlags = (whose: 'Client' | 'Server') => ({
  cert: Flags.string({ summary: `${whose} certificate file (PEM or DER; a PEM file may hold the chain after it), with --key.`, helpValue: 'FILE' }),
  key: Flags.string({ summary: 'Private key of --cert (PEM or DER PKCS #8, PKCS #1 or SEC 1).', helpValue: 'FILE' }),
  'key-pass': Flags.string({ summary: 'Password of an encrypted --key: env:VAR, file:PATH, fd:N, stdin or pass:TEXT.', helpValue: 'SPEC' }),
});

/** The chain and key of --cert and --key, or undefined when neither is given; USAGE when one comes without the other. */
export async function pemCredentials(f: { cert?: string; key?: string; 'key-pass'?: string }, provider: CryptoProvider): Promise<FileCredentials | undefined> {
  if ((f.cert === undefined) !== (f.key === undefined)) throw usage('--cert and --key go together: give both');
  if (f['key-pass'] && !f.key) throw usage('--key-pass is the password of --key: give --key too');
  if (!f.cert || !f.key) return undefined;
  const pass = f['key-pass'] ? (await otherPassword(f['key-pass'], '--key-pass', f.key, false)).password : undefined;
  return credentialsFromFiles(provider, await readFileOrFail(f.cert), await readFileOrFail(f.key), pass, { cert: f.cert, key: f.key });
}
