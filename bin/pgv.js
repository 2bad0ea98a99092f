#!/usr/bin/env node
// The `pgv` command as npm links it (package.json's `bin`). A committed, executable file, so the
// link npm makes always has a target, whatever state the build is in; the command line itself is
// esbuild's bundle, dist/bin/pgv.js (scripts/bundle-cli.mjs), which runs when imported from here.
import { existsSync } from 'node:fs';

const bundle = new URL('../dist/bin/pgv.js', import.meta.url);
if (!existsSync(bundle)) {
  process.stderr.write(`pgv: ${bundle.pathname} is missing: pgv is not built. Run \`npm ci\` (or \`npm run build\`) in ${new URL('..', import.meta.url).pathname}\n`);
  process.exit(70);
}
await import(bundle.href);
