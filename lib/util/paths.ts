/** Locations inside the installed pgv package. */
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The package root (where package.json and schemas/ live), from dist/lib/util/. */
export const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Absolute path of a file under schemas/. */
export function schemaPath(name: string): string {
  return path.join(packageRoot, 'schemas', name);
}
