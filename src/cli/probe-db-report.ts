// `tls probe --db`'s section of the report: the server's chain as the key database sees it.

import type { DatabaseComparison } from '../core/tools/endpoint-probe/db-compare.js';
import { fields, out } from './output.js';

/** The "Key database" section: the leaf's entry, its key, other certificates for the same key or subject, and the database's trust. */
export function databaseSection(c: DatabaseComparison): string {
  const related = c.related.map((r) => `"${r.label}" (same ${r.shares}, ${r.age === 'same' ? 'same age' : `${r.age} than the server's`}${r.hasPrivateKey ? ', with its key' : ''})`);
  return [
    out.bold(`\nKey database ${c.database}`),
    fields([
      ['Server certificate', c.label !== undefined ? `in the database as "${c.label}"` : out.red('not in the database')],
      ['Private key', c.label === undefined ? '-' : c.hasPrivateKey ? 'in the database' : out.yellow('not in the database')],
      ['Same key or subject', related.length ? related.join('\n') : undefined],
      ['Database trust', c.trust.valid ? `accepts the chain: path to ${c.trust.anchorLabel !== undefined ? `"${c.trust.anchorLabel}" (${c.trust.anchor})` : c.trust.anchor}` : out.red(`would not accept the chain: ${c.trust.reason}`)],
    ]),
  ].join('\n');
}
