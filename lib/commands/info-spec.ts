/** `pgv info`: its options, help and adapter (see spec.ts). */
import type { CommandSpec } from './spec.js';

/** The spec of `pgv info`. */
export const infoSpec: CommandSpec = {
  name: 'info',
  summary: 'version, applied, pending and changed scripts',
  usage: 'pgv info [PART...]',
  options: {},
  help: [
    '  Reads each part\'s ledger and scripts; changes nothing.',
    '  --json: {"parts":[{name, database, recipe, version, applied, pending, changed, problems}]}',
  ],
  examples: [{ args: 'info app', does: 'part app\'s version, applied and pending scripts' }],
  exitCodes: { 0: 'read (problems are listed, not an error)', 2: 'bad usage, invalid config or unknown part', 3: 'a database could not be read' },
  run: async (g, _v, parts) => (await import('./info.js')).infoCommand(g, { parts }),
};
