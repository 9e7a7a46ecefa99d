// The NSS key log file (SSLKEYLOGFILE) the test client and server append session secrets to, for Wireshark.

import { closeSync, constants as fsConstants, fstatSync, openSync, statSync, writeSync, type Stats } from 'node:fs';
import { usage } from '../errors.js';

/** What a file that is not a regular file is, in a person's words. */
function kindOf(stat: Stats): string {
  if (stat.isDirectory()) return 'a folder';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  if (stat.isFIFO()) return 'a named pipe';
  if (stat.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * A key log sink that appends NSS key log lines to `file` (Wireshark reads it while it grows).
 * A new file is created 0600; an existing regular file is appended to and its mode left as its
 * owner set it (a shared log stays shared). Anything else — a device such as /dev/null, a pipe, a
 * folder — is refused: the log is a file, and kyman does not change what is not its own.
 */
export function keyLogFile(file: string): (line: string) => void {
  const refuse = (why: string, cause?: unknown) => usage(`cannot use ${file} as the key log file: ${why}; give the path of a regular file`, cause);
  const before = statOrUndefined(file);
  if (before && !before.isFile()) throw refuse(`it is ${kindOf(before)}`);
  let fd: number;
  try {
    // O_NONBLOCK: should a pipe be swapped in after the look above, opening it must not hang.
    fd = openSync(file, fsConstants.O_WRONLY | fsConstants.O_APPEND | fsConstants.O_CREAT | fsConstants.O_NONBLOCK, 0o600);
  } catch (e) {
    throw refuse((e as Error).message, e);
  }
  const opened = fstatSync(fd);
  if (!opened.isFile()) {
    closeSync(fd);
    throw refuse(`it is ${kindOf(opened)}`);
  }
  // The descriptor stays open for the life of the process: a path swapped later cannot redirect the secrets.
  return (line) => {
    writeSync(fd, `${line}\n`);
  };
}

function statOrUndefined(file: string): Stats | undefined {
  try {
    return statSync(file);
  } catch {
    return undefined;
  }
}
