/**
 * Every command pgv has, in the order `pgv --help` lists them, and the help texts built from their
 * specs. Loads only the spec modules (nothing that connects).
 */
import { renderCommandHelp, type CommandSpec } from './spec.js';

/**
 * Every command, in the order `pgv --help` lists them, each with the loader of its spec module.
 * A run loads the one spec it dispatches to (in the bundled CLI, a chunk of its own); help and
 * the tests load them all.
 */
const loaders = {
  validate: async () => (await import('./validate-spec.js')).validateSpec,
  plan: async () => (await import('./plan-spec.js')).planSpec,
  apply: async () => (await import('./apply-spec.js')).applySpec,
  lint: async () => (await import('./lint-spec.js')).lintSpec,
  info: async () => (await import('./info-spec.js')).infoSpec,
  baseline: async () => (await import('./baseline-spec.js')).baselineSpec,
  check: async () => (await import('./check-spec.js')).checkSpec,
  dump: async () => (await import('./dump-spec.js')).dumpSpec,
  restore: async () => (await import('./restore-spec.js')).restoreSpec,
  'test-and-upgrade': async () => (await import('./test-and-upgrade-spec.js')).testAndUpgradeSpec,
  trace: async () => (await import('./trace-spec.js')).traceSpec,
  snapshot: async () => (await import('./snapshot-spec.js')).snapshotSpec,
  server: async () => (await import('./server-spec.js')).serverSpec,
} satisfies Record<string, () => Promise<CommandSpec>>;

/** The command words, in the order `pgv --help` lists them. */
export const commandNames: readonly string[] = Object.keys(loaders);

/** The spec of command `name`; undefined for a word that is no command. */
export async function loadCommandSpec(name: string): Promise<CommandSpec | undefined> {
  return Object.hasOwn(loaders, name) ? loaders[name as keyof typeof loaders]() : undefined;
}

/** Every command's spec, in the order `pgv --help` lists them. */
export async function loadCommandSpecs(): Promise<CommandSpec[]> {
  return Promise.all(Object.values(loaders).map((load) => load()));
}

/** `pgv --help`. */
export async function mainHelp(globalHelp: readonly string[]): Promise<string> {
  const commandSpecs = await loadCommandSpecs();
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

