/** A plan as Markdown: a heading and a table of steps per part, with lint findings. Pure. */
import type { Finding } from '../lint/lint.js';
import type { Plan } from '../plan/types.js';
import { cell, code, table } from './markdown.js';

/** Render a plan for a pull-request comment or $GITHUB_STEP_SUMMARY. */
export function renderPlanMarkdown(plan: Plan, findings?: ReadonlyMap<string, readonly Finding[]>): string {
  const total = plan.parts.reduce((n, p) => n + p.steps.length, 0);
  const lines = ['## pgv plan', '', total === 0 ? 'Nothing to do: every part is up to date.' : `${total} step${total === 1 ? '' : 's'} pending.`];
  for (const p of plan.parts) {
    lines.push('', `### ${cell(p.name)} (${code(p.database)}): ${p.steps.length ? `version ${p.current ?? 'none'} → ${p.target ?? 'none'}` : `up to date${p.current !== null ? ` at version ${p.current}` : ''}`}`);
    if (p.steps.length) {
      lines.push('', ...table(['#', 'step', 'why', 'lint'], p.steps.map((s, i) => [String(i + 1), cell(s.title), cell(s.reason.replace(/ -> /g, ' → ')), lintCell(findings?.get(s.id) ?? [])])));
    }
    if (p.changed.length) {
      lines.push('', ...p.changed.map((c) => `- :warning: ${code(c.script)} (version ${c.version}) ${c.change === 'missing' ? 'was applied but its file is gone' : 'changed since it was applied: `pgv apply` refuses'}`));
    }
  }
  return lines.join('\n');
}

/** Findings of one step in one cell: `level rule (line:column)`, one per line. */
function lintCell(findings: readonly Finding[]): string {
  return findings.map((f) => `${f.level === 'error' ? ':x:' : ':warning:'} ${cell(`${f.rule} (${f.line}:${f.column}): ${f.message}`)}`).join('<br>');
}
