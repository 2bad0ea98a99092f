/**
 * The executor: runs each part's steps in order, parts concurrently where `after` allows, and shows
 * progress as one listr2 task per part, each step a line of its output with its duration. The one
 * home of listr2 (loaded only when there is progress to show). Returns a RunResult; never prints
 * anything but progress.
 *
 * Steps are lines of their part's task, not tasks of their own: a run of a thousand scripts would
 * otherwise make the live renderer redraw a thousand tasks at every step, and the plain one keep a
 * thousand task objects alive.
 */
import type { ListrTask } from 'listr2';
import type { PartPlan, Plan, Step } from '../plan/types.js';
import type { PartResult, RunResult, StepResult } from './result.js';
import { formatDuration } from '../util/format.js';

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

  /** Run one part: wait for the parts it comes after, then its job, step by step. Throws when it fails. */
  const runPart = async (partPlan: PartPlan, ui: PartUi): Promise<void> => {
    const start = performance.now();
    const deps = await Promise.all(partPlan.after.filter((d) => finished.has(d)).map((d) => finished.get(d)!));
    const failedDep = deps.find((d) => d.status === 'failed' || d.status === 'skipped');
    if (failedDep) {
      settle({ name: partPlan.name, database: partPlan.database, status: 'skipped', steps: [], durationMs: 0, error: { message: `part ${failedDep.name} did not succeed` } });
      ui.skip(`${partPlan.name}: skipped, part ${failedDep.name} did not succeed`);
      return;
    }
    const view = ui.steps;
    const stepResults: StepResult[] = [];
    const job = jobFor(partPlan);
    let result: Omit<PartResult, 'name' | 'database' | 'steps' | 'durationMs'> = { status: 'failed' };
    try {
      const fresh = await job.begin(partPlan, (step, ms) => {
        stepResults.push({ step, status: 'done', durationMs: ms });
        view.finished(step, ms);
      });
      for (const step of fresh.steps) {
        view.started(step);
        const stepStart = performance.now();
        try {
          await job.run(step);
        } catch (e) {
          const ms = performance.now() - stepStart;
          stepResults.push({ step, status: 'failed', durationMs: ms, message: (e as Error)?.message });
          view.failed(step, ms);
          throw e;
        }
        const ms = performance.now() - stepStart;
        stepResults.push({ step, status: 'done', durationMs: ms });
        view.finished(step, ms);
      }
      view.close();
      const held = fresh.heldByTo ? `stopped at ${fresh.target ?? 'none'} (--to); ${fresh.heldByTo} script${fresh.heldByTo === 1 ? '' : 's'} pending` : '';
      ui.title(
        fresh.steps.length === 0
          ? `${partPlan.name}: ${held || `up to date${fresh.current !== null ? ` (version ${fresh.current})` : ''}`}`
          : `${partPlan.name}: ${stepResults.length} step${stepResults.length === 1 ? '' : 's'} done${held ? `, ${held}` : fresh.target !== null ? `, now at version ${fresh.target}` : ''}`,
      );
      result = { status: stepResults.length ? 'applied' : 'unchanged', version: fresh.target, ...(fresh.heldByTo ? { heldByTo: fresh.heldByTo } : {}) };
    } catch (e) {
      view.close();
      result = { status: 'failed', error: e };
      throw e instanceof Error ? e : new Error(String(e));
    } finally {
      // Closing releases the lock: a part that runs after this one may need it.
      await job.close();
      settle({ name: partPlan.name, database: partPlan.database, steps: stepResults, durationMs: performance.now() - start, ...result });
    }
  };

  if (options.progress === 'none') {
    // Nothing to show: no task list to load. A failed part does not stop independent parts.
    const silent: PartUi = { skip: () => undefined, title: () => undefined, steps: silentSteps };
    await runLimited(plan.parts, options.concurrency, (p) => runPart(p, silent).catch(() => undefined));
  } else {
    await runWithTaskList(plan, runPart, options);
  }

  const parts = plan.parts.map((p) => results.get(p.name) ?? { name: p.name, database: p.database, status: 'skipped' as const, steps: [], durationMs: 0 });
  return { ok: parts.every((p) => p.status === 'applied' || p.status === 'unchanged'), parts, durationMs: performance.now() - t0 };
}

/** What a running part shows: its title, a skip, its steps. */
interface PartUi {
  skip(message: string): void;
  title(text: string): void;
  readonly steps: StepView;
}

