// Reading a PKI spec file (YAML or JSON) strictly: every mistake is one line naming the file, the line and the field.

import * as path from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode, type Pair, type YAMLMap } from 'yaml';
import { parseKeySpec, KEY_SPECS, type KeySpec } from '../crypto/provider.js';
import { badInput, KymanError, usage } from '../errors.js';
import { formatGeneralName, parseSubjectAltName } from '../pki/general-name.js';
import { formatName, parseName } from '../pki/name.js';
import { parseProfile, type CertificateProfile } from '../pki/profile.js';
import { checkLabel } from '../keystore/labels.js';
import { checkRecordLength } from '../keystore/create.js';
import { editDistance } from '../did-you-mean.js';

export interface DatabaseSpec {
  /** The name the certificates use for it. */
  name: string;
  /** Resolved against the spec file's folder. */
  file: string;
  type: 'cms' | 'pkcs12';
  /** Write a stash file when the database is created. */
  stash: boolean;
  /** A password source (`env:VAR`, `file:PATH` …) for this database; the caller resolves it. */
  pass?: string;
  recordLength?: number;
  line: number;
}

export interface CertificateSpec {
  label: string;
  database: string;
  /** Absent: self-signed. */
  issuer?: string;
  /** RFC 4514 as given, and as kyman writes it back (what a certificate read back says). */
  subject: string;
  canonicalSubject: string;
  /** As given, and in the form readCertificate reports them, sorted. */
  san: string[];
  canonicalSan: string[];
  key: KeySpec;
  keyText: string;
  profile: CertificateProfile;
  pathLength?: number;
  days: number;
  /** Milliseconds before notAfter at which the certificate is reissued. */
  renewBeforeMs: number;
  line: number;
}

export interface PkiSpec {
  /** The file's name, as errors cite it. */
  name: string;
  databases: Map<string, DatabaseSpec>;
  /** Issuers before what they issue. */
  certificates: CertificateSpec[];
}

export const DEFAULT_SPEC_DAYS = 365;
/** Renewal: a third of the lifetime before expiry, at most this (as cert-manager renews at two thirds). */
export const MAX_DEFAULT_RENEW_BEFORE_DAYS = 30;
const DAY_MS = 86_400_000;

const TOP_FIELDS = ['version', 'defaults', 'databases', 'certificates'] as const;
const DEFAULT_FIELDS = ['key', 'days', 'renewBefore', 'profile'] as const;
const DATABASE_FIELDS = ['file', 'type', 'stash', 'pass', 'recordLength'] as const;
const CERTIFICATE_FIELDS = ['label', 'database', 'issuer', 'subject', 'san', 'key', 'profile', 'pathLength', 'days', 'renewBefore'] as const;

function suggest(word: string, known: readonly string[]): string {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const dd = editDistance(word, k);
    if (dd < bestD) [best, bestD] = [k, dd];
  }
  // A word cut short ("issuing" for "issuing-ca") is as likely a slip as a typo.
  const longer = word.length >= 3 ? known.find((k) => k.toLowerCase().startsWith(word.toLowerCase())) : undefined;
  if (longer !== undefined && bestD > 1) return ` (did you mean "${longer}"?)`;
  // A suggestion more than a third wrong would only mislead.
  return best !== undefined && bestD <= Math.max(1, Math.floor(word.length / 3)) ? ` (did you mean "${best}"?)` : ` (known fields: ${known.join(', ')})`;
}

/** Parses `30d`, `12h`, `90m`, or a bare number of days. */
export function parseDuration(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isFinite(text) && text >= 0 ? text * DAY_MS : undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(d|h|m)?\s*$/.exec(text);
  if (!m) return undefined;
  const n = Number(m[1]);
  return n * (m[2] === 'h' ? 3_600_000 : m[2] === 'm' ? 60_000 : DAY_MS);
}

class SpecReader {
  readonly lines = new LineCounter();
  constructor(readonly name: string) {}

  lineOf(node: YamlNode | Pair | null | undefined): number {
    const n = node && ('range' in node ? node : (node as Pair).key as YamlNode);
    const offset = n && 'range' in n && n.range ? n.range[0] : 0;
    return this.lines.linePos(offset).line;
  }

  /** A mistake in what the spec asks for: USAGE, as the same mistake in a flag would be. */
  fail(node: YamlNode | Pair | null | undefined, message: string): never {
    throw usage(`${this.name} line ${this.lineOf(node)}: ${message}`);
  }

