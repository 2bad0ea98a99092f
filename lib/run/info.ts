/** `info` as a library function: each part's state, from one observation and its planner. */
import type { Config } from '../config/types.js';
import { partInfo, type PartInfo } from '../plan/info.js';
import { planPart } from '../plan/plan.js';
import { selectParts, type Environment } from '../targets/context.js';
import { observeParts } from './pipeline.js';

/** The state of the named parts (all when none). Changes nothing. */
export async function partsInfo(config: Config, names: readonly string[], ctx: Environment): Promise<PartInfo[]> {
  const inputs = await observeParts(config, await selectParts(config, names, ctx), ctx);
  return inputs.map(({ part, observed, scripts }) => partInfo(part, observed, scripts, (p) => planPart({ part: p, observed, scripts })));
}
