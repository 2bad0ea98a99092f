/** The run pipeline: config → observe → plan → run, for plan, apply, baseline, check and the rehearsal. */
import type { Config, Part } from '../config/types.js';
import type { EventSink } from '../exec/events.js';
import type { PartResult, RunResult } from '../exec/result.js';
import type { GuardOutcome } from '../snapshot/guard.js';
import type { ConnectionSpec } from '../db/connection.js';
import { observePart } from '../db/observe.js';
import { interrupted, isInterrupted, shielded } from '../db/cancel.js';
import { buildPlan, isEmptyPlan, planPart, type PartInput } from '../plan/plan.js';
import { replanPart } from '../plan/replan.js';
import type { ObservedPart, PartPlan, Plan } from '../plan/types.js';
import { readDeltaDirectory } from '../recipes/deltas.js';
import { readSchemaDirectory } from '../recipes/schema.js';
import { prepareToRun } from '../recipes/script-file.js';
import type { ScriptSet } from '../recipes/types.js';
import { connectionFor, ensureServer, type Environment } from '../targets/context.js';

/** One part, ready to plan and run. */
export interface PreparedPart {
  readonly part: Part;
  readonly spec: ConnectionSpec;
  readonly scripts: ScriptSet;
  /** The first observation, the one the plan was made from. */
  readonly observed?: ObservedPart;
  /** Under the lock, before the steps run: throw to refuse (a saved plan whose database moved). */
  readonly verify?: (observed: ObservedPart) => Promise<void>;
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
export async function observeParts(config: Config, parts: readonly Part[], g: Environment, read: (part: Part) => ScriptSet = readScripts): Promise<ObservedInput[]> {
  const scripts = new Map(parts.map((p) => [p.name, read(p)]));
  await ensureServer(config, g);
  return Promise.all(
    parts.map(async (part) => {
      const spec = await connectionFor(config, part, g);
      return { part, spec, scripts: scripts.get(part.name)!, observed: await observePart(spec, part.upgradesTable, scripts.get(part.name)!.pumModule?.migrationTable) };
    }),
  );
}

/** Observe and plan the parts; each part's plan says how it is planned again under the lock (PartPlan.replan). */
export async function preparePlan(config: Config, parts: readonly Part[], g: Environment, options: PrepareOptions = {}): Promise<{ plan: Plan; prepared: Map<string, PreparedPart> }> {
  const planner = options.planner ?? planPart;
  const inputs = (await observeParts(config, parts, g, options.scripts)).map((i) => ({ ...i, ...accepted(i.part) }));
  const prepared = new Map<string, PreparedPart>(inputs.map(({ part, spec, scripts, observed }) => [part.name, { part, spec, scripts, observed }]));
  const plan = buildPlan(inputs, planner);
  // Only the scripts that run are prepared; their problems stop the run before anything runs.
  for (const p of plan.parts) prepareToRun(prepared.get(p.name)!.part, prepared.get(p.name)!.scripts, p.steps);
  return { plan, prepared };

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
      return readSchemaDirectory(part.directory, placeholders, part.ignoreFiles);
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
  /** The command to name in the line printed when interrupted (default apply). */
  readonly command?: string;
  /** The environment pgv runs in (for Python hooks: PATH, PGV_PYTHON). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Receives every event of the run. */
  readonly onEvent?: EventSink;
  /** Aborting it stops the run before its next step. */
  readonly signal?: AbortSignal;
}

/** What a run did: the result of every part and step, and what the snapshot guard did. */
export interface RunOutcome {
  readonly result: RunResult;
  /** Parts guarded by `snapshot: before-apply`. */
  readonly snapshots: readonly GuardOutcome[];
  /** Notes for the user (interruptions the guard recovered from). */
  readonly notes: readonly string[];
  /** When the run was interrupted (Ctrl-C, SIGTERM): a line per unfinished part, saying what it left. */
  readonly interrupted?: readonly string[];
}

/**
 * Run a prepared plan with the engine. An empty plan takes no lock and loads no executor: a
 * runner that is half-way through shows up as pending steps, and then the executor locks, waits
 * for it, and plans again.
 */
export async function runPlan(plan: Plan, prepared: ReadonlyMap<string, PreparedPart>, options: RunOptions): Promise<RunOutcome> {
  const emit: EventSink = options.onEvent ?? (() => undefined);
  if (isEmptyPlan(plan)) {
    const parts = plan.parts.map((p): PartResult => ({ name: p.name, database: p.database, status: 'unchanged', steps: [], durationMs: 0, version: p.current, ...(p.heldByTo ? { heldByTo: p.heldByTo } : {}) }));
    emit({ type: 'run-started', parts: plan.parts.map((p) => ({ part: p.name, database: p.database, steps: [] })) });
    for (const p of plan.parts) emit({ type: 'part-finished', part: p.name, database: p.database, status: 'unchanged', duration_ms: 0, steps_done: 0, version: p.current, not_run: [] });
    emit({ type: 'run-finished', ok: true, duration_ms: 0 });
    return { result: { ok: true, durationMs: 0, parts }, snapshots: [], notes: [] };
  }
  const [{ executePlan }, { PartJob }] = await Promise.all([import('../exec/executor.js'), import('../exec/part-job.js')]);
  const execute = () =>
    executePlan(
      plan,
      (p) =>
        new PartJob({
          ...prepared.get(p.name)!,
          lockTimeoutMs: options.lockTimeoutMs,
          ...(options.env ? { env: options.env } : {}),
          // Whom the part waits for, at once (a warning event: the renderers print it).
          onLockWait: (message) => emit({ type: 'warning', part: p.name, message: `waiting: ${message}` }),
          // Each retry of a script that ran into ddl_lock_timeout, as it happens.
          onRetry: (message) => emit({ type: 'warning', part: p.name, message }),
        }),
      { concurrency: options.concurrency, onEvent: emit, ...(options.signal ? { signal: options.signal } : {}) },
    );
  // An interrupted run says, per unfinished part, what it left (read again, outside the cancelled scope).
  const withInterrupt = async (outcome: RunOutcome): Promise<RunOutcome> => {
    const stopped = interrupted() || outcome.result.parts.some((p) => isInterrupted(p.error));
    return stopped ? { ...outcome, interrupted: await interruptReport(outcome.result, plan, prepared, options.command) } : outcome;
  };
  // Parts with `snapshot: before-apply`: a snapshot before, a revert after a failure.
  const guarded = options.snapshots ? (await import('../snapshot/guard.js')).partsToGuard(plan, prepared) : [];
  if (guarded.length === 0) return withInterrupt({ result: await execute(), snapshots: [], notes: [] });
  const guard = await import('../snapshot/guard.js');
  const notes: string[] = [];
  const note = (n: string) => {
    notes.push(n);
    emit({ type: 'warning', message: n });
  };
  const { result, outcomes } = await guard.guardedRun(guarded, { lockTimeoutMs: options.lockTimeoutMs, note }, execute);
  return withInterrupt({ result, snapshots: outcomes, notes });
}

/** After an interrupt: each part that did not finish, read again (outside the interrupted scope). */
async function interruptReport(result: RunResult, plan: Plan, prepared: ReadonlyMap<string, PreparedPart>, command = 'apply'): Promise<string[]> {
  const { interruptLines } = await import('../report/interrupt.js');
  const unfinished = result.parts.filter((p) => p.status !== 'applied' && p.status !== 'unchanged');
  const now = await shielded(() =>
    Promise.all(
      unfinished.map(async (p): Promise<[string, PartPlan | null]> => {
        const input = prepared.get(p.name);
        const planned = plan.parts.find((q) => q.name === p.name);
        if (!input || !planned) return [p.name, null];
        return [p.name, await observePart(input.spec, input.part.upgradesTable).then((observed) => replanPart(planned, { ...input, observed })).catch(() => null)];
      }),
    ),
  );
  return interruptLines(result, new Map(now), command);
}
