// Loaded with `node --import` into the built kyman binary: counts the file operations it makes on
// one folder, and kills the process with SIGKILL just before the chosen one — a crash at an exact
// step of a save. Plain JavaScript, so that each of the dozens of runs a test makes starts as fast
// as the binary itself, with no TypeScript loader.
//
//   KYMAN_FAULT_DIR=/path        only operations naming a file under this folder are counted
//   KYMAN_FAULT_KILL_AT=N        SIGKILL just before the Nth counted operation
//   KYMAN_FAULT_COUNT_FILE=/f    write how many operations were counted to /f at exit

import { promises as fs, writeFileSync } from 'node:fs';

const dir = process.env.KYMAN_FAULT_DIR;
const killAt = Number(process.env.KYMAN_FAULT_KILL_AT ?? 0);
const countFile = process.env.KYMAN_FAULT_COUNT_FILE;
let count = 0;

function counted(name) {
  count++;
  if (count === killAt) process.kill(process.pid, 'SIGKILL');
}

const inFolder = (p) => typeof p === 'string' && dir !== undefined && p.startsWith(dir);

/** The fs.promises calls that take paths: counted when one of their first two arguments is in the folder. */
const PATH_CALLS = ['open', 'readFile', 'writeFile', 'appendFile', 'rename', 'link', 'unlink', 'rm', 'stat', 'lstat', 'readlink', 'readdir', 'access', 'copyFile', 'mkdir', 'chmod', 'chown', 'truncate', 'utimes'];
/** The FileHandle methods: counted when the handle was opened on a file in the folder. */
const HANDLE_CALLS = ['writeFile', 'write', 'writev', 'readFile', 'read', 'sync', 'datasync', 'close', 'chown', 'chmod', 'truncate', 'stat'];

const tracked = new WeakSet();
const probe = await fs.open('/dev/null', 'r');
const handleProto = Object.getPrototypeOf(probe);
await probe.close();

for (const name of PATH_CALLS) {
  const original = fs[name];
  if (typeof original !== 'function') continue;
  fs[name] = async function (...args) {
    const mine = inFolder(args[0]) || inFolder(args[1]);
    if (mine) counted(name);
    const result = await original.apply(this, args);
    if (mine && name === 'open') tracked.add(result);
    return result;
  };
}

for (const name of HANDLE_CALLS) {
  const original = handleProto[name];
  if (typeof original !== 'function') continue;
  handleProto[name] = function (...args) {
    if (tracked.has(this)) counted(name);
    return original.apply(this, args);
  };
}

if (countFile) process.on('exit', () => writeFileSync(countFile, String(count)));
