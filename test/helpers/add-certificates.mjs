// A child process for the concurrency tests: adds N certificate entries to a database, one locked save each.
// Plain JavaScript over the built library, so that eight of them start in a moment (no TypeScript loader).
//
//   node test/helpers/add-certificates.mjs FILE PREFIX COUNT   (the password comes from KYMAN_TEST_PASSWORD)

import { openKeyDatabase } from '../../dist/core/keystore/open.js';
import { createCertificate } from '../../dist/core/pki/certificate/index.js';

const [file, prefix, countText] = process.argv.slice(2);
const store = await openKeyDatabase(file, { password: process.env.KYMAN_TEST_PASSWORD, lockTimeoutMs: 120_000 });
// One key for every certificate: each entry still differs (subject, serial), and no time goes on key generation.
const key = await store.newKeyPair({ type: 'ec', curve: 'P-256' });
for (let i = 0; i < Number(countText); i++) {
  const label = `${prefix}-${i}`;
  const certificate = await createCertificate(store.provider, { subject: `CN=${label}`, subjectKey: key, days: 30 });
  await store.addCertificate(label, certificate, { trusted: false });
  process.stdout.write(`saved ${i + 1}\n`);
}
