/** `pgv plan`: its options, help and adapter (see spec.ts). */
import type { CommandSpec } from './spec.js';

/** The spec of `pgv plan`. */
export const planSpec: CommandSpec = {
  name: 'plan',
  summary: 'show the steps apply would run; changes nothing',
  usage: 'pgv plan [PART...]',
  options: {},
  help: ['  PART          only these parts (default: all); each step with the reason it is needed', '  --json: {"parts":[{name, database, recipe, current, target, steps, changed}]}'],
  examples: [{ args: 'plan app', does: 'the steps `pgv apply app` would run' }],
  exitCodes: { 0: 'planned (also when steps are pending)', 2: 'bad usage, invalid config or unknown part', 3: 'a database could not be read' },
  run: async (g, _v, parts) => (await import('./plan.js')).planCommand(g, { parts }),
};
