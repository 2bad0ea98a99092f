/** `pgv plan [PART…]`: the steps `pgv apply` would run, and why. Changes nothing. */
import { renderPlanJson } from '../report/plan-json.js';
import { renderPlanText } from '../report/plan-text.js';
import { planApply } from '../run/apply.js';
import { loadProjectConfig } from '../targets/context.js';
import type { CommandResult, Globals } from './types.js';

/** Run `pgv plan`. */
export async function planCommand(g: Globals, args: { parts: string[] }): Promise<CommandResult> {
  const { plan } = await planApply(await loadProjectConfig(g), { parts: args.parts }, g);
  return { exitCode: 0, json: renderPlanJson(plan), text: renderPlanText(plan) };
}
