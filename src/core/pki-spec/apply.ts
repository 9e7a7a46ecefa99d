// Comparing a PKI spec with the key databases it names, and making what is missing or changed.

import { equalBytes } from '../bytes.js';
import type { CryptoProvider, KeySpec, PrivateKeyHandle } from '../crypto/provider.js';
import { softwareProvider } from '../crypto/software.js';
import { KymanError, usage } from '../errors.js';
import { createCertificate, readCertificate, verifyCertificateSignature, type CertificateInfo } from '../pki/certificate/index.js';
import { profileOptions } from '../pki/profile.js';
import { applyBatch, type BatchChange } from '../keystore/batch.js';
import { fileExists } from '../keystore/file-io.js';
import { createKeyStore } from '../keystore/create.js';
import { openKeyDatabase } from '../keystore/open-database.js';
import { stashPathFor } from '../keystore/stash.js';
import type { FileKeyStore } from '../keystore/file-key-store.js';
import { canonicalSans, type CertificateSpec, type DatabaseSpec, type PkiSpec } from './spec.js';

const DAY_MS = 86_400_000;
/** createCertificate backdates notBefore by five minutes; a lifetime within a day of the spec's is the spec's. */
const LIFETIME_TOLERANCE_MS = DAY_MS;
/** RFC 5280 §4.1.2.2 serials: 128 random bits with a zero octet in front, as issueEntry makes them. */
const SERIAL_RANDOM_OCTETS = 16;

export type PlanAction = 'create' | 'reissue' | 'unchanged';

export interface PlannedCertificate {
  label: string;
  database: string;
  issuer?: string;
  action: PlanAction;
  /** Why: `not in web.p12`, `subject alternative names differ: +dns:a -dns:b`, `issuer "root" is reissued`. */
  reason: string;
}

/** A CA certificate copied into a database holding certificates it issued, so their chains validate there. */
export interface PlannedChainCopy {
  label: string;
  database: string;
  action: 'add' | 'update' | 'unchanged';
  trusted: boolean;
}

export interface PkiPlan {
  spec: string;
  databases: { name: string; file: string; action: 'create' | 'change' | 'unchanged' }[];
  certificates: PlannedCertificate[];
  chainCopies: PlannedChainCopy[];
  /** Nothing to create, reissue or copy. */
  upToDate: boolean;
}

export interface PkiProgress {
  phase: 'plan' | 'issue' | 'write';
  done: number;
  total: number;
  label?: string;
}

export interface ApplyPkiOptions {
  /** The password of a database; `exists` says whether it will be opened or created. */
  password(database: DatabaseSpec, exists: boolean): Promise<string>;
  dryRun?: boolean;
  /** The injected clock. */
  now?: Date;
  provider?: CryptoProvider;
  onProgress?: (p: PkiProgress) => void;
  lockTimeoutMs?: number;
}

export interface PkiResult extends PkiPlan {
  dryRun: boolean;
  /** Files written (databases and stash files). */
  written: string[];
}

const keyMatches = (info: CertificateInfo, key: KeySpec) =>
  info.publicKey.type === key.type &&
  (key.type !== 'ec' || info.publicKey.curve === key.curve) &&
  (key.type !== 'rsa' || info.publicKey.bits === key.bits) &&
  (key.type !== 'ml-dsa' || info.publicKey.parameterSet === key.parameterSet);

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && [...a].sort().every((x, i) => x === [...b].sort()[i]);

function describeKeySpec(key: KeySpec): string {
  if (key.type === 'ml-dsa') return key.parameterSet.toLowerCase();
  return key.type === 'rsa' ? `rsa:${key.bits}` : key.type === 'ec' ? `ec:${key.curve.replace('-', '').toLowerCase()}` : 'ed25519';
}

