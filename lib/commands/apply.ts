/** `pgv apply [PART…] [--dry-run]`: run the plan. */
import { ExitCode, isPgvError } from '../errors.js';
import { executePlan } from '../exec/executor.js';
import { PartJob } from '../exec/part-job.js';
import { renderPlanJson } from '../report/plan-json.js';
import { renderPlanText } from '../report/plan-text.js';
import { renderRunJson, renderRunText, runErrors } from '../report/run.js';
import { loadProjectConfig, selectParts } from './context.js';
import { preparePlan } from './pipeline.js';
import type { CommandResult, Globals } from './types.js';

/** Options of `pgv apply`. */
export interface ApplyArgs {
  readonly parts: string[];
  readonly dryRun: boolean;
  readonly concurrency: number;
  readonly lockTimeoutMs: number;
}

/** Run `pgv apply`. */
export async function applyCommand(g: Globals, args: ApplyArgs): Promise<CommandResult> {
  const config = await loadProjectConfig(g);
  const { plan, prepared } = await preparePlan(config, selectParts(config, args.parts), g);
  if (args.dryRun) return { exitCode: 0, json: renderPlanJson(plan), text: renderPlanText(plan) };
  const progress = g.quiet ? 'none' : g.interactive && !g.verbose && !g.json ? 'live' : 'lines';
  const result = await executePlan(
    plan,
    (p) => {
      const input = prepared.get(p.name)!;
      return new PartJob({ ...input, lockTimeoutMs: args.lockTimeoutMs });
    },
    { progress, concurrency: args.concurrency, stream: g.progressStream },
  );
  const failures = result.parts.filter((p) => p.status === 'failed');
  const internal = failures.some((p) => p.error !== undefined && !isPgvError(p.error));
  const exitCode = result.ok ? ExitCode.ok : internal ? ExitCode.internal : ExitCode.failed;
  return { exitCode, json: renderRunJson(result), text: renderRunText(result), errors: runErrors(result, g.verbose) };
}
