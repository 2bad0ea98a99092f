/**
 * The live task list and the plain progress lines: renderers of the run's events (exec/events.ts)
 * through listr2, one task per part, each step a line of its task's output with its duration. The
 * one home of listr2 (loaded only when there is progress to show).
 *
 * Steps are lines of their part's task, not tasks of their own: a run of a thousand scripts would
 * otherwise make the live renderer redraw a thousand tasks at every step, and the plain one keep a
 * thousand task objects alive.
 */
import type { ListrTask } from 'listr2';
import type { EventSink, EventStep, PartFinished, PartReplanned, RunEvent } from '../exec/events.js';
import { formatDuration } from '../util/format.js';

/** A renderer of a run's events: feed it every event, then wait for it to finish drawing. */
export interface EventRenderer {
  readonly onEvent: EventSink;
  close(): Promise<void>;
}

/** Options of the task list. */
export interface TaskListOptions {
  /** A live list redrawn in place (a terminal), or plain lines (a pipe, -v). */
  readonly style: 'live' | 'lines';
  /** Where it draws (stderr, so stdout holds only the report). */
  readonly stream: NodeJS.WriteStream;
}

/** What one part's task shows, before and after listr2 has started its task. */
interface PartTask {
  readonly view: StepView;
  readonly finished: Promise<PartFinished>;
  finish(event: PartFinished): void;
}

/** The task list; listr2 is loaded here, before the run, so that events are drawn as they come. */
export async function taskListRenderer(options: TaskListOptions): Promise<EventRenderer> {
  const { LISTR_LOGGER_STYLE, Listr, ListrDefaultRendererLogLevels, ListrLogger, ListrLogLevels, ProcessOutput } = await import('listr2');
  const logger = () => new ListrLogger({ processOutput: new ProcessOutput(options.stream, options.stream) });
  // Step lines carry their own icons (the plain renderer's), and the renderers print them as task
  // output without an icon of their own.
  const icons = new ListrLogger({ ...LISTR_LOGGER_STYLE, processOutput: new ProcessOutput(options.stream, options.stream) });
  const line: Line = (level, step, ms) => `${icons.icon(ListrLogLevels[level])} ${step.title}${ms === undefined ? '' : ` (${formatDuration(ms)})`}`;
  // Plain lines of concurrent parts interleave (and piped output has no task titles): each names its part.
  const partLine = (part: string): Line => (level, step, ms) => `${icons.icon(ListrLogLevels[level])} ${part}: ${step.title}${ms === undefined ? '' : ` (${formatDuration(ms)})`}`;
  const parts = new Map<string, PartTask>();
  let running: Promise<unknown> = Promise.resolve();

  const start = (event: Extract<RunEvent, { type: 'run-started' }>) => {
    // Nothing to run: nothing to show (the report says "up to date").
    if (event.parts.every((p) => p.steps.length === 0)) return;
    const tasks: Array<ListrTask> = event.parts.map(({ part, database }) => {
      // Output written before listr2 starts the part's task waits for it, in order.
      const queued: string[] = [];
      let write: ((text: string) => void) | undefined;
      const output = (text: string) => (write ? write(text) : options.style === 'live' ? (queued.splice(0), queued.push(text)) : queued.push(text));
      let finish!: (e: PartFinished) => void;
      const finished = new Promise<PartFinished>((resolve) => (finish = resolve));
      parts.set(part, { view: options.style === 'live' ? new LiveStepView(output, line) : lineSteps(output, partLine(part)), finished, finish });
      return {
        title: `${part} (${database})`,
        // The live renderer keeps the part's last steps on screen when it is done.
        rendererOptions: { persistentOutput: true, outputBar: 1 },
        task: async (_ctx, task) => {
          write = (text) => (task.output = text);
          for (const text of queued.splice(0)) write(text);
          const end = await finished;
          if (end.status === 'skipped') return task.skip(`${part}: skipped, ${end.error?.message ?? 'not run'}`);
          if (end.status === 'failed') throw new Error(end.error?.message ?? 'failed');
          task.title = partTitle(end);
        },
        // A part that failed does not stop independent parts.
        exitOnError: false,
      };
    });
    const plain = { logger: logger(), icon: { [ListrLogLevels.OUTPUT]: '' } };
    const listr = new Listr(tasks, {
      concurrent: true,
      exitOnError: false,
      collectErrors: false,
      registerSignalListeners: false,
      renderer: options.style === 'live' ? 'default' : 'simple',
      fallbackRenderer: 'simple',
      rendererOptions: options.style === 'live' ? { logger: logger(), icon: { [ListrDefaultRendererLogLevels.OUTPUT]: ' ' } } : plain,
      fallbackRendererOptions: plain,
    } as never);
    // A command may run several plans one after the other (a rehearsal's copy, then its reference).
    running = Promise.all([running, listr.run().catch(() => undefined)]);
  };

  return {
    onEvent(event) {
      switch (event.type) {
        case 'run-started':
          return start(event);
        case 'step-started':
          return parts.get(event.part)?.view.started(event.step);
        case 'step-finished':
          return event.status === 'done' ? parts.get(event.part)?.view.finished(event.step, event.duration_ms) : parts.get(event.part)?.view.failed(event.step, event.duration_ms);
        case 'part-replanned':
          // Only news is shown: another runner did planned steps meanwhile, or the database moved.
          if (event.dropped.length || event.added.length) options.stream.write(`pgv: ${event.part}: ${replannedLine(event)}\n`);
          return undefined;
        case 'warning':
          // A part's warnings (whom it waits for, throwaways left behind) as they come; the run's own are in its report.
          if (event.part !== undefined) options.stream.write(`pgv: ${event.part}: ${event.message}\n`);
          return undefined;
        case 'part-finished': {
          const p = parts.get(event.part);
          p?.view.close();
          return p?.finish(event);
        }
        default:
          return undefined;
      }
    },
    close: async () => {
      await running;
    },
  };
}