/** Why the certificate `info` is not what `c` asks for, or undefined when it is. Reads only the certificate. */
function difference(c: CertificateSpec, info: CertificateInfo, issuer: CertificateInfo | undefined, now: Date): string | undefined {
  if (info.subject !== c.canonicalSubject) return `subject is "${info.subject}", the spec says "${c.canonicalSubject}"`;
  if (!keyMatches(info, c.key)) return `key is ${info.publicKey.parameterSet ?? `${info.publicKey.type}${info.publicKey.curve ? ` ${info.publicKey.curve}` : info.publicKey.bits ? ` ${info.publicKey.bits}` : ''}`}, the spec says ${describeKeySpec(c.key)}`;
  const sans = canonicalSans(info.subjectAltNames);
  if (!sameSet(sans, c.canonicalSan)) {
    const added = c.canonicalSan.filter((s) => !sans.includes(s)).map((s) => `+${s}`);
    const removed = sans.filter((s) => !c.canonicalSan.includes(s)).map((s) => `-${s}`);
    return `subject alternative names differ: ${[...added, ...removed].join(' ')}`;
  }
  const want = profileOptions(c.profile, info.publicKey.type);
  if (info.isCA !== want.ca || !sameSet(info.keyUsage, want.keyUsage) || !sameSet(info.extendedKeyUsage, want.extendedKeyUsage)) {
    return `key usage does not match the ${c.profile} profile`;
  }
  if (c.profile === 'ca' && info.pathLength !== c.pathLength) return `path length is ${info.pathLength ?? 'unlimited'}, the spec says ${c.pathLength ?? 'unlimited'}`;
  if (issuer) {
    if (info.issuer !== issuer.subject || !verifyCertificateSignature(softwareProvider(), info.der, issuer.publicKey.spki)) {
      return `not signed by the current certificate of "${c.issuer}"`;
    }
  } else if (!info.selfSigned) {
    return 'not self-signed, and the spec names no issuer';
  }
  const lifetime = info.notAfter.getTime() - info.notBefore.getTime();
  const wanted = c.days * DAY_MS;
  // A certificate is cut short at its issuer's notAfter (createCertificate), which is not a change.
  const clamped = issuer !== undefined && info.notAfter.getTime() === issuer.notAfter.getTime() && lifetime < wanted;
  if (Math.abs(lifetime - wanted) > LIFETIME_TOLERANCE_MS && !clamped) return `valid for ${Math.round(lifetime / DAY_MS)} days, the spec says ${c.days}`;
  if (info.notAfter.getTime() <= now.getTime()) return `expired ${info.notAfter.toISOString()}`;
  if (info.notAfter.getTime() - c.renewBeforeMs <= now.getTime()) {
    return `expires ${info.notAfter.toISOString()}, within renewBefore (${Math.round(c.renewBeforeMs / 3_600_000)}h)`;
  }
  return undefined;
}

function randomSerial(provider: CryptoProvider): Uint8Array {
  const serial = Uint8Array.of(0, ...provider.random(SERIAL_RANDOM_OCTETS));
  if (serial.every((b) => b === 0)) serial[serial.length - 1] = 1;
  return serial;
}

/**
 * Makes the PKI `spec` describes: creates missing databases, issues missing certificates,
 * reissues changed or expiring ones and everything under them, copies each CA certificate into the
 * databases of what it issued. What "changed" means is read from the certificates themselves
 * (subject, key type, SANs, profile, path length, issuer, lifetime, expiry); nothing else is
 * stored. Every database is written at most once (applyBatch), and not at all when it needs no
 * change; with `dryRun`, nothing is written and the plan is returned.
 */
