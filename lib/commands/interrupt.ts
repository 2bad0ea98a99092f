/** Plumbing shared by commands that run one long program: progress style and Ctrl-C. */
import type { LineStyle } from '../exec/progress-line.js';
import type { Globals } from './types.js';
import { currentSignal } from '../db/cancel.js';

/** Live line on a terminal, plain lines when piped or with -v, nothing with -q (as apply). */
export function lineStyle(g: Globals): LineStyle {
  return g.quiet ? 'none' : g.interactive && !g.verbose && !g.json ? 'live' : 'lines';
}

/**
 * Run `body` with the signal that Ctrl-C (SIGINT) or SIGTERM aborts (the CLI's cancellation
 * scope, db/cancel.ts), so the program it runs is stopped and its partial output removed before
 * pgv exits (exit 130).
 */
export async function withInterrupt<T>(body: (signal: AbortSignal) => Promise<T>): Promise<T> {
  return body(currentSignal() ?? new AbortController().signal);
}
