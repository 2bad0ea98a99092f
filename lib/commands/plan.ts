/** `pgv plan [PART…]`: the steps `pgv apply` would run, and why. Changes nothing. */
import { lintPlan } from '../lint/scripts.js';
import { renderPlanJson } from '../report/plan-json.js';
import { renderPlanText } from '../report/plan-text.js';
import { loadProjectConfig, selectParts } from './context.js';
import { preparePlan } from './pipeline.js';
import type { CommandResult, Globals } from './types.js';

/** Run `pgv plan`. */
export async function planCommand(g: Globals, args: { parts: string[] }): Promise<CommandResult> {
  const config = await loadProjectConfig(g);
  const { plan, prepared } = await preparePlan(config, selectParts(config, args.parts), g);
  const findings = await lintPlan(plan, prepared, g.cwd);
  return { exitCode: 0, json: renderPlanJson(plan, findings), text: renderPlanText(plan, findings) };
}
