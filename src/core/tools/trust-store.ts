// Trust anchors from files and folders (the system's bundle, --ca-file, --ca-dir), indexed by subject name so a handshake parses only the few it needs.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { toHex } from '../bytes.js';
import { childrenOf, readTlv, tryReadTlv, wholeOf } from '../der/reader.js';
import { badInput, notFound, usage } from '../errors.js';
import { readCertificateFile } from '../pki/certificate-file.js';
import { decodePem, isPem } from '../pki/pem.js';

/**
 * Where OpenSSL-built tools find the system store when SSL_CERT_FILE is not set, in the order
 * distributions put it: Debian and Ubuntu, Fedora and RHEL, Alpine and the BSDs, openSUSE.
 */
export const SYSTEM_BUNDLES = ['/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt', '/etc/ssl/cert.pem', '/etc/ssl/ca-bundle.pem'];
/** A folder entry larger than this is not a certificate (a bundle beside the hashed links is at most a few hundred KiB). */
const MAX_TRUST_FILE = 8 * 1024 * 1024;
/** How deep a chain's issuers are followed among the anchors (cross-signed roots); real chains are a few certificates. */
const MAX_ISSUER_HOPS = 8;

/** The anchors of a store: every certificate, found by the raw bytes of its subject name. */
export interface TrustStore {
  /** Where the certificates came from, for the report. */
  readonly sources: readonly string[];
  /** How many certificates it holds. */
  readonly size: number;
  /** The anchors that could issue a certificate of `chain` (or are one of them): the engine's trustAnchorSource. */
  anchorsFor(chain: readonly Uint8Array[]): Uint8Array[];
  /** Every certificate, for a caller that needs the whole list. */
  all(): Uint8Array[];
}

/** The DER of a certificate's issuer and subject names, read without parsing the rest (RFC 5280 §4.1). */
export function namesOf(der: Uint8Array): { issuer: Uint8Array; subject: Uint8Array } {
  const cert = readTlv(der, 0);
  const tbs = childrenOf(der, cert)[0];
  if (!tbs) throw badInput('a certificate without tbsCertificate');
  let at = tbs.valueStart;
  // version [0] EXPLICIT is optional; then serialNumber, signature, issuer, validity, subject.
  const version = tryReadTlv(der, at, tbs.end, 0xa0);
  if (version) at = version.end;
  const fields = [];
  for (let i = 0; i < 5; i++) {
    const t = readTlv(der, at, tbs.end);
    fields.push(t);
    at = t.end;
  }
  return { issuer: wholeOf(der, fields[2]), subject: wholeOf(der, fields[4]) };
}

/** A store of the certificates given, indexed by subject. Unreadable entries are skipped, as OpenSSL skips them. */
export function trustStoreOf(certificates: readonly Uint8Array[], sources: readonly string[]): TrustStore {
  const bySubject = new Map<string, Uint8Array[]>();
  const seen = new Set<string>();
  for (const der of certificates) {
    let subject: Uint8Array;
    try {
      subject = namesOf(der).subject;
    } catch {
      continue;
    }
    const whole = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
    if (seen.has(whole)) continue;
    seen.add(whole);
    const k = toHex(subject);
    const list = bySubject.get(k);
    if (list) list.push(der);
    else bySubject.set(k, [der]);
  }
  const size = seen.size;
  return {
    sources,
    size,
    all: () => [...bySubject.values()].flat(),
    anchorsFor(chain) {
      const picked = new Set<Uint8Array>();
      const wanted: string[] = [];
      for (const c of chain) {
        try {
          const n = namesOf(c);
          wanted.push(toHex(n.issuer), toHex(n.subject));
        } catch {
          // An unreadable certificate is the engine's to reject; it needs no anchor.
        }
      }
      // Anchors found may themselves be cross-signed by another anchor: follow their issuers a few hops.
      for (let hop = 0; hop < MAX_ISSUER_HOPS && wanted.length; hop++) {
        const next: string[] = [];
        for (const k of wanted.splice(0)) {
          for (const a of bySubject.get(k) ?? []) {
            if (picked.has(a)) continue;
            picked.add(a);
            const issuer = toHex(namesOf(a).issuer);
            if (issuer !== k) next.push(issuer);
          }
        }
        wanted.push(...next);
      }
      return [...picked];
    },
  };
}

/** The certificates of a bundle file, quickly: PEM blocks are only base64-decoded here; DER and PKCS #7 go through the full reader. */
function certificatesInFile(bytes: Uint8Array): Uint8Array[] {
  if (isPem(bytes)) {
    const blocks = decodePem(bytes);
    if (blocks.every((b) => b.label === 'CERTIFICATE')) return blocks.map((b) => b.der);
  }
  return readCertificateFile(bytes);
}

const readBytes = (file: string): Uint8Array => {
  try {
    return readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw notFound(`${file}: no such file`, e);
    throw usage(`${file}: ${(e as Error).message}`, e);
  }
};

/** The certificates of every file in `dir` (OpenSSL's hashed links, *.pem, *.crt); files that are not certificates are skipped. */
function certificatesInDir(dir: string): Uint8Array[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw notFound(`${dir}: no such folder`, e);
    throw usage(`${dir}: ${(e as Error).message}`, e);
  }
  const out: Uint8Array[] = [];
  for (const name of names.sort()) {
    const file = path.join(dir, name);
    try {
      const st = statSync(file);
      if (!st.isFile() || st.size > MAX_TRUST_FILE) continue;
      out.push(...certificatesInFile(readFileSync(file)));
    } catch {
      // Not a certificate, or unreadable: OpenSSL's lookup skips it too.
    }
  }
  return out;
}

/** A store from --ca-file FILEs and --ca-dir DIRs. */
export function loadTrustStore(files: readonly string[], dirs: readonly string[] = []): TrustStore {
  const certs: Uint8Array[] = [];
  for (const f of files) {
    try {
      certs.push(...certificatesInFile(readBytes(f)));
    } catch (e) {
      if (e instanceof Error && 'code' in e && e.code === 'BAD_INPUT') throw badInput(`${f}: ${e.message}`, e);
      throw e;
    }
  }
  for (const d of dirs) certs.push(...certificatesInDir(d));
  return trustStoreOf(certs, [...files, ...dirs]);
}

/**
 * The system store as OpenSSL finds it: SSL_CERT_FILE, else the distribution's bundle; and the
 * folders of SSL_CERT_DIR (colon-separated). NOT_FOUND when there is none.
 */
export function systemTrustStore(env: Readonly<Record<string, string | undefined>>): TrustStore {
  const file = env.SSL_CERT_FILE || SYSTEM_BUNDLES.find((f) => {
    try {
      return statSync(f).isFile();
    } catch {
      return false;
    }
  });
  // OpenSSL passes over SSL_CERT_DIR folders that do not exist; --ca-dir, named by hand, does not.
  const dirs = (env.SSL_CERT_DIR ?? '').split(':').filter((d) => {
    try {
      return d !== '' && statSync(d).isDirectory();
    } catch {
      return false;
    }
  });
  if (!file && !dirs.length) throw notFound(`no system trust store (none of ${SYSTEM_BUNDLES.join(', ')}; SSL_CERT_FILE and SSL_CERT_DIR unset): give --ca-file or --ca-dir`);
  return loadTrustStore(file ? [file] : [], dirs);
}
