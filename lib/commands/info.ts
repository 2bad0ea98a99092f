/** `pgv info [PART…]`: each part's version, applied, pending and changed scripts. Changes nothing. */
import { partInfo } from '../plan/info.js';
import { planPart } from '../plan/plan.js';
import { renderInfoJson, renderInfoText } from '../report/info.js';
import { loadProjectConfig, selectParts } from '../targets/context.js';
import { observeParts } from '../run/pipeline.js';
import type { CommandResult, Globals } from './types.js';

/** Run `pgv info`. */
export async function infoCommand(g: Globals, args: { parts: string[] }): Promise<CommandResult> {
  const config = await loadProjectConfig(g);
  const inputs = await observeParts(config, selectParts(config, args.parts), g);
  const infos = inputs.map(({ part, observed, scripts }) => partInfo(part, observed, scripts, (p) => planPart({ part: p, observed, scripts })));
  return { exitCode: 0, json: renderInfoJson(infos), text: renderInfoText(infos) };
}
