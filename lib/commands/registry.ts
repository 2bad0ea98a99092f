/**
 * Every command pgv has, in the order `pgv --help` lists them, and the help texts built from their
 * specs. Loads only the spec modules (nothing that connects).
 */
import { renderCommandHelp, type CommandSpec } from './spec.js';
import { validateSpec } from './validate-spec.js';
import { planSpec } from './plan-spec.js';
import { applySpec } from './apply-spec.js';
import { infoSpec } from './info-spec.js';
import { baselineSpec } from './baseline-spec.js';
import { checkSpec } from './check-spec.js';
import { dumpSpec } from './dump-spec.js';
import { restoreSpec } from './restore-spec.js';
import { testAndUpgradeSpec } from './test-and-upgrade-spec.js';
import { snapshotSpec } from './snapshot-spec.js';
import { serverSpec } from './server-spec.js';
import { lintSpec } from './lint-spec.js';
import { traceSpec } from './trace-spec.js';

/** Every command, in the order `pgv --help` lists them. */
export const commandSpecs: readonly CommandSpec[] = [validateSpec, planSpec, applySpec, lintSpec, infoSpec, baselineSpec, checkSpec, dumpSpec, restoreSpec, testAndUpgradeSpec, traceSpec, snapshotSpec, serverSpec];

/** `pgv --help`. */
export function mainHelp(globalHelp: readonly string[]): string {
  const width = Math.max(...commandSpecs.map((c) => c.name.length));
  return [
    'pgv: declarative PostgreSQL schema management',
    '',
    'Usage: pgv [options] COMMAND [args]',
    '',
    'Commands:',
    ...commandSpecs.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Options:',
    ...globalHelp.map((l) => `  ${l}`),
    '',
    'Example:',
    '  pgv apply -c pgv.config.example.yaml   build the example project\'s databases',
    '',
    'Exit codes: 0 success (check: identical); 1 differences (check), an error-level finding (lint),',
    '            a lock over the policy (trace); 2 bad usage or invalid config; 3 the operation failed;',
    '            70 internal error (a bug); 130 interrupted (Ctrl-C, SIGTERM).',
    '',
    'Run `pgv COMMAND --help` for a command\'s options, an example and its exit codes.',
  ].join('\n');
}

/** `pgv COMMAND --help`. */
export function commandHelp(c: CommandSpec, globalHelp: readonly string[]): string {
  return renderCommandHelp(c, globalHelp);
}