/** The parts as a listr2 task list (live or plain lines): one task per part, its steps as output lines. */
async function runWithTaskList(plan: Plan, runPart: (p: PartPlan, ui: PartUi) => Promise<void>, options: ExecuteOptions): Promise<void> {
  const { LISTR_LOGGER_STYLE, Listr, ListrDefaultRendererLogLevels, ListrLogger, ListrLogLevels, ProcessOutput } = await import('listr2');
  const logger = () => new ListrLogger({ processOutput: new ProcessOutput(options.stream, options.stream) });
  // Step lines carry their own icons (the plain renderer's), and the renderers print them as task
  // output without an icon of their own.
  const icons = new ListrLogger({ ...LISTR_LOGGER_STYLE, processOutput: new ProcessOutput(options.stream, options.stream) });
  const line = (level: 'STARTED' | 'COMPLETED' | 'FAILED', step: Step, ms?: number, part?: string) =>
    `${icons.icon(ListrLogLevels[level])} ${part ? `${part}: ` : ''}${step.title}${ms === undefined ? '' : ` (${formatDuration(ms)})`}`;
  const tasks: Array<ListrTask> = plan.parts.map((partPlan) => ({
    title: partTitle(partPlan),
    // The live renderer keeps the part's last steps on screen when it is done.
    rendererOptions: { persistentOutput: true, outputBar: 1 },
    task: (_ctx, task) => {
      const output = (text: string) => (task.output = text);
      return runPart(partPlan, {
        skip: (message) => task.skip(message),
        title: (text) => (task.title = text),
        // Plain lines of concurrent parts interleave: each names its part.
        steps: options.progress === 'live' ? new LiveStepView(output, line) : lineSteps(output, (level, step, ms) => line(level, step, ms, partPlan.name)),
      });
    },
    // A part that failed does not stop independent parts.
    exitOnError: false,
  }));
  const plain = { logger: logger(), icon: { [ListrLogLevels.OUTPUT]: '' } };
  const listr = new Listr(tasks, {
    concurrent: Math.max(1, options.concurrency),
    exitOnError: false,
    collectErrors: false,
    registerSignalListeners: false,
    renderer: options.progress === 'live' ? 'default' : 'simple',
    fallbackRenderer: 'simple',
    rendererOptions: options.progress === 'live' ? { logger: logger(), icon: { [ListrDefaultRendererLogLevels.OUTPUT]: ' ' } } : plain,
    fallbackRendererOptions: plain,
  } as never);
  await listr.run().catch(() => undefined);
}

/** Run `fn` on every item, at most `limit` at once, in order. */
async function runLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}

/** Shows a part's steps as they start, finish or fail. */
interface StepView {
  started(step: Step): void;
  finished(step: Step, ms: number): void;
  failed(step: Step, ms: number): void;
  /** The part is over: show what is left to show, stop any timer. */
  close(): void;
}

/** Sets the output of the part's task. */
type Output = (text: string) => void;
/** A step's line: its icon, its title, and its duration once it is over. */
type Line = (level: 'STARTED' | 'COMPLETED' | 'FAILED', step: Step, ms?: number) => string;

const silentSteps: StepView = { started: () => undefined, finished: () => undefined, failed: () => undefined, close: () => undefined };

/** Plain lines: one when a step starts and one when it ends (the plain renderer prints every output). */
function lineSteps(output: Output, line: Line): StepView {
  return {
    started: (step) => output(line('STARTED', step)),
    finished: (step, ms) => output(line('COMPLETED', step, ms)),
    failed: (step, ms) => output(line('FAILED', step, ms)),
    close: () => undefined,
  };
}

/**
 * The live view: the part's last steps with their durations and the step that runs, redrawn at
 * most every `frameMs` (every redraw repaints the whole task list).
 */
class LiveStepView implements StepView {
  static readonly window = 10;
  static readonly frameMs = 50;
  private readonly lines: string[] = [];
  private earlier = 0;
  private running: string | null = null;
  private lastFrame = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly output: Output,
    private readonly line: Line,
  ) {}

  started(step: Step): void {
    this.running = this.line('STARTED', step);
    this.schedule();
  }

  finished(step: Step, ms: number): void {
    this.push(this.line('COMPLETED', step, ms));
  }

  failed(step: Step, ms: number): void {
    this.push(this.line('FAILED', step, ms));
  }

  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.running = null;
    this.draw();
  }

  private push(line: string): void {
    this.running = null;
    this.lines.push(line);
    if (this.lines.length > LiveStepView.window) {
      this.lines.shift();
      this.earlier++;
    }
    this.schedule();
  }

  private schedule(): void {
    if (this.timer) return;
    const wait = this.lastFrame + LiveStepView.frameMs - performance.now();
    if (wait <= 0) this.draw();
    else this.timer = setTimeout(() => this.draw(), wait);
  }

  private draw(): void {
    this.timer = undefined;
    this.lastFrame = performance.now();
    const shown = [...(this.earlier ? [`… ${this.earlier} earlier step${this.earlier === 1 ? '' : 's'}`] : []), ...this.lines, ...(this.running ? [this.running] : [])];
    if (shown.length) this.output(shown.join('\n'));
  }
}

function partTitle(p: PartPlan): string {
  return `${p.name} (${p.database})`;
}
