/**
 * The executor: runs each part's steps in order, parts concurrently where `after` allows, and
 * reports what happens as events (events.ts): run, part and step started and finished, warnings.
 * It shows nothing itself; renderers of the events do (report/task-list.ts, report/json-lines.ts).
 * Returns a RunResult in which every planned step has an outcome: done, failed, or not run.
 */
import type { PartPlan, Plan, Step } from '../plan/types.js';
import { PgvError, isPgvError, type ErrorCode } from '../errors.js';
import type { EventError, EventSink, EventStep, PartStatus } from './events.js';
import type { PartResult, RunResult, StepResult } from './result.js';
import { interruptedError } from '../db/cancel.js';
import { replanChanges } from '../plan/replan.js';
import type { Schedule, ScheduleGroup } from '../fleet/rollout.js';

/** The executor's view of a part job (see part-job.ts). */
export interface Job {
  /** `onCreated`: the create-database step ended; `created` false when a concurrent runner had created the database. */
  begin(initial: PartPlan, onCreated: (step: Step, ms: number, created: boolean) => void): Promise<PartPlan>;
  run(step: Step): Promise<void>;
  close(): Promise<void>;
}

/** Executor options. */
export interface ExecuteOptions {
  /** Parts run at once (when `after` allows). */
  readonly concurrency: number;
  /** Receives every event of the run. */
  readonly onEvent?: EventSink;
  /** Aborting it stops each part before its next step (the steps left are reported as not run); the cancellation scope (db/cancel.ts) cancels the running one. */
  readonly signal?: AbortSignal;
  /** A fleet's rollout (fleet/rollout.ts): groups in order, each within its concurrency and per-server session limit. Absent: one group, `concurrency` at once. */
  readonly schedule?: Schedule;
}

/** A step as events name it. */
function eventStep(step: Step): EventStep {
  return { id: step.id, kind: step.kind, title: step.title };
}

/** An error as events carry it. */
function eventError(e: unknown): EventError {
  if (isPgvError(e)) return { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) };
  return { code: 'internal', message: (e as Error)?.message ?? String(e) };
}

