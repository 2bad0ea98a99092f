/** pgv's own version, from package.json. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from './util/paths.js';

/** The version of this pgv. */
export const pgvVersion: string = (JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;
