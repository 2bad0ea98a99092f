/**
 * Linting a part's scripts, as pgv would run them (placeholders filled, psql meta-commands and a
 * wrapping BEGIN … COMMIT blanked, offsets as in the file). Loads the parser on first use.
 */
import path from 'node:path';
import type { Part } from '../config/types.js';
import { PgvError } from '../errors.js';
import type { PartPlan } from '../plan/types.js';
import type { Script, ScriptSet } from '../recipes/types.js';
import { lintScript, type Finding } from './lint.js';
import { loadParser } from './parse.js';
import { defaultLintSettings } from './settings.js';

/** A script to lint and the part whose settings apply (none: the defaults). */
export interface ScriptToLint {
  readonly part?: Part;
  readonly script: Pick<Script, 'name' | 'path' | 'prepared'>;
}

/** Lint scripts; findings name files relative to `cwd` (absolute when outside it). */
export async function lintScripts(items: readonly ScriptToLint[], cwd: string): Promise<Finding[][]> {
  if (items.length === 0) return [];
  const parser = await loadParser();
  return items.map(({ part, script }) =>
    lintScript({ file: displayPath(script.path, cwd), text: script.prepared.sql, transactional: script.prepared.transactional }, part?.lint ?? defaultLintSettings, parser),
  );
}

/** The findings of the scripts a part's plan runs, by step id (steps without findings are left out). */
export async function lintPlannedSteps(parts: ReadonlyArray<{ part: Part; plan: PartPlan; scripts: ScriptSet }>, cwd: string): Promise<Map<string, Finding[]>> {
  const items: Array<ScriptToLint & { step: string }> = [];
  for (const { part, plan, scripts } of parts) {
    for (const step of plan.steps) {
      if (step.kind !== 'run-script') continue;
      const script = scriptNamed(scripts, step.script);
      if (script) items.push({ part, script, step: step.id });
    }
  }
  const findings = await lintScripts(items, cwd);
  const byStep = new Map<string, Finding[]>();
  items.forEach((item, k) => {
    if (findings[k]!.length) byStep.set(item.step, findings[k]!);
  });
  return byStep;
}

/** Every script of a script set, in the order they would run from an empty database. */
export function allScripts(scripts: ScriptSet): Script[] {
  return [...(scripts.init ? [scripts.init] : []), ...(scripts.preAll ? [scripts.preAll] : []), ...scripts.updates, ...(scripts.postAll ? [scripts.postAll] : [])];
}

function scriptNamed(scripts: ScriptSet, name: string): Script | undefined {
  return allScripts(scripts).find((s) => s.name === name);
}

function displayPath(file: string, cwd: string): string {
  const rel = path.relative(cwd, file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

/** The refusal of `pgv apply` when a pending script has a finding at error level (undefined: none). */
export function lintRefusal(byStep: ReadonlyMap<string, readonly Finding[]>): PgvError | undefined {
  // A script the grammar cannot read is left to the server, which reports it as it always has
  // (file:line:col, exit 3) once the scripts before it are applied.
  const errors = [...byStep.values()].flat().filter((f) => f.level === 'error' && f.rule !== 'syntax-error');
  if (errors.length === 0) return undefined;
  const first = errors[0]!;
  return new PgvError('lint_failed', `${first.file}:${first.line}:${first.column}: ${first.rule}: ${first.message}${errors.length > 1 ? ` (and ${errors.length - 1} more lint error${errors.length === 2 ? '' : 's'})` : ''}; nothing was applied`, {
    hint: 'Fix the scripts (`pgv lint` shows every finding with its safe rewrite), silence a statement with `-- pgv:lint-ignore RULE`, lower the rule in the part\'s `lint:` option, or run `pgv apply --allow-lint-errors`.',
    details: errors.flatMap((f) => [`${f.file}:${f.line}:${f.column}: ${f.level} ${f.rule}: ${f.message}`, `  why: ${f.why}`, `  fix: ${f.fix}`]),
    data: { findings: errors.map((f) => ({ file: f.file, line: f.line, column: f.column, rule: f.rule, level: f.level, message: f.message })) },
  });
}

/** Lint what a prepared plan runs (the shape commands/pipeline.ts prepares). */
export function lintPlan(plan: { parts: readonly PartPlan[] }, prepared: ReadonlyMap<string, { part: Part; scripts: ScriptSet }>, cwd: string): Promise<Map<string, Finding[]>> {
  return lintPlannedSteps(plan.parts.filter((p) => prepared.has(p.name)).map((p) => ({ part: prepared.get(p.name)!.part, plan: p, scripts: prepared.get(p.name)!.scripts })), cwd);
}