  /** Re-throws a core parser's complaint with the place it came from. */
  wrap<T>(node: YamlNode | null | undefined, where: string, fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      if (e instanceof KymanError) throw new KymanError(e.code, `${this.name} line ${this.lineOf(node)}: ${where}: ${e.message}`, { cause: e });
      throw e;
    }
  }

  fields(map: YAMLMap, known: readonly string[], what: string): Map<string, Pair> {
    const out = new Map<string, Pair>();
    for (const pair of map.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
      if (key === undefined) this.fail(pair, `a field name in ${what} must be a plain word`);
      if (!known.includes(key)) this.fail(pair, `unknown field "${key}" in ${what}${suggest(key, known)}`);
      out.set(key, pair);
    }
    return out;
  }

  map(node: unknown, what: string, at: YamlNode | Pair | null | undefined): YAMLMap {
    if (!isMap(node)) this.fail((node as YamlNode) ?? at, `${what} must be a mapping of fields`);
    return node;
  }

  string(pair: Pair | undefined, what: string): string | undefined {
    if (!pair) return undefined;
    const v = pair.value;
    if (!isScalar(v) || (typeof v.value !== 'string' && typeof v.value !== 'number') || String(v.value).trim() === '') {
      this.fail(pair, `${what} must be a non-empty text`);
    }
    return String(v.value);
  }

  integer(pair: Pair | undefined, what: string, min: number, max: number): number | undefined {
    if (!pair) return undefined;
    const v = pair.value;
    if (!isScalar(v) || typeof v.value !== 'number' || !Number.isInteger(v.value) || v.value < min || v.value > max) {
      this.fail(pair, `${what} must be a whole number from ${min} to ${max}`);
    }
    return v.value;
  }

  boolean(pair: Pair | undefined, what: string): boolean | undefined {
    if (!pair) return undefined;
    const v = pair.value;
    if (!isScalar(v) || typeof v.value !== 'boolean') this.fail(pair, `${what} must be true or false`);
    return v.value;
  }

  duration(pair: Pair | undefined, what: string): number | undefined {
    if (!pair) return undefined;
    const v = pair.value;
    const ms = isScalar(v) && (typeof v.value === 'string' || typeof v.value === 'number') ? parseDuration(v.value) : undefined;
    if (ms === undefined) this.fail(pair, `${what} must be a duration such as 30d, 12h or 90m`);
    return ms;
  }

  key(pair: Pair | undefined, what: string): { key: KeySpec; text: string } | undefined {
    const text = this.string(pair, what);
    if (text === undefined) return undefined;
    const key = parseKeySpec(text);
    if (!key) this.fail(pair, `${what} "${text}" is not a key type: use one of ${KEY_SPECS.join(', ')}`);
    return { key, text: text.trim().toLowerCase() };
  }

  profile(pair: Pair | undefined, what: string): CertificateProfile | undefined {
    const text = this.string(pair, what);
    return text === undefined ? undefined : this.wrap(pair!.value as YamlNode, what, () => parseProfile(text));
  }
}

/**
 * Parses the text of a spec file. BAD_INPUT when it is not YAML or JSON at all (a damaged file);
 * USAGE for a spec that reads but asks for something wrong: an unknown field, issuer or key type,
 * a cycle, a duplicate label. Both name the line. `specFile` resolves the databases' paths.
 */
