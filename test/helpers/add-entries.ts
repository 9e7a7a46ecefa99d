// A child process for the concurrency and crash tests: adds N self-signed entries to a database.
import { openKeyStore, createSelfSignedEntry } from '../../src/core/index.js';

const [file, prefix, countText] = process.argv.slice(2);
const store = await openKeyStore(file, { password: 'concurrency-pass', lockTimeoutMs: 120_000 });
for (let i = 0; i < Number(countText); i++) {
  await createSelfSignedEntry(store, `${prefix}-${i}`, { subject: `CN=${prefix}-${i}` });
  process.stdout.write(`saved ${i + 1}\n`);
}
