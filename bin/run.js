#!/usr/bin/env node
// `kyman --version` answers before loading the framework, so scripts that probe for kyman stay fast.
const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
  const { readFileSync } = await import('node:fs');
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  process.stdout.write(`${pkg.name}/${pkg.version} ${process.platform}-${process.arch} node-${process.version}\n`);
} else {
  // oclif checks Node against its own engines range (>=18) by setting up semver's 47 modules, at
  // every start; kyman's own range (>=20.18, in package.json) is the stricter one anyway.
  process.env.OCLIF_DISABLE_ENGINE_WARNING ??= '1';
  const { execute } = await import('#oclif-core');
  // A bare `kyman` on a terminal opens the menu, as a bare gskkyman does; anywhere else it prints the help.
  const bare = argv.length === 0 && process.stdin.isTTY && process.stdout.isTTY;
  await execute({ dir: import.meta.url, args: bare ? ['menu'] : argv });
}