export function parsePkiSpec(text: string, specFile: string): PkiSpec {
  const name = path.basename(specFile);
  const r: SpecReader = new SpecReader(name);
  // JSON is YAML 1.2 flow syntax, so one parser serves both and gives lines for both.
  const doc = parseDocument(text, { lineCounter: r.lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    const e = doc.errors[0];
    const line = e.linePos?.[0]?.line ?? r.lines.linePos(e.pos[0]).line;
    const dup = /unique/i.test(e.message);
    const message = `${name} line ${line}: ${dup ? 'a field is given twice' : `not valid YAML or JSON: ${e.message.split('\n')[0]}`}`;
    throw dup ? usage(message) : badInput(message);
  }
  if (doc.contents === null) throw usage(`${name} is empty: it needs "databases" and "certificates"`);
  if (!isMap(doc.contents)) throw badInput(`${name} line 1: a spec is a mapping with "databases" and "certificates", not a ${isSeq(doc.contents) ? 'list' : 'value'}`);
  const top = r.fields(doc.contents, TOP_FIELDS, 'the spec');
  const version = top.get('version');
  if (version && !(isScalar(version.value) && version.value.value === 1)) r.fail(version, 'version must be 1');

  // Defaults every certificate inherits.
  let defaultKey = { key: { type: 'ec', curve: 'P-256' } as KeySpec, text: 'ec:p256' };
  let defaultDays = DEFAULT_SPEC_DAYS;
  let defaultRenew: number | undefined;
  let defaultProfile: CertificateProfile | undefined;
  const defaults = top.get('defaults');
  if (defaults) {
    const d = r.fields(r.map(defaults.value, '"defaults"', defaults), DEFAULT_FIELDS, '"defaults"');
    defaultKey = r.key(d.get('key'), 'key') ?? defaultKey;
    defaultDays = r.integer(d.get('days'), 'days', 1, 36500) ?? defaultDays;
    defaultRenew = r.duration(d.get('renewBefore'), 'renewBefore');
    defaultProfile = r.profile(d.get('profile'), 'profile');
  }

  const databases = new Map<string, DatabaseSpec>();
  const dbPair = top.get('databases');
  if (!dbPair) r.fail(doc.contents, 'the spec has no "databases": name at least one key database');
  const dbMap = r.map(dbPair.value, '"databases"', dbPair);
  const files = new Map<string, string>();
  for (const item of dbMap.items) {
    const dbName = isScalar(item.key) ? String(item.key.value) : r.fail(item, 'a database name must be a plain word');
    const f = r.fields(r.map(item.value, `database "${dbName}"`, item), DATABASE_FIELDS, `database "${dbName}"`);
    const fileText = r.string(f.get('file'), `file of database "${dbName}"`) ?? r.fail(item, `database "${dbName}" has no "file"`);
    const file = path.resolve(path.dirname(specFile), fileText);
    if (files.has(file)) r.fail(item, `databases "${files.get(file)}" and "${dbName}" are the same file ${fileText}`);
    files.set(file, dbName);
    const typeText = r.string(f.get('type'), 'type');
    if (typeText !== undefined && typeText !== 'cms' && typeText !== 'pkcs12') r.fail(f.get('type'), `type "${typeText}" of database "${dbName}" must be cms or pkcs12`);
    const type = (typeText as 'cms' | 'pkcs12' | undefined) ?? (/\.(p12|pfx)$/i.test(file) ? 'pkcs12' : 'cms');
    const recordLength = f.has('recordLength') ? r.wrap(f.get('recordLength')!.value as YamlNode, 'recordLength', () => checkRecordLength(Number((f.get('recordLength')!.value as { value?: unknown })?.value))) : undefined;
    if (recordLength !== undefined && type !== 'cms') r.fail(f.get('recordLength'), `recordLength applies to CMS databases only, and "${dbName}" is pkcs12`);
    databases.set(dbName, { name: dbName, file, type, stash: r.boolean(f.get('stash'), 'stash') ?? false, pass: r.string(f.get('pass'), 'pass'), recordLength, line: r.lineOf(item) });
  }
  if (databases.size === 0) r.fail(dbPair, '"databases" is empty: name at least one key database');

  const certPair = top.get('certificates');
  if (!certPair) r.fail(doc.contents, 'the spec has no "certificates"');
  if (!isSeq(certPair.value)) r.fail(certPair, '"certificates" must be a list');
  const raw: (CertificateSpec & { issuerNode?: YamlNode; node: YamlNode })[] = [];
  const byLabel = new Map<string, (typeof raw)[number]>();
  certPair.value.items.forEach((node, i) => {
    const m = r.map(node, `certificate ${i + 1}`, certPair);
    const labelPair = m.items.find((p) => isScalar(p.key) && p.key.value === 'label');
    const label = r.string(labelPair, 'label') ?? r.fail(m, `certificate ${i + 1} has no "label"`);
    r.wrap(labelPair!.value as YamlNode, 'label', () => checkLabel(label));
    const what = `certificate "${label}"`;
    const f = r.fields(m, CERTIFICATE_FIELDS, what);
    const prior = byLabel.get(label);
    if (prior) r.fail(labelPair, `label "${label}" is used twice (first at line ${prior.line})`);
    const database = r.string(f.get('database'), 'database') ?? (databases.size === 1 ? [...databases.keys()][0] : r.fail(m, `${what} has no "database" (there are ${databases.size} to choose from)`));
    if (!databases.has(database)) r.fail(f.get('database'), `${what} names database "${database}", which "databases" does not define${suggest(database, [...databases.keys()]).replace('known fields', 'databases')}`);
    const subject = r.string(f.get('subject'), 'subject') ?? r.fail(m, `${what} has no "subject"`);
    const canonicalSubject = r.wrap(f.get('subject')!.value as YamlNode, `subject of ${what}`, () => formatName(parseName(subject)));
    const sanPair = f.get('san');
    let san: string[] = [];
    if (sanPair) {
      const items = isSeq(sanPair.value) ? sanPair.value.items : [sanPair.value];
      san = items.map((n) => {
        if (!isScalar(n) || typeof n.value !== 'string') r.fail(sanPair, `san of ${what} must be a list of names such as dns:www.example.com`);
        return n.value;
      });
    }
    const canonicalSan = san.map((s, k) => r.wrap((isSeq(sanPair!.value) ? sanPair!.value.items[k] : sanPair!.value) as YamlNode, `san of ${what}`, () => parseSubjectAltName(s))).map(formatGeneralName);
    const canonicalSanSorted = canonicalSans(canonicalSan);
    const key = r.key(f.get('key'), 'key') ?? defaultKey;
    const profile = r.profile(f.get('profile'), 'profile');
    const pathLength = r.integer(f.get('pathLength'), 'pathLength', 0, 100);
    const days = r.integer(f.get('days'), 'days', 1, 36500) ?? defaultDays;
    const lifetime = days * DAY_MS;
    const renewBeforeMs = r.duration(f.get('renewBefore'), 'renewBefore') ?? defaultRenew ?? Math.min(lifetime / 3, MAX_DEFAULT_RENEW_BEFORE_DAYS * DAY_MS);
    if (renewBeforeMs >= lifetime) r.fail(f.get('renewBefore') ?? m, `renewBefore of ${what} is not shorter than its ${days} days: it would be reissued on every run`);
    const issuerPair = f.get('issuer');
    const issuer = r.string(issuerPair, 'issuer');
    const spec = {
      label, database, issuer, subject, canonicalSubject, san, canonicalSan: canonicalSanSorted, key: key.key, keyText: key.text,
      profile: profile ?? ('' as CertificateProfile), pathLength, days, renewBeforeMs, line: r.lineOf(node as YamlNode),
      issuerNode: issuerPair?.value as YamlNode | undefined, node: node as YamlNode,
    };
    byLabel.set(label, spec);
    raw.push(spec);
  });
  if (raw.length === 0) r.fail(certPair, '"certificates" is empty');

  // Issuers: known, CA, and without cycles; then the order issuers-first.
  const issuing = new Set(raw.filter((c) => c.issuer !== undefined).map((c) => c.issuer!));
  for (const c of raw) {
    if (c.issuer !== undefined) {
      if (c.issuer === c.label) r.fail(c.issuerNode, `certificate "${c.label}" names itself as issuer: leave "issuer" out for a self-signed certificate`);
      if (!byLabel.has(c.issuer)) r.fail(c.issuerNode, `certificate "${c.label}" names issuer "${c.issuer}", which is not a certificate of this spec${suggest(c.issuer, [...byLabel.keys()]).replace('known fields', 'labels')}`);
    }
  }
  // Profiles after every issuer is known, so a misspelt issuer is reported as that, not as a CA's missing profile.
  for (const c of raw) {
    if (!c.profile) c.profile = issuing.has(c.label) ? 'ca' : (defaultProfile ?? (c.issuer === undefined ? 'ca' : 'any'));
    if (issuing.has(c.label) && c.profile !== 'ca') r.fail(c.node, `certificate "${c.label}" issues other certificates, so its profile must be ca, not ${c.profile}`);
    if (c.pathLength !== undefined && c.profile !== 'ca') r.fail(c.node, `pathLength of certificate "${c.label}" applies to the ca profile only (RFC 5280 §4.2.1.9)`);
  }
  const ordered: CertificateSpec[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (c: (typeof raw)[number], trail: string[]) => {
    const s = state.get(c.label);
    if (s === 'done') return;
    if (s === 'visiting') {
      const cycle = [...trail.slice(trail.indexOf(c.label)), c.label];
      r.fail(c.issuerNode, `issuers form a cycle: ${cycle.join(' → ')}`);
    }
    state.set(c.label, 'visiting');
    if (c.issuer !== undefined) visit(byLabel.get(c.issuer)!, [...trail, c.label]);
    state.set(c.label, 'done');
    const { issuerNode: _i, node: _n, ...clean } = c;
    ordered.push(clean);
  };
  for (const c of raw) visit(c, []);
  return { name, databases, certificates: ordered };
}

/** The canonical form of SANs read from a certificate, to compare with a spec's. */
export function canonicalSans(sans: readonly string[]): string[] {
  return sans.map((s) => (s.startsWith('dns:') ? s.toLowerCase() : s)).sort();
}
