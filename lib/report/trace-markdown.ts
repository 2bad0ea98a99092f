/** A trace as Markdown: a table of the statements, blocking and slow first, with locks and rewrites. Pure. */
import { blockingMs, policyKey, worstFirst, type PolicyViolation, type Trace } from '../trace/model.js';
import { formatDuration } from '../util/format.js';
import { cell, code, table } from './markdown.js';

/** Render a trace (`pgv trace --format markdown`) for a pull-request comment or $GITHUB_STEP_SUMMARY. */
export function renderTraceMarkdown(part: string, trace: Trace, violations: readonly PolicyViolation[]): string {
  const lines = [`## pgv trace: ${cell(part)}`, '', `${trace.statements.length} statement${trace.statements.length === 1 ? '' : 's'} on a copy (${code(trace.database)}) in ${formatDuration(trace.durationMs)}; blocking and slow first.`];
  const rows = worstFirst(trace.statements).map((s) => {
    const blocking = blockingMs(s);
    const locks = s.locks.filter((l) => l.heldMs !== undefined).map((l) => `${l.mode} on ${l.relation} (${formatDuration(l.heldMs!)})`);
    return [cell(`${s.script}:${s.line}`), code(s.text), formatDuration(s.durationMs), blocking ? `**${formatDuration(blocking)}**` : '', cell(locks.join('\n')), cell(s.rewrites.map((r) => r.relation).join('\n'))];
  });
  if (rows.length) lines.push('', ...table(['statement', 'text', 'took', 'blocks writes', 'strong locks (held)', 'rewrote'], rows));
  if (violations.length) {
    lines.push('', ...violations.map((v) => `- :x: ${code(`${v.script}:${v.line}`)}: ${v.mode} on ${cell(v.relation)} held ${formatDuration(v.heldMs)}, over \`lint.max_lock_ms.${policyKey(v.mode)}\` = ${formatDuration(v.limitMs)}`));
  }
  return lines.join('\n');
}