export async function applyPkiSpec(spec: PkiSpec, options: ApplyPkiOptions): Promise<PkiResult> {
  const provider = options.provider ?? softwareProvider();
  const now = options.now ?? new Date();
  const progress = options.onProgress ?? (() => undefined);

  // Open what exists; a database that does not exist yet is empty.
  const stores = new Map<string, FileKeyStore | undefined>();
  const passwords = new Map<string, string>();
  for (const db of spec.databases.values()) {
    const exists = await fileExists(db.file);
    const password = await options.password(db, exists);
    passwords.set(db.name, password);
    if (!exists) {
      stores.set(db.name, undefined);
      continue;
    }
    const store = await openKeyDatabase(db.file, { password, provider, lockTimeoutMs: options.lockTimeoutMs });
    if (store.type !== db.type) throw usage(`${spec.name}: database "${db.name}" is said to be ${db.type}, but ${db.file} is a ${store.type} file`);
    stores.set(db.name, store);
  }

  // The plan, issuers first, so a reissued issuer is known before what it issued.
  const current = new Map<string, CertificateInfo | undefined>();
  const plan: PlannedCertificate[] = [];
  const planned = new Map<string, PlannedCertificate>();
  spec.certificates.forEach((c, i) => {
    progress({ phase: 'plan', done: i, total: spec.certificates.length, label: c.label });
    const store = stores.get(c.database);
    const dbFile = spec.databases.get(c.database)!.file;
    let action: PlanAction = 'unchanged';
    let reason = 'matches the spec';
    const issuerPlan = c.issuer === undefined ? undefined : planned.get(c.issuer)!;
    if (!store || !store.has(c.label)) {
      action = 'create';
      reason = `not in ${dbFile.split('/').pop()}`;
    } else {
      const entry = store.entry(c.label);
      let info: CertificateInfo | undefined;
      try {
        info = readCertificate(provider, entry.certificate);
      } catch (e) {
        if (!(e instanceof KymanError)) throw e;
      }
      current.set(c.label, info);
      if (!info) [action, reason] = ['reissue', 'its certificate cannot be read'];
      else if (!entry.hasPrivateKey) [action, reason] = ['reissue', 'the entry has no private key'];
      else if (issuerPlan && issuerPlan.action !== 'unchanged') [action, reason] = ['reissue', `issuer "${c.issuer}" is ${issuerPlan.action === 'create' ? 'created' : 'reissued'}`];
      else {
        const why = difference(c, info, c.issuer === undefined ? undefined : current.get(c.issuer), now);
        if (why) [action, reason] = ['reissue', why];
      }
    }
    const p: PlannedCertificate = { label: c.label, database: c.database, issuer: c.issuer, action, reason };
    planned.set(c.label, p);
    plan.push(p);
  });

  // CA certificates that must be copied beside what they issued, in another database.
  const bySpecLabel = new Map(spec.certificates.map((c) => [c.label, c]));
  const copies = new Map<string, { db: string; label: string; trusted: boolean }>();
  for (const c of spec.certificates) {
    for (let a = c.issuer && bySpecLabel.get(c.issuer); a; a = a.issuer ? bySpecLabel.get(a.issuer) : undefined) {
      if (a.database !== c.database) copies.set(`${c.database}\u0000${a.label}`, { db: c.database, label: a.label, trusted: a.issuer === undefined });
    }
  }
  const chainCopies: PlannedChainCopy[] = [];
  for (const { db, label, trusted } of copies.values()) {
    const store = stores.get(db);
    const caPlan = planned.get(label)!;
    let action: PlannedChainCopy['action'] = 'add';
    if (store && caPlan.action === 'unchanged') {
      const caCert = stores.get(caPlan.database)!.entry(label).certificate;
      const same = store.entries().some((e) => equalBytes(e.certificate, caCert));
      action = same ? 'unchanged' : store.has(label) ? 'update' : 'add';
    } else if (store?.has(label)) {
      action = 'update';
    }
    if (store?.has(label) && store.entry(label).hasPrivateKey && action !== 'unchanged') {
      throw usage(`${spec.name}: "${label}" must be copied into database "${db}" as a CA certificate, but ${store.path} has a key entry of that label`);
    }
    chainCopies.push({ label, database: db, action, trusted });
  }

  const touched = new Set<string>([...plan.filter((p) => p.action !== 'unchanged').map((p) => p.database), ...chainCopies.filter((c) => c.action !== 'unchanged').map((c) => c.database)]);
  const databases = [...spec.databases.values()].map((db) => ({
    name: db.name,
    file: db.file,
    action: (stores.get(db.name) === undefined ? 'create' : touched.has(db.name) ? 'change' : 'unchanged') as 'create' | 'change' | 'unchanged',
  }));
  const upToDate = databases.every((d) => d.action === 'unchanged');
  const result: PkiResult = { spec: spec.name, databases, certificates: plan, chainCopies, upToDate, dryRun: options.dryRun ?? false, written: [] };
  if (options.dryRun || upToDate) return result;

  // Issue, issuers first, keeping new CA certificates and keys in memory for what they sign.
  const material = new Map<string, { certificate: Uint8Array; key?: PrivateKeyHandle }>();
  const changes = new Map<string, BatchChange[]>([...spec.databases.keys()].map((k) => [k, []]));
  const toIssue = spec.certificates.filter((c) => planned.get(c.label)!.action !== 'unchanged');
  let done = 0;
  // Keys depend on nothing but their type, so they are made ahead, a few at a time, on the
  // thread pool while this thread builds and signs certificates. A run of one type is asked for
  // at once where the provider can make many together (generateKeyPairs); refilling only at half
  // empty keeps those runs long.
  const KEY_LOOKAHEAD = 16;
  const pendingKeys = new Map<string, Promise<PrivateKeyHandle>>();
  let nextKey = 0;
  const keyFor = (label: string): Promise<PrivateKeyHandle> => {
    while (pendingKeys.size <= KEY_LOOKAHEAD / 2 && nextKey < toIssue.length) {
      const key = toIssue[nextKey].key;
      const run: CertificateSpec[] = [];
      while (nextKey < toIssue.length && pendingKeys.size + run.length < KEY_LOOKAHEAD && describeKeySpec(toIssue[nextKey].key) === describeKeySpec(key)) {
        run.push(toIssue[nextKey++]);
      }
      const made = provider.generateKeyPairs?.(key, run.length);
      run.forEach((c, i) => {
        const promise = made ? made.then((keys) => keys[i]) : provider.generateKeyPair(key);
        promise.catch(() => undefined); // awaited below; never an unhandled rejection meanwhile
        pendingKeys.set(c.label, promise);
      });
    }
    const promise = pendingKeys.get(label)!;
    pendingKeys.delete(label);
    return promise;
  };
  for (const c of spec.certificates) {
    const p = planned.get(c.label)!;
    if (p.action === 'unchanged') {
      material.set(c.label, { certificate: stores.get(c.database)!.entry(c.label).certificate });
      continue;
    }
    progress({ phase: 'issue', done: done++, total: toIssue.length, label: c.label });
    let issuer: { certificate: Uint8Array; key: PrivateKeyHandle } | undefined;
    if (c.issuer !== undefined) {
      const m = material.get(c.issuer)!;
      // An unchanged issuer's key is read from its database once, when first needed.
      m.key ??= await stores.get(bySpecLabel.get(c.issuer)!.database)!.privateKey(c.issuer);
      issuer = { certificate: m.certificate, key: m.key };
    }
    const key = await keyFor(c.label);
    const certificate = await createCertificate(provider, {
      subject: c.subject,
      subjectKey: key,
      issuer,
      serialNumber: randomSerial(provider),
      days: c.days,
      now,
      subjectAltNames: c.san,
      pathLength: c.pathLength,
      ...profileOptions(c.profile, key.type),
    });
    material.set(c.label, { certificate, key });
    changes.get(c.database)!.push({ kind: 'key-pair', label: c.label, certificate, key });
  }
  for (const copy of chainCopies) {
    if (copy.action !== 'unchanged') changes.get(copy.database)!.push({ kind: 'certificate', label: copy.label, certificate: material.get(copy.label)!.certificate, trusted: copy.trusted });
  }
  progress({ phase: 'issue', done: toIssue.length, total: toIssue.length });

  // One locked write per database that changes.
  const dbs = databases.filter((d) => d.action !== 'unchanged');
  for (const [i, d] of dbs.entries()) {
    progress({ phase: 'write', done: i, total: dbs.length, label: d.name });
    const db = spec.databases.get(d.name)!;
    const password = passwords.get(d.name)!;
    if (d.action === 'create') {
      await createKeyStore(db.file, { type: db.type, password, recordLength: db.recordLength, stash: db.stash, provider, lockTimeoutMs: options.lockTimeoutMs });
      result.written.push(db.file);
      if (db.stash) result.written.push(stashPathFor(db.file));
    }
    await applyBatch(db.file, changes.get(d.name)!, { password, provider, lockTimeoutMs: options.lockTimeoutMs });
    if (d.action !== 'create') result.written.push(db.file);
  }
  progress({ phase: 'write', done: dbs.length, total: dbs.length });
  return result;
}
