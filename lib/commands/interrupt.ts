/** Shared by commands that run one long program: the progress style. (Ctrl-C reaches the program through the cancellation scope: db/cancel.ts, dump/run-tool.ts.) */
import type { LineStyle } from '../exec/progress-line.js';
import type { Globals } from './types.js';

/** Live line on a terminal, plain lines when piped or with -v, nothing with -q (as apply). */
export function lineStyle(g: Globals): LineStyle {
  return g.quiet ? 'none' : g.interactive && !g.verbose && !g.json ? 'live' : 'lines';
}
