/**
 * `pgv lint [PART…] [FILE…]`: the lint rules on the scripts the parts would run next (or on
 * every script with --all, or on the given files). Exit 1 when a finding is at error level.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import type { Config, Part } from '../config/types.js';
import { ExitCode, PgvError } from '../errors.js';
import type { Finding } from '../lint/lint.js';
import { allScripts, lintPlannedSteps, lintScripts, type ScriptToLint } from '../lint/scripts.js';
import { readScriptFile } from '../recipes/read.js';
import { fillPlaceholders } from '../recipes/variables.js';
import { renderLintJson } from '../report/lint-json.js';
import { renderLintText } from '../report/lint-text.js';
import { renderLintMarkdown } from '../report/lint-markdown.js';
import { prepareScript } from '../sql/script.js';
import { loadOptionalConfig, selectParts } from '../targets/context.js';
import { preparePlan, readScripts } from '../run/pipeline.js';
import type { CommandResult, Globals } from './types.js';

/** Options of `pgv lint`. */
export interface LintArgs {
  /** Part names and script files, in any order. */
  readonly targets: readonly string[];
  /** Every script of the parts, not only the pending ones (no database needed). */
  readonly all: boolean;
  /** `--format markdown`: tables for a pull-request comment. */
  readonly format?: 'text' | 'markdown';
}

/** Run `pgv lint`. */
export async function lintCommand(g: Globals, args: LintArgs): Promise<CommandResult> {
  const config = await loadOptionalConfig(g);
  const partNames = args.targets.filter((t) => config?.parts.some((p) => p.name === t));
  const files = args.targets.filter((t) => !partNames.includes(t));
  for (const f of files) if (!isFile(path.resolve(g.cwd, f))) throw notATarget(f, config);
  if (!config && files.length === 0) {
    throw new PgvError('config_not_found', 'pgv lint needs a config (to lint its parts\' scripts) or script files', {
      hint: 'Run it in a project (pgv.config.yaml), give one with -c FILE, or name the files: pgv lint migrations/*.sql',
    });
  }
  const findings: Finding[] = [];
  let count = 0;
  if (files.length) {
    const items = files.map((f) => fileToLint(path.resolve(g.cwd, f), config));
    count += items.length;
    findings.push(...(await lintScripts(items, g.cwd)).flat());
  }
  if (config && (partNames.length || files.length === 0)) {
    const parts = await selectParts(config, partNames, g);
    if (args.all) {
      const items = parts.flatMap((part) => allScripts(readScripts(part)).map((script) => ({ part, script })));
      count += items.length;
      findings.push(...(await lintScripts(items, g.cwd)).flat());
    } else {
      const { plan, prepared } = await preparePlan(config, parts, g);
      const planned = plan.parts.filter((p) => prepared.has(p.name)).map((p) => ({ part: prepared.get(p.name)!.part, plan: p, scripts: prepared.get(p.name)!.scripts }));
      count += plan.parts.reduce((n, p) => n + p.steps.filter((s) => s.kind === 'run-script').length, 0);
      findings.push(...[...(await lintPlannedSteps(planned, g.cwd)).values()].flat());
    }
  }
  const errors = findings.some((f) => f.level === 'error');
  return { exitCode: errors ? ExitCode.differences : ExitCode.ok, json: renderLintJson(findings, count), text: args.format === 'markdown' ? renderLintMarkdown(findings, count) : renderLintText(findings, count) };
}

/** A file given on the command line, prepared as pgv would run it (with its part's variables and lint settings when it is a part's script). */
function fileToLint(file: string, config: Config | null): ScriptToLint {
  const part = config?.parts.find((p) => path.dirname(file) === p.directory);
  const { text } = readScriptFile(file);
  const filled = part ? fillPlaceholders(text, { values: part.variables, pum: part.pumPlaceholders }).text : text;
  return { ...(part ? { part } : {}), script: { name: path.basename(file), path: file, prepared: prepareScript(filled) } };
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function notATarget(name: string, config: Config | null): PgvError {
  const parts = config?.parts.map((p: Part) => p.name) ?? [];
  return new PgvError('usage', `"${name}" is neither a part of the config nor a file`, {
    hint: parts.length ? `Parts: ${parts.join(', ')}; or name script files.` : 'Name script files (there is no config here), or run it in a project.',
  });
}
