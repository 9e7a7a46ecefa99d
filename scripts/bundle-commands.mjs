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
 * Left to Node's resolver: oclif's plugins (help, autocomplete, not-found), which load their own
 * @oclif/core when they run, and pkcs11js, a native addon.
 */
const EXTERNAL = ['@oclif/plugin-*', 'pkcs11js'];

/**
 * @oclif/core in one ES module: its hundred-odd CommonJS modules cost more to resolve and read
 * than the rest of a command's start. package.json's "imports" names it `#oclif-core` for
 * bin/run.js and for every bundle, whatever its folder, so they all share this one copy. An ES
 * module rather than CommonJS, because Node scans a CommonJS file's whole text for its exports
 * when an ES module imports it. It exports what kyman's code imports (a name missing here fails
 * `oclif manifest` at the end of the build). It sits directly in dist/ because oclif reads
 * `../package.json` from its own folder (failing soft) for its version. The optional TypeScript
 * loaders it requires for development stay outside.
 */
const OCLIF_CORE = {
  specifier: '#oclif-core',
  file: path.join(dist, 'oclif-core.js'),
  exports: ['Args', 'Command', 'Errors', 'Flags', 'execute'],
  optional: ['typescript', 'ts-node', 'tsx', 'tsx/*'],
};

/**
 * What a bundled CommonJS module expects of its surroundings, which an ES module does not have:
 * require() (for Node's built-in modules), and for oclif its own file and folder.
 */
const COMMONJS_BANNER =
  "import { createRequire as __kymanCreateRequire } from 'node:module'; import { fileURLToPath as __kymanFileURLToPath } from 'node:url'; " +
  'const require = __kymanCreateRequire(import.meta.url); const __filename = __kymanFileURLToPath(import.meta.url); ' +
  "const __dirname = __kymanFileURLToPath(new URL('.', import.meta.url));";

/** Points the commands' `@oclif/core` imports at the bundled copy. */
const sharedOclif = {
  name: 'shared-oclif-core',
  setup(b) {
    b.onResolve({ filter: /^@oclif\/core$/ }, () => ({ path: OCLIF_CORE.specifier, external: true }));
  },
};


function jsFiles(dir) {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.js'))
    .map((e) => path.join(e.parentPath ?? e.path, e.name));
}

await build({
  stdin: { contents: `export { ${OCLIF_CORE.exports.join(', ')} } from '@oclif/core';`, resolveDir: '.', loader: 'js' },
  outfile: OCLIF_CORE.file,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: OCLIF_CORE.optional,
  banner: { js: COMMONJS_BANNER },
  logLevel: 'warning',
});

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
  plugins: [sharedOclif],
  banner: { js: COMMONJS_BANNER },
  // No keepNames: it wraps every function and class in a renaming call as it is made, closures made
  // per handshake in the TLS engine among them (7% of `kyman tls server`'s CPU per handshake here).
  // kyman reads no function's .name; a name esbuild changed to avoid a clash shows only in a stack trace.
  logLevel: 'warning',
  metafile: Boolean(process.env.KYMAN_BUNDLE_META),
});

// KYMAN_BUNDLE_META=FILE: esbuild's account of which module went into which output, to see what a command loads.
if (process.env.KYMAN_BUNDLE_META) writeFileSync(process.env.KYMAN_BUNDLE_META, JSON.stringify(result.metafile));
