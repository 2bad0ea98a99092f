/** `pgv apply [PART…] [--dry-run]`: run the plan. */
import { ExitCode, isPgvError } from '../errors.js';
import type { RunResult } from '../exec/result.js';
import { isEmptyPlan } from '../plan/plan.js';
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
  /** Skip the `snapshot: before-apply` guard for this run. */
  readonly noSnapshot?: boolean;
}

/** Run `pgv apply`. */
export async function applyCommand(g: Globals, args: ApplyArgs): Promise<CommandResult> {
  const config = await loadProjectConfig(g);
  const { plan, prepared } = await preparePlan(config, selectParts(config, args.parts), g);
  if (args.dryRun) return { exitCode: 0, json: renderPlanJson(plan), text: renderPlanText(plan) };
  if (isEmptyPlan(plan)) {
    // Nothing to do: no lock, no executor. A runner that is half-way through shows up as pending
    // steps here, and then the executor locks, waits for it, and plans again.
    const unchanged: RunResult = { ok: true, durationMs: 0, parts: plan.parts.map((p) => ({ name: p.name, database: p.database, status: 'unchanged', steps: [], durationMs: 0 })) };
    return { exitCode: 0, json: renderRunJson(unchanged), text: renderRunText(unchanged) };
  }
  // The executor (listr2) loads only when there is work.
  const [{ executePlan }, { PartJob }] = await Promise.all([import('../exec/executor.js'), import('../exec/part-job.js')]);
  const progress = g.quiet ? 'none' : g.interactive && !g.verbose && !g.json ? 'live' : 'lines';
  const execute = () =>
    executePlan(
      plan,
      (p) => {
        const input = prepared.get(p.name)!;
        return new PartJob({ ...input, lockTimeoutMs: args.lockTimeoutMs });
      },
      { progress, concurrency: args.concurrency, stream: g.progressStream },
    );
  // Parts with `snapshot: before-apply`: a snapshot before, a revert after a failure.
  const guard = await import('../snapshot/guard.js');
  const notes: string[] = [];
  const guarded = args.noSnapshot ? [] : guard.partsToGuard(plan, prepared);
  const { result, outcomes } = await guard.guardedRun(guarded, { lockTimeoutMs: args.lockTimeoutMs, note: (n) => notes.push(`pgv: note: ${n}`) }, execute);
  const failures = result.parts.filter((p) => p.status === 'failed');
  const internal = failures.some((p) => p.error !== undefined && !isPgvError(p.error));
  const exitCode = result.ok ? ExitCode.ok : internal ? ExitCode.internal : ExitCode.failed;
  const json = renderRunJson(result) as Record<string, unknown>;
  return {
    exitCode,
    json: outcomes.length ? { ...json, snapshots: guard.guardJson(outcomes) } : json,
    text: [renderRunText(result), ...guard.guardLines(outcomes)].join('\n'),
    errors: [...notes, ...runErrors(result, g.verbose)],
  };
}
