/** Where the engines work: the project's config, its parts, their connections, the embedded server. */
import { loadConfig } from '../config/resolve.js';
import type { Config, ConnectionOptions, Part } from '../config/types.js';
import { PgvError, isPgvError } from '../errors.js';
import { withClient } from '../db/client.js';
import { describeConnection, resolveConnection, type ConnectionSpec } from '../db/connection.js';
import { readConnectionSources } from '../db/sources.js';
import { closest } from '../util/suggest.js';
import type { Env } from '../config/substitute.js';

/** What the engines need from the process: its environment (PG*, the config's ${env:…}). */
export interface Environment {
  readonly env: Env;
}

/** Where a config is looked for (-c, the working directory), and where its warnings are collected. */
export interface ConfigSource extends Environment {
  readonly config?: string;
  readonly cwd: string;
  /** The config's warnings are added here (once each). */
  readonly warnings?: string[];
}

/** Load the config named by -c, or found from the working directory. */
export async function loadProjectConfig(g: ConfigSource): Promise<Config> {
  const config = await loadConfig({ ...(g.config ? { file: g.config } : {}), cwd: g.cwd, env: g.env });
  for (const w of config.warnings) if (!g.warnings?.includes(w)) g.warnings?.push(w);
  return config;
}

/** The project's config when there is one (commands that also take --db work without); a config given with -c must load. */
export async function loadOptionalConfig(g: ConfigSource): Promise<Config | null> {
  try {
    return await loadProjectConfig(g);
  } catch (e) {
    if (!g.config && isPgvError(e) && e.code === 'config_not_found') return null;
    throw e;
  }
}

/** The parts named on the command line (all when none), by name; unknown names are usage errors. */
export function selectParts(config: Config, names: readonly string[]): Part[] {
  if (names.length === 0) return [...config.parts];
  const known = config.parts.map((p) => p.name);
  return names.map((name) => {
    const part = config.parts.find((p) => p.name === name);
    if (!part) {
      const guess = closest(name, known);
      throw new PgvError('usage', `no part named "${name}" in ${config.file}`, {
        hint: guess ? `Did you mean "${guess}"? Parts: ${known.join(', ')}.` : `Parts: ${known.join(', ') || '(none)'}.`,
      });
    }
    return part;
  });
}

/** Start the embedded server when the config asks for it (no-op otherwise). */
export async function ensureServer(config: Config, g: Environment): Promise<void> {
  if (!config.server) return;
  const { serverStatus } = await import('../server/cluster.js');
  if (serverStatus(config.server).running) return; // the common case: no child process
  const { startServer } = await import('../server/embedded.js');
  await startServer(config.server, { env: g.env });
}

/** The connection of a part: embedded server defaults, then the config, then libpq's environment. */
export async function connectionFor(config: Config, part: { readonly connection: ConnectionOptions; readonly dbname?: string }, g: Environment): Promise<ConnectionSpec> {
  const layers = [];
  if (config.server) {
    const { embeddedConnection } = await import('../server/cluster.js');
    layers.push(embeddedConnection(config.server));
  }
  layers.push(part.connection, ...(part.dbname !== undefined ? [{ dbname: part.dbname }] : []));
  // With an embedded server, PG* variables must not redirect pgv to another server.
  const env = config.server ? { ...g.env, PGHOST: undefined, PGPORT: undefined, PGSERVICE: undefined, PGUSER: undefined } : g.env;
  return resolveConnection(layers, readConnectionSources(env));
}

/** Fail (database_missing, naming the part) when the part's database is not there: before a reference is built for it. */
export async function assertPartDatabase(part: Part, spec: ConnectionSpec): Promise<void> {
  try {
    await withClient(spec, async () => undefined);
  } catch (e) {
    if (isPgvError(e) && e.code === 'database_missing') {
      throw new PgvError('database_missing', `part ${part.name}: database "${spec.dbname}" does not exist (${describeConnection(spec)})`, {
        hint: `Build it with \`pgv apply ${part.name}\` first; pgv check compares it with a fresh build of its scripts.`,
        data: { part: part.name, database: spec.dbname },
      });
    }
    throw e;
  }
}
