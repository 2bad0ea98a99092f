/** The run pipeline: config → observe → plan → run, for plan, apply, baseline, check and the rehearsal. */
import type { Config, Part } from '../config/types.js';
import type { EventSink } from '../exec/events.js';
import type { PartResult, RunResult } from '../exec/result.js';
import type { GuardOutcome } from '../snapshot/guard.js';
import type { ConnectionSpec } from '../db/connection.js';
import { observePart } from '../db/observe.js';
import { interrupted, isInterrupted, shielded } from '../db/cancel.js';
import { buildPlan, isEmptyPlan, orderParts, planPart, type PartInput } from '../plan/plan.js';
import { isPgvError, type PgvError } from '../errors.js';
import { mapPerKey } from '../util/limit.js';
import type { RolloutGroup } from '../config/types.js';
import { replanPart } from '../plan/replan.js';
import { currentVersion, describeUnfinished, unfinishedScript } from '../plan/ledger-state.js';
import type { PartNow } from '../report/interrupt.js';
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
  /** Under the lock, before the steps run: throw to refuse (a saved plan whose database moved), or return the plan to run instead (lib/exec/part-job.ts). */
  readonly verify?: (observed: ObservedPart) => Promise<PartPlan | undefined>;
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

/** A fleet part whose database could not be observed (its server is down, or refused pgv). */
export interface UnreachableInput {
  readonly part: Part;
  readonly scripts: ScriptSet;
  readonly error: unknown;
}

/**
 * Sessions pgv opens at once on one fleet server while it observes: the smallest `per_server`
 * of the rollout, else this many (hundreds of tenants must not open hundreds of sessions).
 */
const observeSessionsPerServer = 8;

/** Read every part's scripts (all problems before any connection), then observe each database. */
export async function observeParts(config: Config, parts: readonly Part[], g: Environment, read: (part: Part) => ScriptSet = readScripts): Promise<ObservedInput[]> {
  const inputs = await observeEach(config, parts, g, read);
  const failed = inputs.find((i): i is UnreachableInput => 'error' in i);
  if (failed) throw failed.error;
  return inputs as ObservedInput[];
}

/**
 * As observeParts, but a fleet part (one with a server) whose database cannot be observed is
 * returned with its error instead of failing the whole run: its server may be down.
 */
export async function observeEach(config: Config, parts: readonly Part[], g: Environment, read: (part: Part) => ScriptSet = readScripts): Promise<Array<ObservedInput | UnreachableInput>> {
  const scripts = new Map(parts.map((p) => [p.name, read(p)]));
  await ensureServer(config, g);
  const limit = Math.min(observeSessionsPerServer, ...config.rollout.flatMap((r) => (r.perServer !== undefined ? [r.perServer] : [])));
  return mapPerKey(parts, (p) => p.server, limit, async (part): Promise<ObservedInput | UnreachableInput> => {
    const set = scripts.get(part.name)!;
    // A down server's unknown databases (lib/fleet/expand.ts): nothing to connect to.
    if (part.unreachable) return { part, scripts: set, error: part.unreachable };
    try {
      const spec = await connectionFor(config, part, g);
      return { part, spec, scripts: set, observed: await observePart(spec, part.upgradesTable, set.pumModule?.migrationTable) };
    } catch (e) {
      if (part.server === undefined || isInterrupted(e) || !isPgvError(e) || !(e.code === 'connection_failed' || e.code === 'database_missing')) throw e;
      return { part, scripts: set, error: e };
    }
  });
}

