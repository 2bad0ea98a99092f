/**
 * The executor: one listr2 task per part (concurrent where `after` allows), one subtask per step.
 * The one home of listr2. Returns a RunResult; never prints anything but progress.
 */
import { Listr, ListrLogger, ProcessOutput, type ListrTask } from 'listr2';
import type { PartPlan, Plan, Step } from '../plan/types.js';
import type { PartResult, RunResult, StepResult } from './result.js';

/** How progress is shown: a live task list, plain lines, or nothing. */
export type ProgressStyle = 'live' | 'lines' | 'none';

/** The executor's view of a part job (see part-job.ts). */
export interface Job {
  begin(initial: PartPlan, onCreated: (step: Step, ms: number) => void): Promise<PartPlan>;
  run(step: Step): Promise<void>;
  close(): Promise<void>;
}

/** Executor options. */
export interface ExecuteOptions {
  readonly progress: ProgressStyle;
  /** Parts run at once (when `after` allows). */
  readonly concurrency: number;
  /** Where progress goes (stderr, so stdout holds only the report). */
  readonly stream: NodeJS.WriteStream;
}

/** Run a plan: `jobFor(part)` supplies the part's job. */
export async function executePlan(plan: Plan, jobFor: (part: PartPlan) => Job, options: ExecuteOptions): Promise<RunResult> {
  const t0 = performance.now();
  const results = new Map<string, PartResult>();
  const finished = new Map<string, Promise<PartResult>>();
  const resolvers = new Map<string, (r: PartResult) => void>();
  for (const p of plan.parts) finished.set(p.name, new Promise((resolve) => resolvers.set(p.name, resolve)));
  const settle = (r: PartResult) => {
    results.set(r.name, r);
    resolvers.get(r.name)!(r);
  };

  const tasks: ListrTask[] = plan.parts.map((partPlan) => ({
    title: partTitle(partPlan),
    task: async (_ctx, task) => {
      const start = performance.now();
      const deps = await Promise.all(partPlan.after.filter((d) => finished.has(d)).map((d) => finished.get(d)!));
      const failedDep = deps.find((d) => d.status === 'failed' || d.status === 'skipped');
      if (failedDep) {
        settle({ name: partPlan.name, database: partPlan.database, status: 'skipped', steps: [], durationMs: 0, error: { message: `part ${failedDep.name} did not succeed` } });
        task.skip(`${partPlan.name}: skipped, part ${failedDep.name} did not succeed`);
        return;
      }
      const stepResults: StepResult[] = [];
      const job = jobFor(partPlan);
      let closed = false;
      const finish = async (result: Omit<PartResult, 'name' | 'database' | 'steps' | 'durationMs'>) => {
        if (closed) return;
        closed = true;
        await job.close();
        settle({ name: partPlan.name, database: partPlan.database, steps: stepResults, durationMs: performance.now() - start, ...result });
      };
      const fail = async (e: unknown, step?: Step, stepStart = 0) => {
        if (step) stepResults.push({ step, status: 'failed', durationMs: performance.now() - stepStart, message: (e as Error)?.message });
        await finish({ status: 'failed', error: e });
        return e instanceof Error ? e : new Error(String(e));
      };
      let fresh: PartPlan;
      try {
        fresh = await job.begin(partPlan, (step, ms) => {
          stepResults.push({ step, status: 'done', durationMs: ms });
          task.output = `${step.title} (${formatMs(ms)})`;
        });
      } catch (e) {
        throw await fail(e);
      }
      if (fresh.steps.length === 0) {
        task.title = `${partPlan.name}: up to date${fresh.current !== null ? ` (version ${fresh.current})` : ''}`;
        await finish({ status: stepResults.length ? 'applied' : 'unchanged' });
        return;
      }
      // One subtask per step; the last one closes the session. listr2 runs them after this returns.
      const subtasks: ListrTask[] = fresh.steps.map((step, index) => ({
        title: step.title,
        task: async (_c, sub) => {
          const stepStart = performance.now();
          try {
            await job.run(step);
          } catch (e) {
            throw await fail(e, step, stepStart);
          }
          const ms = performance.now() - stepStart;
          stepResults.push({ step, status: 'done', durationMs: ms });
          sub.title = `${step.title} (${formatMs(ms)})`;
          if (index === fresh.steps.length - 1) {
            task.title = `${partPlan.name}: ${stepResults.length} step${stepResults.length === 1 ? '' : 's'} done${fresh.target !== null ? `, now at version ${fresh.target}` : ''}`;
            await finish({ status: 'applied' });
          }
        },
      }));
      return task.newListr(subtasks, { concurrent: false, exitOnError: true });
    },
    // A part that failed does not stop independent parts.
    exitOnError: false,
  }));

  const listr = new Listr(tasks, {
    concurrent: Math.max(1, options.concurrency),
    exitOnError: false,
    collectErrors: false,
    registerSignalListeners: false,
    renderer: options.progress === 'live' ? 'default' : options.progress === 'lines' ? 'simple' : 'silent',
    fallbackRenderer: 'simple',
    rendererOptions: { collapseSubtasks: false, logger: new ListrLogger({ processOutput: new ProcessOutput(options.stream, options.stream) }) },
    fallbackRendererOptions: { logger: new ListrLogger({ processOutput: new ProcessOutput(options.stream, options.stream) }) },
  } as never);
  await listr.run().catch(() => undefined);

  const parts = plan.parts.map((p) => results.get(p.name) ?? { name: p.name, database: p.database, status: 'skipped' as const, steps: [], durationMs: 0 });
  return { ok: parts.every((p) => p.status === 'applied' || p.status === 'unchanged'), parts, durationMs: performance.now() - t0 };
}

function partTitle(p: PartPlan): string {
  return `${p.name} (${p.database})`;
}

function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}
