/** `pgv plan [PART…]`: the steps `pgv apply` would run, and why. Changes nothing. */
import { renderPlanJson } from '../report/plan-json.js';
import { renderPlanText } from '../report/plan-text.js';
import { loadProjectConfig, selectParts } from './context.js';
import { preparePlan } from './pipeline.js';
import type { CommandResult, Globals } from './types.js';
import { changedScriptsRefusal } from '../plan/plan.js';
import { renderError } from '../report/error-text.js';

/** Run `pgv plan`. */
export async function planCommand(g: Globals, args: { parts: string[] }): Promise<CommandResult> {
  const config = await loadProjectConfig(g);
  const { plan } = await preparePlan(config, selectParts(config, args.parts), g);
  // A changed applied script: apply refuses, and plan says so the same way (exit 3).
  const refusal = changedScriptsRefusal(plan.parts);
  if (refusal) return { exitCode: refusal.exitCode, json: { ...(renderPlanJson(plan) as Record<string, unknown>), error: refusal.toJSON() }, text: renderPlanText(plan), errors: renderError(refusal) };
  return { exitCode: 0, json: renderPlanJson(plan), text: renderPlanText(plan) };
}
