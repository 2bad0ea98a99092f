/**
 * The `schema` recipe (gocept.rdbmanagement): a directory with init.sql, update1.sql …
 * updateN.sql and preconditionN.{sql,js,mjs,py}. init.sql builds the current schema on an empty
 * database and sets the generation to N; updateN.sql runs from generation N-1.
 */
import path from 'node:path';
import { listFiles, readScriptFile } from './read.js';
import { scriptProblems, scriptsInvalid, sqlScript } from './script-file.js';
import { schemaLookAlike } from './look-alike.js';
import { matchesAny } from '../util/glob.js';
import type { Precondition, Script, ScriptSet } from './types.js';
import type { PlaceholderOptions } from './variables.js';

/** The files of a schema directory, classified by name. Pure. */
export interface SchemaFiles {
  readonly init?: string;
  readonly updates: ReadonlyArray<{ n: number; name: string }>;
  readonly preconditions: ReadonlyArray<{ n: number; name: string; language: Precondition['language'] }>;
  readonly problems: readonly string[];
}

/**
 * Classify file names. A name that looks like a script but is not spelled as one (`Update10.sql`,
 * `update_10.sql`) is a problem unless `ignoreFiles` matches it; other files (README,
 * __init__.py) are left alone.
 */
export function classifySchemaFiles(names: readonly string[], ignoreFiles: readonly string[] = []): SchemaFiles {
  const updates: Array<{ n: number; name: string }> = [];
  const preconditions: Array<{ n: number; name: string; language: Precondition['language'] }> = [];
  const problems: string[] = [];
  let init: string | undefined;
  for (const name of names) {
    if (matchesAny(name, ignoreFiles)) continue;
    const lookAlike = schemaLookAlike(name);
    if (lookAlike) problems.push(`${name}: ${lookAlike.problem}; or list it in the part's ignore_files to keep it`);
    if (name === 'init.sql') init = name;
    const u = /^update(\d+)\.sql$/.exec(name);
    if (u) updates.push({ n: Number(u[1]), name });
    const p = /^precondition(\d+)\.(sql|js|mjs|py)$/.exec(name);
    if (p) preconditions.push({ n: Number(p[1]), name, language: p[2] === 'sql' ? 'sql' : p[2] === 'py' ? 'python' : 'js' });
  }
  updates.sort((a, b) => a.n - b.n);
  for (let k = 1; k < updates.length; k++) {
    if (updates[k]!.n === updates[k - 1]!.n) problems.push(`${updates[k - 1]!.name} and ${updates[k]!.name} both are update ${updates[k]!.n}`);
  }
  const max = updates.length ? updates[updates.length - 1]!.n : 0;
  const present = new Set(updates.map((u) => u.n));
  const missing: number[] = [];
  for (let k = 1; k <= max; k++) if (!present.has(k)) missing.push(k);
  if (missing.length) {
    problems.push(`update${missing[0]}.sql is missing: updates must be numbered 1, 2, 3 … without gaps${missing.length > 1 ? ` (also missing: ${missing.slice(1, 6).map((m) => `update${m}.sql`).join(', ')}${missing.length > 6 ? ', …' : ''})` : ''}`);
  }
  if (updates.some((u) => u.n === 0)) problems.push('update0.sql: updates start at 1 (init.sql builds generation 0 and up)');
  const seen = new Map<number, string>();
  for (const p of preconditions) {
    if (seen.has(p.n)) problems.push(`${seen.get(p.n)} and ${p.name} both guard update ${p.n}`);
    seen.set(p.n, p.name);
    if (!present.has(p.n)) problems.push(`${p.name} guards update${p.n}.sql, which does not exist`);
  }
  if (!init && updates.length === 0) problems.push('no init.sql and no updateN.sql');
  return { ...(init ? { init } : {}), updates, preconditions, problems };
}

/**
 * Read a schema directory into its scripts; PgvError (before anything runs) on any problem in the
 * file names. Each script is hashed; it is prepared (and its problems found) when the plan runs it
 * (script-file.ts), or at once for all when the directory has problems anyway.
 */
export function readSchemaDirectory(directory: string, placeholders: PlaceholderOptions = { values: {}, pum: false }, ignoreFiles: readonly string[] = []): ScriptSet {
  const files = classifySchemaFiles(listFiles(directory), ignoreFiles);
  const problems = [...files.problems];
  const latest = files.updates.length ? String(files.updates[files.updates.length - 1]!.n) : '0';
  // path.join(directory, name) for names read from the directory, without normalizing each time.
  const base = path.join(directory, path.sep);
  const load = (name: string, version: string, kind: Script['kind']): Script => {
    const file = base + name;
    return sqlScript({ name, path: file, version, kind }, readScriptFile(file), placeholders);
  };
  const init = files.init ? load(files.init, latest, 'init') : undefined;
  const updates = files.updates.map((u) => load(u.name, String(u.n), 'update'));
  const preconditions = new Map<string, Precondition>();
  for (const p of files.preconditions) {
    const file = base + p.name;
    preconditions.set(String(p.n), {
      name: p.name,
      path: file,
      version: String(p.n),
      language: p.language,
      ...(p.language === 'sql' ? { text: readScriptFile(file).text } : {}),
    });
  }
  // The directory is refused anyway: say everything that is wrong in it at once.
  if (problems.length) throw scriptsInvalid(directory, 'schema directory', [...problems, ...scriptProblems([...(init ? [init] : []), ...updates])]);
  return { directory, ...(init ? { init } : {}), updates, preconditions, latest: files.updates.length || init ? latest : null };
}
