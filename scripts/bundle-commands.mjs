// Bundles each built command (and the not-found hook) with what it imports, so a command starts without resolving and reading hundreds of modules.
//
// Runs after tsc, over its output: dist/commands/**/*.js and dist/cli/command-not-found.js are
// replaced by bundles in place, and the code two or more of them share goes to dist/chunks/
// (outside dist/commands, so oclif does not take a chunk for a command). dist/core stays tsc's
// output: it is the library's public API, used module by module.

import { build } from 'esbuild';
import { readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

const dist = 'dist';

/**
 * Left to Node's resolver: oclif and its plugins must share the one @oclif/core that bin/run.js
 * loads (commands subclass its Command, plugins hand it their commands), and pkcs11js is a native
 * addon.
 */
const EXTERNAL = ['@oclif/*', 'pkcs11js'];

/**
 * Bundled CommonJS packages call require() for Node's built-in modules; an ES module has none,
 * so each output file makes one.
 */
const REQUIRE_BANNER = "import { createRequire as __kymanCreateRequire } from 'node:module'; const require = __kymanCreateRequire(import.meta.url);";

function jsFiles(dir) {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.js'))
    .map((e) => path.join(e.parentPath ?? e.path, e.name));
}

const result = await build({
  entryPoints: [...jsFiles(path.join(dist, 'commands')), path.join(dist, 'cli', 'command-not-found.js')],
  outdir: dist,
  outbase: dist,
  allowOverwrite: true,
  bundle: true,
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: EXTERNAL,
  banner: { js: REQUIRE_BANNER },
  // Error classes and a few checks read constructor names; bundling must not rename them.
  keepNames: true,
  logLevel: 'warning',
  metafile: Boolean(process.env.KYMAN_BUNDLE_META),
});

// KYMAN_BUNDLE_META=FILE: esbuild's account of which module went into which output, to see what a command loads.
if (process.env.KYMAN_BUNDLE_META) writeFileSync(process.env.KYMAN_BUNDLE_META, JSON.stringify(result.metafile));