/** What the replan under the lock changed, in a line. */
export function replannedLine(e: PartReplanned): string {
  const n = (k: number) => `${k} step${k === 1 ? '' : 's'}`;
  const parts = [...(e.dropped.length ? [`${n(e.dropped.length)} done meanwhile by another runner`] : []), ...(e.added.length ? [`${n(e.added.length)} added`] : [])];
  return `planned again under the lock: ${parts.join(', ')}; ${e.steps.length === 0 ? 'nothing left to do' : `${n(e.steps.length)} to run`} (at version ${e.current ?? 'none'})`;
}

/** The title of a part that is over: what it did, and the version it is at. */
function partTitle(e: PartFinished): string {
  const at = e.version !== undefined && e.version !== null ? e.version : null;
  // --to held scripts back: never "up to date".
  const held = e.held_by_to ? `stopped at ${at ?? 'none'} (--to); ${e.held_by_to} script${e.held_by_to === 1 ? '' : 's'} pending` : '';
  if (e.status === 'unchanged') return `${e.part}: ${held || `up to date${at !== null ? ` (version ${at})` : ''}`}`;
  return `${e.part}: ${e.steps_done} step${e.steps_done === 1 ? '' : 's'} done${held ? `, ${held}` : at !== null ? `, now at version ${at}` : ''}`;
}

/** Shows a part's steps as they start, finish or fail. */
interface StepView {
  started(step: EventStep): void;
  finished(step: EventStep, ms: number): void;
  failed(step: EventStep, ms: number): void;
  /** The part is over: show what is left to show, stop any timer. */
  close(): void;
}

/** Sets the output of the part's task. */
type Output = (text: string) => void;
/** A step's line: its icon, its title, and its duration once it is over. */
type Line = (level: 'STARTED' | 'COMPLETED' | 'FAILED', step: EventStep, ms?: number) => string;

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

  started(step: EventStep): void {
    this.running = this.line('STARTED', step);
    this.schedule();
  }

  finished(step: EventStep, ms: number): void {
    this.push(this.line('COMPLETED', step, ms));
  }

  failed(step: EventStep, ms: number): void {
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
