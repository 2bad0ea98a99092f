/** `pgv plan [PART…]`: the steps `pgv apply` would run, and why. Changes nothing. */
import { renderPlanJson } from '../report/plan-json.js';
import { renderPlanText } from '../report/plan-text.js';
import { loadProjectConfig, selectParts } from '../targets/context.js';
import { preparePlan } from '../run/pipeline.js';
import type { CommandResult, Globals } from './types.js';

/** Run `pgv plan`. */
export async function planCommand(g: Globals, args: { parts: string[] }): Promise<CommandResult> {
  const config = await loadProjectConfig(g);
  const { plan } = await preparePlan(config, selectParts(config, args.parts), g);
  return { exitCode: 0, json: renderPlanJson(plan), text: renderPlanText(plan) };
}
