/** How errors look on stderr. Pure. */
import { isPgvError } from '../errors.js';

/** Lines for stderr describing `e`: message, details, hint; a stack for internal errors. */
export function renderError(e: unknown, verbose = false): string[] {
  // An interrupt is one line: what was stopped and what it left (see report/interrupt.ts).
  if (isPgvError(e) && e.code === 'interrupted') return [`pgv: ${e.message}`];
  if (isPgvError(e)) {
    const lines = [`pgv: error: ${e.message}`];
    for (const d of e.detailLines) lines.push(`  ${d}`);
    if (e.hint) lines.push(`  hint: ${e.hint}`);
    if (verbose && e.cause instanceof Error && e.cause.stack) lines.push(e.cause.stack);
    return lines;
  }
  const err = e instanceof Error ? e : new Error(String(e));
  return [
    `pgv: internal error: ${err.message}`,
    ...(err.stack ? err.stack.split('\n').slice(1) : []),
    '  This is a bug in pgv. Please report it with the command you ran and the lines above.',
  ];
}
