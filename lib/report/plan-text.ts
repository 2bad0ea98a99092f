/** A plan for people: per part, numbered steps with the reason for each. Pure. */
import type { Finding } from '../lint/lint.js';
import type { Plan } from '../plan/types.js';
import { findingLines } from './lint-text.js';

/** Render a plan as text; `findings` (by step id) shows each script's lint findings under its step. */
export function renderPlanText(plan: Plan, findings?: ReadonlyMap<string, readonly Finding[]>): string {
  const lines: string[] = [];
  let total = 0;
  for (const p of plan.parts) {
    const from = p.current ?? 'none';
    if (p.unreachable) lines.push(`${p.name} (${p.database}): CANNOT BE REACHED: ${p.unreachable.message}`);
    else if (p.steps.length === 0) {
      lines.push(`${p.name} (${p.database}): up to date${p.current !== null ? ` at version ${p.current}` : ''}`);
    } else {
      lines.push(`${p.name} (${p.database}): version ${from} -> ${p.target ?? 'none'}`);
      const width = Math.max(...p.steps.map((s) => s.title.length));
      p.steps.forEach((s, i) => {
        lines.push(`  ${String(i + 1).padStart(2)}. ${s.title.padEnd(width)}  (${s.reason})`);
        for (const f of findings?.get(s.id) ?? []) lines.push(...findingLines(f, '      '));
      });
    }
    for (const c of p.changed) lines.push(`  ! ${c.script} (version ${c.version}) ${c.change === 'missing' ? 'was applied but its file is gone' : 'changed since it was applied'}`);
    total += p.steps.length;
  }
  const refused = plan.parts.some((p) => p.changed.some((c) => c.change === 'modified'));
  if (refused) lines.push('`pgv apply` refuses to run while an applied script has changed (marked ! above); see the error below.');
  else {
    const withSteps = plan.parts.filter((p) => p.steps.length).length;
    const unreachable = plan.parts.filter((p) => p.unreachable).length;
    const pending = total === 0 ? 'Nothing to do' : `${total} step${total === 1 ? '' : 's'} in ${withSteps} part${withSteps === 1 ? '' : 's'}; \`pgv apply\` runs them`;
    lines.push(unreachable ? `${unreachable} part${unreachable === 1 ? '' : 's'} could not be reached; ${total === 0 ? 'nothing to do for the others' : pending}.` : `${pending}.`);
  }
  return lines.join('\n');
}
