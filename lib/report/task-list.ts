/**
 * The live task list and the plain progress lines: renderers of the run's events (exec/events.ts).
 * The live list runs through listr2, one task per part, each step a line of its task's output with
 * its duration. The plain lines are written as their events come, with listr2's icons: listr2's
 * own plain renderer starts every task of a concurrent list at once, and would print the header of
 * a part waiting behind `after:` or a rollout group before that part runs. The one home of listr2
 * (loaded only when there is progress to show).
 *
 * Steps are lines of their part's task, not tasks of their own: a run of a thousand scripts would
 * otherwise make the live renderer redraw a thousand tasks at every step.
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
  /** Its part-started event came. */
  started(): void;
}

/** The task list; listr2 is loaded here, before the run, so that events are drawn as they come. */
export async function taskListRenderer(options: TaskListOptions): Promise<EventRenderer> {
  const { LISTR_LOGGER_STYLE, Listr, ListrDefaultRendererLogLevels, ListrLogger, ListrLogLevels, ProcessOutput, color } = await import('listr2');
  // Step lines carry their own icons (the plain renderer's), and the renderers print them as task
  // output without an icon of their own.
  const icons = new ListrLogger({ ...LISTR_LOGGER_STYLE, processOutput: new ProcessOutput(options.stream, options.stream) });
  const iconOf = (level: 'STARTED' | 'COMPLETED' | 'FAILED') => icons.icon(ListrLogLevels[level]);
  if (options.style === 'lines') {
    return plainLines(options.stream, {
      part: (part, database) => icons.log(ListrLogLevels.STARTED, `${part} (${database})`),
      step: (part, level, step, ms) => options.stream.write(`${iconOf(level)} ${part}: ${step.title}${ms === undefined ? '' : ` (${formatDuration(ms)})`}\n`),
      end: (e, database) => {
        const title = `${e.part} (${database})`;
        const { label, message } = endMessage(e);
        if (e.status === 'failed') icons.log(ListrLogLevels.FAILED, title, { suffix: { field: `${label}: ${message}`, format: () => (text) => color.red(String(text)) } });
        else if (e.status === 'skipped') icons.log(ListrLogLevels.SKIPPED, title, { suffix: { field: `${label}: ${message}`, format: () => (text) => color.yellow(String(text)) } });
        else icons.log(ListrLogLevels.COMPLETED, partTitle(e));
      },
    });
  }
  const logger = () => new ListrLogger({ processOutput: new ProcessOutput(options.stream, options.stream) });
  const line: Line = (level, step, ms) => `${iconOf(level)} ${step.title}${ms === undefined ? '' : ` (${formatDuration(ms)})`}`;
  fitToKnownSize(options.stream);
  // listr2 wraps the list at process.stdout's width, whatever stream it draws on.
  if (process.stdout !== options.stream) fitToKnownSize(process.stdout);
  const parts = new Map<string, PartTask>();
  let running: Promise<unknown> = Promise.resolve();

  const start = (event: Extract<RunEvent, { type: 'run-started' }>) => {
    // Nothing to run: nothing to show (the report says "up to date").
    if (event.parts.every((p) => p.steps.length === 0)) return;
    const tasks: Array<ListrTask> = event.parts.map(({ part, database }) => {
      // Output written before listr2 starts the part's task waits for it (only the last: the live view redraws it whole).
      const queued: string[] = [];
      let write: ((text: string) => void) | undefined;
      const output = (text: string) => (write ? write(text) : (queued.splice(0), queued.push(text)));
      let finish!: (e: PartFinished) => void;
      const finished = new Promise<PartFinished>((resolve) => (finish = resolve));
      // listr2 starts every task at once: until its part-started event a part says that it waits (behind `after:`, a rollout group).
      let title = `${part} (${database}): waiting`;
      let setTitle: (t: string) => void = (t) => (title = t);
      parts.set(part, { view: new LiveStepView(output, line), finished, finish, started: () => setTitle(`${part} (${database})`) });
      return {
        title,
        // The live renderer keeps the part's last steps on screen when it is done.
        rendererOptions: { persistentOutput: true, outputBar: 1 },
        task: async (_ctx, task) => {
          task.title = title;
          setTitle = (t) => {
            task.title = t;
          };
          write = (text) => (task.output = text);
          for (const text of queued.splice(0)) write(text);
          const end = await finished;
          const { label, message } = endMessage(end);
          if (end.status === 'skipped') return task.skip(`${part}: skipped, ${message}`);
          if (end.status === 'failed') {
            task.title = `${part} (${database})${label === 'INTERRUPTED' ? ': interrupted' : ''}`;
            throw new Error(message);
          }
          task.title = partTitle(end);
        },
        // A part that failed does not stop independent parts.
        exitOnError: false,
      };
    });
    const listr = new Listr(tasks, {
      concurrent: true,
      exitOnError: false,
      collectErrors: false,
      registerSignalListeners: false,
      renderer: 'default',
      // listr2 falls back when stdout is not a terminal (pgv apply > report.txt); progress goes to stderr, which is one.
      fallbackRenderer: 'default',
      rendererOptions: { logger: logger(), icon: { [ListrDefaultRendererLogLevels.OUTPUT]: ' ' } },
      fallbackRendererOptions: { logger: logger(), icon: { [ListrDefaultRendererLogLevels.OUTPUT]: ' ' } },
    } as never);
    // A command may run several plans one after the other (a rehearsal's copy, then its reference).
    running = Promise.all([running, listr.run().catch(() => undefined)]);
  };

  return {
    onEvent(event) {
      switch (event.type) {
        case 'run-started':
          return start(event);
        case 'part-started':
          return parts.get(event.part)?.started();
        case 'step-started':
          return parts.get(event.part)?.view.started(event.step);
        case 'step-finished':
          return event.status === 'done' ? parts.get(event.part)?.view.finished(event.step, event.duration_ms) : parts.get(event.part)?.view.failed(event.step, event.duration_ms);
        case 'part-replanned':
        case 'warning':
          return newsLine(options.stream, event);
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

/** How the plain lines show a part: its header when it starts, its steps, its end. */
interface PlainLines {
  part(part: string, database: string): void;
  step(part: string, level: 'STARTED' | 'COMPLETED' | 'FAILED', step: EventStep, ms?: number): void;
  end(event: PartFinished, database: string): void;
}

/**
 * Plain lines (a pipe, -v): each written as its event comes, so that they read in the order things
 * happened. A part's header comes with its part-started event: a part waiting behind `after:` or
 * in a later rollout group shows nothing until it starts. Lines of concurrent parts interleave,
 * so each step line names its part.
 */
export function plainLines(stream: NodeJS.WritableStream, show: PlainLines): EventRenderer {
  // The parts of runs that have steps (a run with nothing to do shows nothing: the report says "up to date").
  const shown = new Map<string, string>();
  return {
    onEvent(event) {
      switch (event.type) {
        case 'run-started':
          if (event.parts.some((p) => p.steps.length > 0)) for (const p of event.parts) shown.set(p.part, p.database);
          return undefined;
        case 'part-started':
          return shown.has(event.part) ? show.part(event.part, event.database) : undefined;
        case 'step-started':
          return shown.has(event.part) ? show.step(event.part, 'STARTED', event.step) : undefined;
        case 'step-finished':
          return shown.has(event.part) ? show.step(event.part, event.status === 'done' ? 'COMPLETED' : 'FAILED', event.step, event.duration_ms) : undefined;
        case 'part-replanned':
        case 'warning':
          return newsLine(stream, event);
        case 'part-finished':
          return shown.has(event.part) ? show.end(event, shown.get(event.part)!) : undefined;
        default:
          return undefined;
      }
    },
    close: async () => undefined,
  };
}

/** A part's replan when it is news, and a part's warnings (whom it waits for, throwaways left behind), as they come; the run's own warnings are in its report. */
function newsLine(stream: NodeJS.WritableStream, event: PartReplanned | Extract<RunEvent, { type: 'warning' }>): void {
  if (event.type === 'part-replanned') {
    // Only news is shown: another runner did planned steps meanwhile, or the database moved.
    if (event.dropped.length || event.added.length) stream.write(`pgv: ${event.part}: ${replannedLine(event)}\n`);
  } else if (event.part !== undefined) stream.write(`pgv: ${event.part}: ${event.message}\n`);
}

/**
 * How a part that did not succeed ended, for its line: FAILED, INTERRUPTED (Ctrl-C, SIGTERM) or
 * SKIPPED, and why, without the words the label already says (`interrupted: …`, `not run: …`).
 */
export function endMessage(e: PartFinished): { label: 'FAILED' | 'INTERRUPTED' | 'SKIPPED'; message: string } {
  const interrupted = e.error?.code === 'interrupted';
  const label = e.status === 'skipped' ? 'SKIPPED' : interrupted ? 'INTERRUPTED' : 'FAILED';
  const message = (e.error?.message ?? (e.status === 'skipped' ? 'not run' : 'failed')).replace(/^(interrupted|not run): /, '');
  return { label, message };
}

/**
 * The size a live list is drawn at. A terminal that reports 0 columns or rows (a pty without a
 * size: `script -qc`, `docker exec -t`) has an unknown size, taken as 80 × 24: at width 0 the
 * list is wrapped after every character. Pure.
 */
export function knownSize(columns: number | undefined, rows: number | undefined): { columns: number; rows: number } {
  return { columns: columns !== undefined && columns > 0 ? columns : 80, rows: rows !== undefined && rows > 0 ? rows : 24 };
}

/** Give a terminal stream that reports no size (knownSize) 80 × 24; listr2 and log-update read `columns` and `rows` from it. */
function fitToKnownSize(stream: NodeJS.WriteStream): void {
  if (!stream.isTTY) return;
  const size = knownSize(stream.columns, stream.rows);
  if (stream.columns !== size.columns) stream.columns = size.columns;
  if (stream.rows !== size.rows) stream.rows = size.rows;
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
