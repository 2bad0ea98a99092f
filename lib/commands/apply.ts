/** `pgv apply [PART…] [--dry-run] [--accept-changed SCRIPT…]`: run the plan. */
import { usageError } from '../errors.js';
import { eventRenderer } from '../report/progress.js';
import { renderRunReport } from '../report/run.js';
import { failureCollector, failuresJson, renderFailureTable } from '../report/fleet-summary.js';
import { planApply } from '../run/apply.js';
import { loadProjectConfig, selectParts } from '../targets/context.js';
import type { CommandResult, Globals } from './types.js';
import { planResult, withResume } from './plan.js';
import { partsOfShard, type Shard } from '../fleet/shard.js';
import type { Config } from '../config/types.js';
import path from 'node:path';

/** Options of `pgv apply`. */
export interface ApplyArgs {
  readonly parts: string[];
  readonly dryRun: boolean;
  readonly concurrency: number;
  readonly lockTimeoutMs: number;
  /** `--accept-changed`: `SCRIPT` (in any selected part) or `PART:SCRIPT`. */
  readonly acceptChanged?: readonly string[];
  /** `--to V`: stop at version V. */
  readonly to?: string;
  /** Skip the `snapshot: before-apply` guard for this run. */
  readonly noSnapshot?: boolean;
  /** `--test-first`: rehearse each part on a copy first (pgv test-and-upgrade). */
  readonly testFirst?: boolean;
  /** `--allow-lint-errors`: run scripts even when lint finds errors in them. */
  readonly allowLintErrors?: boolean;
  /** `--plan FILE`: run exactly the saved plan, or nothing. */
  readonly plan?: string;
  /** `--shard i/n`: only shard i of n of the parts. */
  readonly shard?: Shard;
  /** `--resume [RUN]`: continue a run from its journal (true: the newest run of this config). */
  readonly resume?: string | true;
  /** `--no-journal`: do not record the run in `.pgv/runs/`. */
  readonly noJournal?: boolean;
}

/** Run `pgv apply`. */
export async function applyCommand(g: Globals, args: ApplyArgs): Promise<CommandResult> {
  const config = await loadProjectConfig(g);
  if (args.resume !== undefined && (args.plan !== undefined || args.testFirst || args.shard)) throw usageError('--resume cannot be combined with --plan, --test-first or --shard (a shard\'s run resumes as it was)', 'pgv apply --resume [RUN] continues a run of plain `pgv apply` from its journal.');
  if (args.plan !== undefined) return applySaved(g, config, args.plan, args);
  // A resumed run's parts are in its journal (planApply reads it).
  const selected = args.resume !== undefined ? [] : await selectParts(config, args.parts, g);
  const parts = args.shard ? partsOfShard(selected, args.shard) : selected;
  if (args.testFirst) return testFirst(g, parts.map((p) => p.name), args);
  if (args.shard && parts.length === 0) return { exitCode: 0, text: `Shard ${args.shard.index}/${args.shard.count} holds ${selected.length === 1 ? 'not the one part' : `none of the ${selected.length} parts`}: nothing to do.`, json: { ok: true, parts: [] } };
  const renderer = args.dryRun ? undefined : await eventRenderer(g);
  // A fleet's run ends with a table of its failures (fed by the run's events).
  const fleet = (args.resume !== undefined ? config.expansions.length > 0 : parts.some((p) => p.server !== undefined)) || config.rollout.length > 0;
  const failures = fleet ? failureCollector(renderer?.onEvent) : undefined;
  const onEvent = failures?.onEvent ?? renderer?.onEvent;
  const { parts: names, ...rest } = args;
  const request = { ...rest, ...(args.resume === undefined ? { parts: names } : {}), snapshots: !args.noSnapshot, journal: !args.noJournal, ...(onEvent ? { onEvent } : {}) };
  const { plan, findings, run, resumed } = await planApply(config, request, g);
  if (args.dryRun) return withResume(planResult(plan, findings), resumed);
  try {
    const report = renderRunReport(await run(), g.verbose);
    if (!failures) return withResume(report, resumed);
    const rows = failures.rows();
    return withResume({ ...report, text: [report.text, ...renderFailureTable(rows, plan.parts.length)].join('\n'), json: { ...report.json, failures: failuresJson(rows) } }, resumed);
  } finally {
    await renderer?.close();
  }
}

/** `apply --plan FILE`: the saved plan's steps, or nothing if anything moved since. */
async function applySaved(g: Globals, config: Config, file: string, args: ApplyArgs): Promise<CommandResult> {
  if (args.parts.length || args.dryRun || args.testFirst || args.to !== undefined || args.acceptChanged?.length || args.shard) {
    throw usageError('--plan FILE cannot be combined with PART, --dry-run, --test-first, --to, --accept-changed or --shard', 'The saved plan says which parts and steps run; make another with pgv plan -o FILE.');
  }
  const { applySavedPlan, readSavedPlan } = await import('../run/saved-plan.js');
  const saved = readSavedPlan(path.resolve(g.cwd, file));
  const renderer = await eventRenderer(g);
  try {
    return renderRunReport(await applySavedPlan(config, saved, { concurrency: args.concurrency, lockTimeoutMs: args.lockTimeoutMs, snapshots: !args.noSnapshot, allowLintErrors: args.allowLintErrors === true, onEvent: renderer.onEvent }, g), g.verbose);
  } finally {
    await renderer.close();
  }
}

/** `apply --test-first`: `pgv test-and-upgrade` for each part in turn; the worst outcome decides the exit code. */
async function testFirst(g: Globals, parts: readonly string[], args: ApplyArgs): Promise<CommandResult> {
  if (args.dryRun || args.to !== undefined || args.acceptChanged?.length) throw usageError('--test-first cannot be combined with --dry-run, --to or --accept-changed', 'Run `pgv test-and-upgrade PART` for one part, or plain `pgv apply` with those options.');
  const { testAndUpgradeCommand } = await import('./test-and-upgrade.js');
  const results: CommandResult[] = [];
  for (const part of parts) results.push(await testAndUpgradeCommand(g, { part, copy: 'auto', keep: false, lockTimeoutMs: args.lockTimeoutMs }));
  const rank = (code: number) => (code === 0 ? 0 : code === 1 ? 1 : code === 3 ? 2 : 3);
  const exitCode = results.reduce((worst, r) => (rank(r.exitCode) > rank(worst) ? r.exitCode : worst), 0);
  return {
    exitCode,
    text: results.map((r) => r.text ?? '').join('\n'),
    json: { parts: results.map((r) => r.json) },
    errors: results.flatMap((r) => r.errors ?? []),
  };
}
