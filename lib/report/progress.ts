/**
 * The one choice of how a run's events are shown, made from the global options: NDJSON on stdout
 * (--json-lines), a live task list on a terminal, plain lines when piped or with -v, nothing with
 * -q. Runs inside a command (reference builds, rehearsal copies) are shown only on a terminal or
 * with -v, and never in --json or --json-lines output.
 */
import type { EventRenderer } from './task-list.js';

export type { EventRenderer };

/** The global options the choice depends on (a subset of the CLI's Globals). */
export interface ProgressChoice {
  readonly quiet: boolean;
  readonly verbose: boolean;
  readonly json: boolean;
  readonly jsonLines?: boolean;
  /** Is stderr a terminal? */
  readonly interactive: boolean;
  /** Where progress goes (stderr). */
  readonly progressStream: NodeJS.WriteStream;
  /** Where --json-lines writes (stdout). */
  readonly stdout?: NodeJS.WritableStream;
}

/** How progress is shown: a live task list, plain lines, NDJSON events, or nothing. */
export type ProgressStyle = 'live' | 'lines' | 'json-lines' | 'none';

/** The style for a command's own run (`run`) or for a run inside it (`inner`). Pure. */
function progressStyle(o: ProgressChoice, what: 'run' | 'inner' = 'run'): ProgressStyle {
  if (what === 'inner') return o.quiet || o.json || o.jsonLines ? 'none' : o.verbose ? 'lines' : o.interactive ? 'live' : 'none';
  if (o.jsonLines) return 'json-lines';
  if (o.quiet) return 'none';
  return o.interactive && !o.verbose && !o.json ? 'live' : 'lines';
}

const silent: EventRenderer = { onEvent: () => undefined, close: async () => undefined };

/** A renderer of the events in the chosen style (listr2 is loaded only for a task list). */
export async function eventRenderer(o: ProgressChoice, what: 'run' | 'inner' = 'run'): Promise<EventRenderer> {
  const style = progressStyle(o, what);
  if (style === 'none') return silent;
  if (style === 'json-lines') {
    const out = o.stdout ?? process.stdout;
    return { onEvent: (event) => void out.write(`${JSON.stringify(event)}\n`), close: async () => undefined };
  }
  const { taskListRenderer } = await import('./task-list.js');
  return taskListRenderer({ style, stream: o.progressStream });
}