/** Run a plan: `jobFor(part)` supplies the part's job. */
export async function executePlan(plan: Plan, jobFor: (part: PartPlan) => Job, options: ExecuteOptions): Promise<RunResult> {
  const emit: EventSink = options.onEvent ?? (() => undefined);
  const t0 = performance.now();
  const results = new Map<string, PartResult>();
  const finished = new Map<string, Promise<PartResult>>();
  const resolvers = new Map<string, (r: PartResult) => void>();
  for (const p of plan.parts) finished.set(p.name, new Promise((resolve) => resolvers.set(p.name, resolve)));
  const settle = (r: PartResult, version?: string | null) => {
    results.set(r.name, r);
    const notRun = r.steps.filter((s) => s.status === 'not-run').map((s) => eventStep(s.step));
    emit({
      type: 'part-finished',
      part: r.name,
      database: r.database,
      status: r.status,
      duration_ms: Math.round(r.durationMs),
      steps_done: r.steps.filter((s) => s.status === 'done').length,
      ...(version !== undefined ? { version } : {}),
      ...(r.heldByTo ? { held_by_to: r.heldByTo } : {}),
      not_run: notRun,
      ...(r.error !== undefined ? { error: eventError(r.error) } : {}),
    });
    resolvers.get(r.name)!(r);
  };

  /** Run one part: wait for the parts it comes after, then its job, step by step. Never throws. */
  const runPart = async (partPlan: PartPlan): Promise<void> => {
    const deps = await Promise.all(partPlan.after.filter((d) => finished.has(d)).map((d) => finished.get(d)!));
    const failedDep = deps.find((d) => d.status === 'failed' || d.status === 'skipped');
    if (failedDep) {
      const steps = partPlan.steps.map((step): StepResult => ({ step, status: 'not-run', durationMs: 0 }));
      settle({ name: partPlan.name, database: partPlan.database, status: 'skipped', steps, durationMs: 0, error: { message: `part ${failedDep.name} did not succeed` } });
      return;
    }
    const start = performance.now();
    emit({ type: 'part-started', part: partPlan.name, database: partPlan.database });
    const stepResults: StepResult[] = [];
    const job = jobFor(partPlan);
    let status: PartStatus = 'failed';
    let error: unknown;
    let version: string | null | undefined;
    let heldByTo: number | undefined;
    // The steps to run: those planned, until the job's replan step under the lock (part-replanned).
    let steps: readonly Step[] = partPlan.steps;
    const create = steps.find((s) => s.kind === 'create-database');
    let creating = create !== undefined;
    try {
      if (create) emit({ type: 'step-started', part: partPlan.name, step: eventStep(create) });
      let createdHere = false;
      const fresh = await job.begin(partPlan, (step, ms, created) => {
        creating = false;
        createdHere = created;
        // Created by another runner meanwhile: not this run's work (its part may have nothing to do).
        if (created) stepResults.push({ step, status: 'done', durationMs: ms });
        emit({ type: 'step-finished', part: partPlan.name, step: eventStep(step), status: 'done', duration_ms: Math.round(ms), ...(created ? {} : { detail: 'created meanwhile by another runner' }) });
      });
      steps = fresh.steps;
      // The database this run created is not a step done "meanwhile" (one another runner created is).
      const changes = replanChanges(partPlan, fresh);
      const dropped = createdHere ? changes.dropped.filter((id) => id !== create?.id) : changes.dropped;
      emit({ type: 'part-replanned', part: partPlan.name, database: partPlan.database, current: fresh.current, steps: fresh.steps.map(eventStep), dropped, added: changes.added });
      for (const step of fresh.steps) {
        // Aborted between two steps: the same error as a statement cancelled by the interrupt.
        if (options.signal?.aborted) throw interruptedError(`${step.title} did not start`);
        emit({ type: 'step-started', part: partPlan.name, step: eventStep(step) });
        const stepStart = performance.now();
        try {
          await job.run(step);
        } catch (e) {
          const ms = performance.now() - stepStart;
          stepResults.push({ step, status: 'failed', durationMs: ms, message: (e as Error)?.message });
          emit({ type: 'step-finished', part: partPlan.name, step: eventStep(step), status: 'failed', duration_ms: Math.round(ms), error: eventError(e) });
          throw e;
        }
        const ms = performance.now() - stepStart;
        stepResults.push({ step, status: 'done', durationMs: ms });
        emit({ type: 'step-finished', part: partPlan.name, step: eventStep(step), status: 'done', duration_ms: Math.round(ms) });
      }
      status = stepResults.length ? 'applied' : 'unchanged';
      version = fresh.steps.length ? fresh.target : fresh.current;
      heldByTo = fresh.heldByTo;
    } catch (e) {
      error = e;
      if (create && creating) {
        // The database could not be created: begin() failed on its first step.
        stepResults.push({ step: create, status: 'failed', durationMs: 0, message: (e as Error)?.message });
        emit({ type: 'step-finished', part: partPlan.name, step: eventStep(create), status: 'failed', duration_ms: 0, error: eventError(e) });
      }
    } finally {
      // Closing releases the lock: a part that runs after this one may need it.
      await job.close().catch((e) => {
        if (error === undefined) {
          error = e;
          status = 'failed';
        }
      });
    }
    // Every planned step has an outcome: those after a failure did not run.
    const over = new Set(stepResults.map((r) => r.step.id));
    for (const step of steps) if (!over.has(step.id)) stepResults.push({ step, status: 'not-run', durationMs: 0 });
    settle(
      { name: partPlan.name, database: partPlan.database, status, steps: stepResults, durationMs: performance.now() - start, ...(error !== undefined ? { error } : { version: version ?? null, ...(heldByTo ? { heldByTo } : {}) }) },
      status === 'failed' ? undefined : version,
    );
  };

  /** A part that never starts: the rollout stopped, or its server could not be reached when it was observed. */
  const notStarted = (partPlan: PartPlan, error: unknown, status: PartStatus) => {
    const steps = partPlan.steps.map((step): StepResult => ({ step, status: 'not-run', durationMs: 0 }));
    settle({ name: partPlan.name, database: partPlan.database, status, steps, durationMs: 0, error });
  };
  const run = async (partPlan: PartPlan): Promise<void> => {
    if (partPlan.unreachable) return notStarted(partPlan, unreachableError(partPlan), 'failed');
    return runPart(partPlan);
  };

  emit({ type: 'run-started', parts: plan.parts.map((p) => ({ part: p.name, database: p.database, steps: p.steps.map(eventStep) })) });
  const groups: readonly ScheduleGroup[] = options.schedule?.groups ?? [{ label: 'all parts', parts: plan.parts.map((p) => p.name), concurrency: options.concurrency, onError: 'continue' }];
  const byName = new Map(plan.parts.map((p) => [p.name, p]));
  // Group by group: the next starts when the one before has finished. Under `stop` a failure
  // starts nothing more; under `continue` (and without a rollout) it stops only the parts after it.
  let stoppedBy: { part: string; group: string } | undefined;
  for (const group of groups) {
    const members = group.parts.map((n) => byName.get(n)!).filter(Boolean);
    // Interrupted: nothing more starts (the parts not started did not start, as after Ctrl-C in one part).
    const halted = () => options.signal?.aborted === true;
    await runGraph(members, group, options.schedule, results, run, (failed) => {
      if (group.onError === 'stop' && !stoppedBy) stoppedBy = { part: failed, group: group.label };
      return stoppedBy !== undefined || halted();
    });
    if (halted()) {
      for (const p of plan.parts) if (!results.has(p.name)) notStarted(p, interruptedError(`part ${p.name} did not start`), 'skipped');
      break;
    }
    if (stoppedBy) {
      const stop = new PgvError('refused', `part ${stoppedBy.part} failed in ${stoppedBy.group}, whose on_error is stop`, { hint: 'Fix the failed part and run pgv apply again; the parts done are not run twice.' });
      for (const p of plan.parts) if (!results.has(p.name)) notStarted(p, stop, 'skipped');
      break;
    }
  }
  const parts = plan.parts.map((p) => results.get(p.name)!);
  const result: RunResult = { ok: parts.every((p) => p.status === 'applied' || p.status === 'unchanged'), parts, durationMs: performance.now() - t0 };
  emit({ type: 'run-finished', ok: result.ok, duration_ms: Math.round(result.durationMs) });
  return result;
}

