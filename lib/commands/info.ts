/** `pgv info [PART…]`: each part's version, applied, pending and changed scripts. Changes nothing. */
import { renderInfoJson, renderInfoText } from '../report/info.js';
import { partsInfo } from '../run/info.js';
import { loadProjectConfig } from '../targets/context.js';
import type { CommandResult, Globals } from './types.js';

/** Run `pgv info`. */
export async function infoCommand(g: Globals, args: { parts: string[] }): Promise<CommandResult> {
  const infos = await partsInfo(await loadProjectConfig(g), args.parts, g);
  return { exitCode: 0, json: renderInfoJson(infos), text: renderInfoText(infos) };
}