/** Observe and plan the parts; each part's plan says how it is planned again under the lock (PartPlan.replan). */
export async function preparePlan(config: Config, parts: readonly Part[], g: Environment, options: PrepareOptions = {}): Promise<{ plan: Plan; prepared: Map<string, PreparedPart> }> {
  const planner = options.planner ?? planPart;
  const all = await observeEach(config, parts, g, options.scripts);
  const unreachable = new Map(all.filter((i): i is UnreachableInput => 'error' in i).map((i) => [i.part.name, i]));
  const inputs = all.filter((i): i is ObservedInput => !('error' in i)).map((i) => ({ ...i, ...accepted(i.part) }));
  const prepared = new Map<string, PreparedPart>(inputs.map(({ part, spec, scripts, observed }) => [part.name, { part, spec, scripts, observed }]));
  const planned = buildPlan(inputs, planner);
  // Only the scripts that run are prepared; their problems stop the run before anything runs.
  for (const p of planned.parts) prepareToRun(prepared.get(p.name)!.part, prepared.get(p.name)!.scripts, p.steps);
  if (unreachable.size === 0) return { plan: planned, prepared };
  // The unreachable parts keep their place in the order (they are not prepared: nothing can run on them); they fail when the run reaches them.
  const byName = new Map(planned.parts.map((p) => [p.name, p]));
  return { plan: { parts: orderParts(parts).map((part) => byName.get(part.name) ?? unreachablePlan(part, unreachable.get(part.name)!.error)) }, prepared };

  function accepted(part: Part): { accept?: ReadonlySet<string>; to?: string } {
    const set = options.accept?.get(part.name);
    return { ...(set ? { accept: set } : {}), ...(options.to !== undefined ? { to: options.to } : {}) };
  }
}

/** The plan of a part that could not be observed: no steps, and why. */
function unreachablePlan(part: Part, error: unknown): PartPlan {
  const e = error as PgvError;
  return {
    name: part.name, database: part.dbname, recipe: part.recipe, ledger: part.upgradesTable, current: null, target: null, steps: [], changed: [], after: part.after,
    replan: { planner: 'apply', accept: [] },
    unreachable: { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) },
  };
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
  /** A fleet's `rollout:` groups (config.rollout): run group by group (lib/fleet/rollout.ts). */
  readonly rollout?: readonly RolloutGroup[];
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
  // A fleet runs by its rollout: groups in order, sessions per server within per_server.
  const fleet = (options.rollout?.length ?? 0) > 0 || [...prepared.values()].some((p) => p.part.server !== undefined);
  const schedule = fleet ? (await import('../fleet/rollout.js')).rolloutSchedule(plan, prepared, options.rollout ?? [], options.concurrency) : undefined;
  for (const w of schedule?.warnings ?? []) emit({ type: 'warning', message: w });
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
      { concurrency: options.concurrency, onEvent: emit, ...(options.signal ? { signal: options.signal } : {}), ...(schedule ? { schedule } : {}) },
    );
  // An interrupted run says, per unfinished part, what it left (read again, outside the cancelled scope).
  // The rollout's warnings (a group matching nothing) are notes of the run, as the guard's are.
  const withInterrupt = async (done: RunOutcome): Promise<RunOutcome> => {
    const outcome = schedule?.warnings.length ? { ...done, notes: [...schedule.warnings, ...done.notes] } : done;
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

/**
 * After an interrupt: each part that did not finish, read again (outside the interrupted scope):
 * its version as the ledger gives it, what is pending, and a script left unfinished. The planner
 * refuses a part whose `-- pgv:no-transaction` script was cancelled: that is what it reports, not
 * a database that could not be read.
 */
async function interruptReport(result: RunResult, plan: Plan, prepared: ReadonlyMap<string, PreparedPart>, command = 'apply'): Promise<string[]> {
  const { interruptLines } = await import('../report/interrupt.js');
  const unfinished = result.parts.filter((p) => p.status !== 'applied' && p.status !== 'unchanged');
  const now = await shielded(() =>
    Promise.all(
      unfinished.map(async (p): Promise<[string, PartNow | null]> => {
        const input = prepared.get(p.name);
        const planned = plan.parts.find((q) => q.name === p.name);
        if (!input || !planned) return [p.name, null];
        const observed = await observePart(input.spec, input.part.upgradesTable, input.scripts.pumModule?.migrationTable).catch(() => null);
        return [p.name, observed && readAgain(planned, input, observed)];
      }),
    ),
  );
  return interruptLines(result, new Map(now), command);
}

/** A part as observed after the interrupt, in the terms of the interrupt line. */
function readAgain(planned: PartPlan, input: PreparedPart, observed: ObservedPart): PartNow {
  let plan: PartPlan | null = null;
  try {
    plan = replanPart(planned, { ...input, observed });
  } catch (e) {
    if (!isPgvError(e)) throw e;
  }
  const row = unfinishedScript(observed);
  return {
    current: currentVersion(observed),
    plan,
    applied: new Set(observed.ledger.rows.filter((r) => r.success).map((r) => r.script)),
    unfinished: row ? describeUnfinished(input.part, observed, row) : null,
  };
}
