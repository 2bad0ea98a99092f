/**
 * A deltas part's `reference:` files: SQL that builds the current schema from nothing (what pum's
 * projects keep as their "init" scripts). They run in order into an empty database, each as one
 * script, to build the reference that `pgv check PART` and `test-and-upgrade` compare with.
 */
import path from 'node:path';
import type { Part } from '../config/types.js';
import { PgvError } from '../errors.js';
import { describeProblems, prepareScript } from '../sql/script.js';
import { readScriptFile } from './read.js';
import type { Script, ScriptSet } from './types.js';
import { fillPlaceholders } from './variables.js';

/** The reference files of a part as scripts, all at `version` (the version they build). */
export function readReferenceScripts(part: Part, version: string): ScriptSet {
  const problems: string[] = [];
  const scripts: Script[] = part.reference.map((file) => {
    const name = path.basename(file);
    const content = readScriptFile(file);
    const filled = fillPlaceholders(content.text, { values: part.variables, pum: part.pumPlaceholders });
    for (const p of filled.problems) problems.push(`${name}:${p.line}: ${p.message}`);
    const prepared = prepareScript(filled.text);
    problems.push(...describeProblems(name, prepared.problems));
    return { name, path: file, version, kind: 'init', checksum: content.checksum, md5: content.md5, prepared };
  });
  if (problems.length) {
    throw new PgvError('scripts_invalid', `part ${part.name}: ${problems.length} problem${problems.length === 1 ? '' : 's'} in its reference files`, { details: problems, hint: 'Fix the files named above; nothing has been run.' });
  }
  return { directory: path.dirname(part.reference[0] ?? part.directory), updates: scripts, preconditions: new Map(), latest: version };
}
