// A whole PKI from one spec file: parse it strictly, compare it with the databases, make what is missing.

import { readFileOrFail } from '../keystore/file-io.js';
import { parsePkiSpec, type PkiSpec } from './spec.js';

export { parsePkiSpec, parseDuration, DEFAULT_SPEC_DAYS, MAX_DEFAULT_RENEW_BEFORE_DAYS } from './spec.js';
export type { PkiSpec, DatabaseSpec, CertificateSpec } from './spec.js';
export { applyPkiSpec } from './apply.js';
export type { ApplyPkiOptions, PkiPlan, PkiResult, PkiProgress, PlanAction, PlannedCertificate, PlannedChainCopy } from './apply.js';

/** Reads and parses a spec file; database paths in it are relative to its folder. */
export async function loadPkiSpec(file: string): Promise<PkiSpec> {
  const bytes = await readFileOrFail(file, 'PKI spec');
  return parsePkiSpec(Buffer.from(bytes).toString('utf8'), file);
}
