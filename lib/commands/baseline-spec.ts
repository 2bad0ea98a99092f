/** `pgv baseline`: its options, help and adapter (see spec.ts). */
import { positiveInt, stringOpt, type CommandSpec } from './spec.js';

/** The spec of `pgv baseline`. */
export const baselineSpec: CommandSpec = {
  name: 'baseline',
  summary: 'record a version as applied without running scripts',
  usage: 'pgv baseline PART --version V [--lock-timeout SECONDS]',
  options: { version: { type: 'string' }, 'lock-timeout': { type: 'string' } },
  help: [
    '    --version V         the version the database is at now (schema recipe: a generation number)',
    '    --lock-timeout S    seconds to wait for another pgv on the same database (default 60)',
    '  For a database built before pgv (tables but no ledger), or to settle a script that ran outside',
    '  a transaction and was interrupted. Never moves a database back.',
  ],
  examples: [{ args: 'baseline app --version 3', does: 'record generation 3 as applied; nothing runs' }],
  exitCodes: { 0: 'recorded (or already at that version)', 2: 'bad usage, invalid config or unknown part', 3: 'refused (it would move the database back) or failed' },
  load: () => import('./baseline.js'),
  run: async (g, v, parts) =>
    (await import('./baseline.js')).baselineCommand(g, {
      parts,
      version: stringOpt(v, 'version', 'version').version,
      lockTimeoutMs: positiveInt(v['lock-timeout'], '--lock-timeout', 60, true) * 1000,
    }),
};