/**
 * Run one group's parts as a graph: a part starts when the parts it comes after (in this group)
 * have finished, fewer than the group's concurrency run, and its server has sessions to spare
 * (`per_server`, counting each part's sessions). `failed(name)` is told each failure and says
 * whether to start nothing more. Resolves when every started part has finished.
 */
function runGraph(items: readonly PartPlan[], group: ScheduleGroup, schedule: Schedule | undefined, results: ReadonlyMap<string, PartResult>, fn: (item: PartPlan) => Promise<void>, failed: (name: string) => boolean): Promise<void> {
  const pending = [...items];
  const inGroup = new Set(items.map((p) => p.name));
  const open = new Map<string, number>();
  let running = 0;
  let stopped = false;
  return new Promise((resolve, reject) => {
    const pump = () => {
      for (let i = 0; !stopped && i < pending.length && running < group.concurrency; ) {
        const p = pending[i]!;
        const server = schedule?.serverOf.get(p.name);
        const need = schedule?.sessionsOf.get(p.name) ?? 1;
        const waiting = p.after.some((d) => inGroup.has(d) && !results.has(d));
        const full = group.perServer !== undefined && server !== undefined && (open.get(server) ?? 0) + need > group.perServer;
        if (waiting || full) {
          i++;
          continue;
        }
        pending.splice(i, 1);
        running++;
        if (server !== undefined) open.set(server, (open.get(server) ?? 0) + need);
        fn(p).then(() => {
          running--;
          if (server !== undefined) open.set(server, open.get(server)! - need);
          const r = results.get(p.name);
          if (r && (r.status === 'failed' || r.status === 'skipped') && failed(p.name)) stopped = true;
          pump();
        }, reject);
      }
      if (running === 0 && (stopped || pending.length === 0)) resolve();
    };
    pump();
  });
}

/** The error of a part whose database could not be observed (its server was down): it fails, the others go on. */
function unreachableError(p: PartPlan): PgvError {
  const u = p.unreachable!;
  return new PgvError(u.code as ErrorCode, `part ${p.name}: ${u.message}`, u.hint ? { hint: u.hint } : {});
}
