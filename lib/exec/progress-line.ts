/**
 * Progress of one long-running program (pg_dump, pg_restore): on a terminal a single line that is
 * rewritten in place (at most ten times a second) and erased at the end; otherwise plain lines,
 * or nothing. Writes only to the progress stream (stderr).
 */

/** How progress is shown (as for the executor): a live line, plain lines, or nothing. */
export type LineStyle = 'live' | 'lines' | 'none';

/** A progress reporter. */
export interface ProgressLine {
  /** The current state; `important` lines are printed in `lines` style too (others only with `every`). */
  update(text: string, important?: boolean): void;
  /** Erase the live line. */
  done(): void;
}

/** Options: the style, the stream, and whether `lines` style prints every update. */
export interface ProgressLineOptions {
  readonly style: LineStyle;
  readonly stream: NodeJS.WriteStream;
  /** In `lines` style, print every update rather than only the important ones (-v). */
  readonly every?: boolean;
  readonly intervalMs?: number;
}

/** A reporter writing to `options.stream`. */
export function progressLine(options: ProgressLineOptions): ProgressLine {
  const { style, stream } = options;
  if (style === 'none') return { update: () => undefined, done: () => undefined };
  if (style === 'lines') {
    return {
      update: (text, important) => {
        if (important || options.every) stream.write(`${text}\n`);
      },
      done: () => undefined,
    };
  }
  const interval = options.intervalMs ?? 100;
  let last = 0;
  let pending: string | undefined;
  let shown = false;
  let timer: NodeJS.Timeout | undefined;
  const draw = (text: string) => {
    const width = Math.max((stream.columns || 80) - 1, 20);
    stream.write(`\r\u001b[2K${text.length > width ? `${text.slice(0, width - 1)}…` : text}`);
    shown = true;
    last = Date.now();
    pending = undefined;
  };
  return {
    update(text) {
      pending = text;
      const wait = interval - (Date.now() - last);
      if (wait <= 0) draw(text);
      else timer ??= setTimeout(() => {
        timer = undefined;
        if (pending !== undefined) draw(pending);
      }, wait);
    },
    done() {
      if (timer) clearTimeout(timer);
      timer = undefined;
      if (shown) stream.write('\r\u001b[2K');
      shown = false;
    },
  };
}
