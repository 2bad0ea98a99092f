/** `pgv validate`: its options, help and adapter (see spec.ts). */
import type { CommandSpec } from './spec.js';

/** The spec of `pgv validate`. */
export const validateSpec: CommandSpec = {
  name: 'validate',
  summary: 'check the config; print the resolved parts',
  usage: 'pgv validate [-c FILE]',
  options: {},
  help: ['  Reads the config (and what it extends), checks it against the schema, resolves ${…}; connects', '  to nothing.'],
  examples: [{ args: 'validate -c pgv.config.yaml', does: 'check the file, print the resolved parts' }],
  exitCodes: { 0: 'the config is valid', 2: 'the config is invalid (every problem listed, with file and line)' },
  run: async (g) => (await import('./validate.js')).validateCommand(g),
};
