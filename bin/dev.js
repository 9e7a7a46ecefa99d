#!/usr/bin/env -S node --import tsx --no-warnings
import { execute } from '@oclif/core';

// A bare `kyman` on a terminal opens the menu; anywhere else it prints the help (as bin/run.js).
const argv = process.argv.slice(2);
const bare = argv.length === 0 && process.stdin.isTTY && process.stdout.isTTY;
await execute({ development: true, dir: import.meta.url, args: bare ? ['menu'] : argv });
