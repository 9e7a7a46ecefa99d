// The NSS key log file (SSLKEYLOGFILE) the test client and server append session secrets to, for Wireshark.

import { appendFileSync, closeSync, openSync, fchmodSync } from 'node:fs';
import { usage } from '../errors.js';

/** A key log sink that appends NSS key log lines to `file`, creating it 0600 (Wireshark reads it while it grows). */
export function keyLogFile(file: string): (line: string) => void {
  try {
    const fd = openSync(file, 'a', 0o600);
    fchmodSync(fd, 0o600);
    closeSync(fd);
  } catch (e) {
    throw usage(`cannot write the key log file ${file}: ${(e as Error).message}`, e);
  }
  return (line) => appendFileSync(file, `${line}\n`, { mode: 0o600 });
}
