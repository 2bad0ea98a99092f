/**
 * The `deltas` recipe (pum): a directory of `delta_<x.y.z>[_description].sql` (or `.py`, a pum
 * DeltaPy), with optional `.pre.sql` / `.post.sql` (`.pre.py` / `.post.py`) companions run before
 * and after the main file of their version, and `pre-all.sql` / `post-all.sql` (or `.py`) run
 * around every upgrade that applies at least one delta.
 * Versions compare as numbers, component by component (`10.0.0` after `2.0.0`).
 */
import path from 'node:path';
import { compareVersions } from '../util/versions.js';
import { prepareScript } from '../sql/script.js';
import { matchesAny } from '../util/glob.js';
import { isPumModule, readPumModule } from './pum-module.js';
import { listFiles, readScriptFile } from './read.js';
import { scriptProblems, scriptsInvalid, sqlScript } from './script-file.js';
import type { Script, ScriptSet } from './types.js';
import type { PlaceholderOptions } from './variables.js';

/** A delta file, classified by its name. */
export interface DeltaName {
  readonly name: string;
  readonly version: string;
  readonly description: string;
  readonly phase: 'pre' | 'delta' | 'post';
}

/** The files of a delta directory, classified by name. Pure. */
export interface DeltaFiles {
  readonly deltas: readonly DeltaName[];
  readonly preAll?: string;
  readonly postAll?: string;
  readonly problems: readonly string[];
}

const deltaPattern = /^delta_(\d+(?:\.\d+)*)(?:_+(\w*))?\.(pre\.sql|sql|post\.sql|pre\.py|py|post\.py)$/;
const phaseOrder = { pre: 0, delta: 1, post: 2 } as const;

/**
 * Classify file names; every file must be a delta, pre-all/post-all, or match `ignoreFiles`.
 * Several files of one version and phase run in name order (as pum does). A version keeps its
 * spelling (`01.2.0` stays `01.2.0`, as pum records it) and compares as numbers.
 */
export function classifyDeltaFiles(names: readonly string[], ignoreFiles: readonly string[]): DeltaFiles {
  const deltas: DeltaName[] = [];
  const problems: string[] = [];
  let preAll: string | undefined;
  let postAll: string | undefined;
  const around = (name: string, kept: string | undefined): string => {
    // pgv runs one script before and one after an upgrade: pum's pair of .py and .sql would need two.
    if (kept) problems.push(`${kept} and ${name}: one ${name.startsWith('pre') ? 'pre' : 'post'}-all script per directory; merge them into one`);
    return name;
  };
  for (const name of names) {
    if (matchesAny(name, ignoreFiles)) continue;
    if (name === 'pre-all.sql' || name === 'pre-all.py') preAll = around(name, preAll);
    else if (name === 'post-all.sql' || name === 'post-all.py') postAll = around(name, postAll);
    else {
      const m = deltaPattern.exec(name);
      if (m) {
        const ext = m[3]!;
        deltas.push({ name, version: m[1]!, description: m[2] ?? '', phase: ext.startsWith('pre.') ? 'pre' : ext.startsWith('post.') ? 'post' : 'delta' });
      } else {
        problems.push(`${name}: not a delta file name (delta_<x.y.z>[_description][.pre|.post].sql or .py, pre-all.sql, post-all.sql); rename it, or list it in ignore_files`);
      }
    }
  }
  deltas.sort((a, b) => compareVersions(a.version, b.version) || phaseOrder[a.phase] - phaseOrder[b.phase] || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { deltas, ...(preAll ? { preAll } : {}), ...(postAll ? { postAll } : {}), problems };
}

/**
 * Read a delta directory into its scripts; PgvError (before anything runs) on any problem in the
 * file names. Each script is hashed; it is prepared (and its problems found) when the plan runs it
 * (script-file.ts), or at once for all when the directory has problems anyway.
 */
export function readDeltaDirectory(directory: string, options: { ignoreFiles: readonly string[]; placeholders: PlaceholderOptions }): ScriptSet {
  if (isPumModule(directory)) return readPumModule(directory, options.placeholders.values);
  const files = classifyDeltaFiles(listFiles(directory), options.ignoreFiles);
  const problems = [...files.problems];
  // An empty directory is a wrong path or a missing checkout, not a database at "version none".
  if (files.deltas.length === 0 && files.problems.length === 0) problems.push('no delta files (delta_<x.y.z>[_description].sql): check the path of the part\'s deltas directory');
  const load = (name: string, version: string, kind: Script['kind'], description?: string): Script => {
    const file = path.join(directory, name);
    const content = readScriptFile(file);
    // A pum DeltaPy: run by lib/hooks in Python, never sent as SQL; its placeholders are Python's business.
    if (name.endsWith('.py')) {
      return { name, path: file, version, kind, checksum: content.checksum, md5: content.md5, ...(description !== undefined ? { description } : {}), language: 'python', prepared: prepareScript('') };
    }
    return sqlScript({ name, path: file, version, kind, ...(description !== undefined ? { description } : {}) }, content, options.placeholders);
  };
  const updates = files.deltas.map((d) => load(d.name, d.version, d.phase, d.description));
  const latest = updates.length ? updates[updates.length - 1]!.version : null;
  const preAll = files.preAll ? load(files.preAll, latest ?? '0', 'pre-all') : undefined;
  const postAll = files.postAll ? load(files.postAll, latest ?? '0', 'post-all') : undefined;
  // The directory is refused anyway: say everything that is wrong in it at once.
  if (problems.length) throw scriptsInvalid(directory, 'delta directory', [...problems, ...scriptProblems([...updates, ...(preAll ? [preAll] : []), ...(postAll ? [postAll] : [])])]);
  return { directory, updates, preconditions: new Map(), latest, ...(preAll ? { preAll } : {}), ...(postAll ? { postAll } : {}) };
}
