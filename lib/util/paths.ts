/** Locations inside the installed pgv package. */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/**
 * The package root (where package.json, schemas/ and dist/ live): the nearest folder above this
 * module that holds a package.json. This module runs from dist/lib/util/ (the library, tsc's
 * output) and from a chunk of the bundled CLI in dist/bin/chunks/, so the depth is not fixed.
 */
export const packageRoot = findPackageRoot(path.dirname(fileURLToPath(import.meta.url)));

function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(from, '..', '..', '..');
  }
}

/** Absolute path of a file that the build puts under dist/ (`distPath('lib', 'check', 'queries')`). */
export function distPath(...parts: string[]): string {
  return path.join(packageRoot, 'dist', ...parts);
}

/** Absolute path of a file under schemas/. */
export function schemaPath(name: string): string {
  return path.join(packageRoot, 'schemas', name);
}
