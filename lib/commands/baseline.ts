/** `pgv baseline PART --version V`: record V as applied without running any script. */
import { displayQualified } from '../db/ident.js';
import { usageError } from '../errors.js';
import { checkBaselineVersion, planBaseline } from '../plan/plan-baseline.js';
import { isEmptyPlan } from '../plan/plan.js';
import { loadProjectConfig, selectParts } from '../targets/context.js';
import { preparePlan, readScripts, runPlan } from '../run/pipeline.js';
import type { CommandResult, Globals } from './types.js';

/** Options of `pgv baseline`. */
export interface BaselineArgs {
  readonly parts: string[];
  readonly version: string | undefined;
  readonly lockTimeoutMs: number;
}

/** Run `pgv baseline`. */
export async function baselineCommand(g: Globals, args: BaselineArgs): Promise<CommandResult> {
  if (args.parts.length !== 1) throw usageError('pgv baseline takes exactly one part', 'Usage: pgv baseline PART --version V');
  if (args.version === undefined) throw usageError('pgv baseline needs --version V', 'Usage: pgv baseline PART --version V (the version the database is at now).');
  const config = await loadProjectConfig(g);
  const [part] = selectParts(config, args.parts);
  const scripts = readScripts(part!);
  const version = checkBaselineVersion(part!, scripts, args.version);
  const { plan, prepared } = await preparePlan(config, [part!], g, {
    scripts: () => scripts, // read once
    planner: ({ part: p, observed }) => planBaseline(p, observed, version, displayQualified(p.upgradesTable)),
  });
  const result = await runPlan(plan, prepared, g, { concurrency: 1, lockTimeoutMs: args.lockTimeoutMs });
  return isEmptyPlan(plan) ? { ...result, text: `${part!.name} (${part!.dbname}): already at version ${version}; nothing recorded.` } : result;
}
