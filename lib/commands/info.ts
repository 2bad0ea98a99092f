/** `pgv info [PART…]`: each part's version, applied, pending and changed scripts; `--fleet`: the census. Changes nothing. */
import { ExitCode } from '../errors.js';
import { renderInfoJson, renderInfoText } from '../report/info.js';
import { partsInfo } from '../run/info.js';
import { loadProjectConfig, selectParts } from '../targets/context.js';
import type { CommandResult, Globals } from './types.js';

/** Run `pgv info`. */
export async function infoCommand(g: Globals, args: { parts: string[]; fleet?: boolean; concurrency?: number }): Promise<CommandResult> {
  const config = await loadProjectConfig(g);
  if (args.fleet) {
    const [{ takeCensus }, { renderCensusJson, renderCensusText }] = await Promise.all([import('../fleet/census.js'), import('../report/census.js')]);
    const census = await takeCensus(config, await selectParts(config, args.parts, g), g, { ...(args.concurrency ? { concurrency: args.concurrency } : {}) });
    return { exitCode: census.unreadable.length ? ExitCode.failed : ExitCode.ok, json: renderCensusJson(census), text: renderCensusText(census) };
  }
  const infos = await partsInfo(config, args.parts, g);
  return { exitCode: 0, json: renderInfoJson(infos), text: renderInfoText(infos) };
}
