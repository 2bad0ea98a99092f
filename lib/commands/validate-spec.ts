/** `pgv validate`: its options, help and adapter (see spec.ts). */
import type { CommandSpec } from './spec.js';

/** The spec of `pgv validate`. */
export const validateSpec: CommandSpec = {
  name: 'validate',
  summary: 'check the config; print the resolved parts',
  usage: 'pgv validate [-c FILE]',
  options: {},
  help: [
    '  Reads the config (and what it extends), checks it against the schema, resolves ${…}; connects',
    '  to nothing, except to run a fleet\'s for_each queries: its parts are shown expanded',
    '  (TEMPLATE/SERVER/DBNAME, per server the databases found; --json: fleet, servers, rollout).',
  ],
  examples: [{ args: 'validate -c pgv.config.yaml', does: 'check the file, print the resolved parts' }],
  exitCodes: {
    0: 'the config is valid',
    2: 'the config is invalid (every problem listed, with file and line), or a for_each query failed,\n' +
      '       found no database or named one twice',
    3: 'a for_each query could not reach its server',
  },
  load: () => import('./validate.js'),
  run: async (g) => (await import('./validate.js')).validateCommand(g),
};
