/** `pgv plan [PART…]`: the steps `pgv apply` would run, and why. Changes nothing. */
import { renderPlanJson } from '../report/plan-json.js';
import { renderPlanText } from '../report/plan-text.js';
import { planApply, type LintFindings } from '../run/apply.js';
import { loadProjectConfig } from '../targets/context.js';
import type { CommandResult, Globals } from './types.js';
import type { Plan } from '../plan/types.js';
import { changedScriptsRefusal } from '../plan/plan.js';
import { renderError } from '../report/error-text.js';

/** Run `pgv plan`. */
export async function planCommand(g: Globals, args: { parts: string[] }): Promise<CommandResult> {
  const { plan, findings } = await planApply(await loadProjectConfig(g), { parts: args.parts }, g);
  return planResult(plan, findings);
}

/** The plan with its lint findings, and the refusal apply would give for it (a changed applied script: exit 3), as `pgv plan` and `apply --dry-run` show it. */
export function planResult(plan: Plan, findings?: LintFindings): CommandResult {
  const refusal = changedScriptsRefusal(plan.parts);
  if (refusal) return { exitCode: refusal.exitCode, json: { ...(renderPlanJson(plan, findings) as Record<string, unknown>), error: refusal.toJSON() }, text: renderPlanText(plan, findings), errors: renderError(refusal) };
  return { exitCode: 0, json: renderPlanJson(plan, findings), text: renderPlanText(plan, findings) };
}
