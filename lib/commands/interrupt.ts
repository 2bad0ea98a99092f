/** Plumbing shared by commands that run one long program: progress style and Ctrl-C. */
import type { LineStyle } from '../exec/progress-line.js';
import type { Globals } from './types.js';

/** Live line on a terminal, plain lines when piped or with -v, nothing with -q (as apply). */
export function lineStyle(g: Globals): LineStyle {
  return g.quiet ? 'none' : g.interactive && !g.verbose && !g.json ? 'live' : 'lines';
}

/**
 * Run `body` with a signal that Ctrl-C (SIGINT) or SIGTERM aborts, so the program it runs is
 * stopped and its partial output removed before pgv exits (with the body's error, exit 3).
 */
export async function withInterrupt<T>(body: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    return await body(controller.signal);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
