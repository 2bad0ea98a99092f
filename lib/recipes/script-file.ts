/**
 * A SQL script as the schema and deltas recipes read it: its name, version and sha256 at once, its
 * text prepared for running (placeholders filled, statements found) only when asked. The planner
 * asks for the scripts it plans to run; a script that is applied already is hashed, never lexed,
 * and its text is not kept: an object per script holds its checksum and where the file is. When
 * prepared, the file is read again and must still have the checksum it was planned with.
 */
import type { Part } from '../config/types.js';
import { PgvError } from '../errors.js';
import type { Step } from '../plan/types.js';
import { describeProblems, prepareScript, type PreparedScript } from '../sql/script.js';
import { readScriptFile, type FileContent } from './read.js';
import type { Script, ScriptSet } from './types.js';
import { fillPlaceholders, type PlaceholderOptions } from './variables.js';

/** What a script is besides its content. */
export type ScriptFields = Pick<Script, 'name' | 'path' | 'version' | 'kind'> & { readonly description?: string };

/** A SQL script read from `content` (the file at `fields.path`), prepared on first use of `prepared`. */
export function sqlScript(fields: ScriptFields, content: FileContent, placeholders: PlaceholderOptions): Script {
  return new SqlScript(fields, content.checksum, placeholders);
}

/**
 * One class for every script read (its accessors on the prototype: 10,000 scripts share one
 * object layout). The text is not kept: read again when needed, it must still be the file that
 * was hashed.
 */
class SqlScript implements Script {
  readonly name: string;
  readonly path: string;
  readonly version: string;
  readonly kind: Script['kind'];
  readonly description?: string;
  #md5: string | undefined;
  #prepared: PreparedScript | undefined;

  constructor(
    fields: ScriptFields,
    readonly checksum: string,
    private readonly placeholders: PlaceholderOptions,
  ) {
    this.name = fields.name;
    this.path = fields.path;
    this.version = fields.version;
    this.kind = fields.kind;
    if (fields.description !== undefined) this.description = fields.description;
  }

  get md5(): string {
    return (this.#md5 ??= this.again().md5);
  }

  get prepared(): PreparedScript {
    if (this.#prepared) return this.#prepared;
    const filled = fillPlaceholders(this.again().text, this.placeholders);
    const ready = prepareScript(filled.text);
    this.#prepared = filled.problems.length ? { ...ready, problems: [...filled.problems, ...ready.problems] } : ready;
    return this.#prepared;
  }

  private again(): FileContent {
    const now = readScriptFile(this.path);
    if (now.checksum !== this.checksum) {
      throw new PgvError('refused', `${this.name} changed while pgv was planning (checksum ${now.checksum.slice(0, 12)}…, read as ${this.checksum.slice(0, 12)}…)`, {
        hint: 'Plan again: run apply again (or pgv plan to see what it would run).',
        data: { script: this.name },
      });
    }
    return now;
  }
}

/** Every script of a set, in the order they would run from an empty database. */
function scriptsOf(scripts: ScriptSet): Script[] {
  return [...(scripts.init ? [scripts.init] : []), ...(scripts.preAll ? [scripts.preAll] : []), ...scripts.updates, ...(scripts.postAll ? [scripts.postAll] : [])];
}

/** Problems of scripts, as the readers report them: `name:line[:column]: message`. */
export function scriptProblems(scripts: readonly Script[]): string[] {
  return scripts.flatMap((s) => (s.language === 'python' ? [] : describeProblems(s.name, s.prepared.problems)));
}

/** The error of a directory with problems (nothing has run). */
export function scriptsInvalid(directory: string, what: string, problems: readonly string[]): PgvError {
  return new PgvError('scripts_invalid', `${directory}: ${problems.length} problem${problems.length === 1 ? '' : 's'} in the ${what}`, {
    details: [...problems],
    hint: 'Fix the files named above; nothing has been run.',
    data: { directory },
  });
}

/**
 * Prepare the scripts `steps` run. Throws the reader's
 * error (scripts_invalid) when one of those to run has a problem: before anything runs, as when
 * every script was prepared on reading.
 */
export function prepareToRun(part: Part, scripts: ScriptSet, steps: readonly Step[]): void {
  const byName = new Map(scriptsOf(scripts).map((s) => [s.name, s]));
  const run: Script[] = [];
  for (const step of steps) {
    if (step.kind !== 'run-script') continue;
    const s = byName.get(step.script);
    if (s) {
      run.push(s);
      byName.delete(step.script);
    }
  }
  refuseProblems(part, scripts, run);
}

/** Prepare every script of a set (`pgv lint --all`); scripts_invalid as prepareToRun. */
export function prepareAll(part: Part, scripts: ScriptSet): void {
  refuseProblems(part, scripts, scriptsOf(scripts));
}

function refuseProblems(part: Part, scripts: ScriptSet, list: readonly Script[]): void {
  const problems = scriptProblems(list);
  if (problems.length) throw scriptsInvalid(scripts.directory, scripts.pumModule ? 'pum module' : part.recipe === 'schema' ? 'schema directory' : 'delta directory', problems);
}
