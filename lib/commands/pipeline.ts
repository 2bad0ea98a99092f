/** Config → observe → plan, shared by `plan` and `apply`. */
import type { Config, Part } from '../config/types.js';
import { ExitCode, isPgvError } from '../errors.js';
import type { RunResult } from '../exec/result.js';
import { renderRunJson, renderRunText, runErrors } from '../report/run.js';
import type { ConnectionSpec } from '../db/connection.js';
import { observePart } from '../db/observe.js';
import { buildPlan, isEmptyPlan, planPart, type PartInput } from '../plan/plan.js';
import type { ObservedPart, PartPlan, Plan } from '../plan/types.js';
import { readDeltaDirectory } from '../recipes/deltas.js';
import { readSchemaDirectory } from '../recipes/schema.js';
import type { ScriptSet } from '../recipes/types.js';
import { connectionFor, ensureServer } from './context.js';
import type { CommandResult, Globals } from './types.js';

/** One part, ready to plan and run. */
export interface PreparedPart {
  readonly part: Part;
  readonly spec: ConnectionSpec;
  readonly scripts: ScriptSet;
  /** Plan this part from an observation (the pure planner, bound to its inputs). */
  readonly replan: (observed: ObservedPart) => PartPlan;
}

/** Options of the planning pipeline. */
export interface PrepareOptions {
  /** Changed scripts to accept, by part name. */
  readonly accept?: ReadonlyMap<string, ReadonlySet<string>>;
  /** Stop at this version (`apply --to`). */
  readonly to?: string;
  /** Read the scripts this way instead of the recipe's (a deltas part's reference files). */
  readonly scripts?: (part: Part) => ScriptSet;
  /** Plan with this planner instead of the recipe's (pgv baseline). */
  readonly planner?: (input: PartInput) => PartPlan;
}

/** A part with its connection, its scripts and what was observed in its database. */
export interface ObservedInput {
  readonly part: Part;
  readonly spec: ConnectionSpec;
  readonly scripts: ScriptSet;
  readonly observed: ObservedPart;
}

/** Read every part's scripts (all problems before any connection), then observe each database. */
export async function observeParts(config: Config, parts: readonly Part[], g: Globals, read: (part: Part) => ScriptSet = readScripts): Promise<ObservedInput[]> {
  const scripts = new Map(parts.map((p) => [p.name, read(p)]));
  await ensureServer(config, g);
  return Promise.all(
    parts.map(async (part) => {
      const spec = await connectionFor(config, part, g);
      return { part, spec, scripts: scripts.get(part.name)!, observed: await observePart(spec, part.upgradesTable) };
    }),
  );
}

/** Observe and plan the parts; each prepared part can plan itself again under the lock. */
export async function preparePlan(config: Config, parts: readonly Part[], g: Globals, options: PrepareOptions = {}): Promise<{ plan: Plan; prepared: Map<string, PreparedPart> }> {
  const planner = options.planner ?? planPart;
  const inputs = (await observeParts(config, parts, g, options.scripts)).map((i) => ({ ...i, ...accepted(i.part) }));
  const prepared = new Map<string, PreparedPart>(
    inputs.map(({ part, spec, scripts, observed: _first, ...wishes }) => [part.name, { part, spec, scripts, replan: (observed) => planner({ part, observed, scripts, ...wishes }) }]),
  );
  return { plan: buildPlan(inputs, planner), prepared };

  function accepted(part: Part): { accept?: ReadonlySet<string>; to?: string } {
    const set = options.accept?.get(part.name);
    return { ...(set ? { accept: set } : {}), ...(options.to !== undefined ? { to: options.to } : {}) };
  }
}

/** A part's scripts by its recipe; fails before any server is started or connected to. */
export function readScripts(part: Part): ScriptSet {
  const placeholders = { values: part.variables, pum: part.pumPlaceholders };
  switch (part.recipe) {
    case 'schema':
      return readSchemaDirectory(part.directory, placeholders);
    case 'deltas':
      return readDeltaDirectory(part.directory, { ignoreFiles: part.ignoreFiles, placeholders });
  }
}

/** Options of a run. */
export interface RunOptions {
  readonly concurrency: number;
  readonly lockTimeoutMs: number;
  /** Guard parts with `snapshot: before-apply` (apply, unless --no-snapshot). */
  readonly snapshots?: boolean;
}

/**
 * Run a prepared plan with the engine and turn the outcome into a command result. An empty plan
 * takes no lock and loads no executor: a runner that is half-way through shows up as pending
 * steps, and then the executor locks, waits for it, and plans again.
 */
export async function runPlan(plan: Plan, prepared: ReadonlyMap<string, PreparedPart>, g: Globals, options: RunOptions): Promise<CommandResult> {
  if (isEmptyPlan(plan)) {
    const unchanged: RunResult = { ok: true, durationMs: 0, parts: plan.parts.map((p) => ({ name: p.name, database: p.database, status: 'unchanged', steps: [], durationMs: 0 })) };
    return { exitCode: ExitCode.ok, json: renderRunJson(unchanged), text: renderRunText(unchanged) };
  }
  const [{ executePlan }, { PartJob }] = await Promise.all([import('../exec/executor.js'), import('../exec/part-job.js')]);
  const progress = g.quiet ? 'none' : g.interactive && !g.verbose && !g.json ? 'live' : 'lines';
  const execute = () =>
    executePlan(plan, (p) => new PartJob({ ...prepared.get(p.name)!, lockTimeoutMs: options.lockTimeoutMs, ...(g.quiet ? {} : { onRetry: (m: string) => g.progressStream.write(`pgv: ${m}\n`) }) }), {
      progress,
      concurrency: options.concurrency,
      stream: g.progressStream,
    });
  const commandResult = (result: RunResult, extra: { json?: Record<string, unknown>; lines?: string[]; notes?: string[] } = {}): CommandResult => {
    const internal = result.parts.some((p) => p.status === 'failed' && p.error !== undefined && !isPgvError(p.error));
    // The JSON document lists every step: built only when asked for (--json), a thousand steps are not free.
    let json: Record<string, unknown> | undefined;
    return {
      exitCode: result.ok ? ExitCode.ok : internal ? ExitCode.internal : ExitCode.failed,
      get json() {
        return (json ??= { ...(renderRunJson(result) as Record<string, unknown>), ...extra.json });
      },
      text: [renderRunText(result), ...(extra.lines ?? [])].join('\n'),
      errors: [...(extra.notes ?? []), ...runErrors(result, g.verbose)],
    };
  };
  // Parts with `snapshot: before-apply`: a snapshot before, a revert after a failure.
  const guarded = options.snapshots ? (await import('../snapshot/guard.js')).partsToGuard(plan, prepared) : [];
  if (guarded.length === 0) return commandResult(await execute());
  const guard = await import('../snapshot/guard.js');
  const notes: string[] = [];
  const { result, outcomes } = await guard.guardedRun(guarded, { lockTimeoutMs: options.lockTimeoutMs, note: (n) => notes.push(`pgv: note: ${n}`) }, execute);
  return commandResult(result, { json: outcomes.length ? { snapshots: guard.guardJson(outcomes) } : {}, lines: guard.guardLines(outcomes), notes });
}
