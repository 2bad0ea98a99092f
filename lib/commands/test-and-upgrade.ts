/** `pgv test-and-upgrade PART` (and `pgv apply --test-first`): the rehearsal of lib/rehearse/ for one part. */
import { rehearse, type CopyMethod } from '../rehearse/rehearse.js';
import { loadProjectConfig, selectParts } from '../targets/context.js';
import type { CommandResult, Globals } from './types.js';

/** Options of `pgv test-and-upgrade`. */
export interface TestAndUpgradeArgs {
  readonly part: string;
  readonly copy: CopyMethod;
  readonly keep: boolean;
  readonly lockTimeoutMs: number;
}

/** Run `pgv test-and-upgrade PART`. */
export async function testAndUpgradeCommand(g: Globals, args: TestAndUpgradeArgs): Promise<CommandResult> {
  const config = await loadProjectConfig(g);
  const [part] = selectParts(config, [args.part]);
  return rehearse(config, part!, g, args);
}
