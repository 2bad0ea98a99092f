/** Where the engines work: the project's config, its parts, their connections, the embedded server. */
import { loadConfig } from '../config/resolve.js';
import type { Config, ConnectionOptions, Part } from '../config/types.js';
import { PgvError, isPgvError } from '../errors.js';
import { withClient } from '../db/client.js';
import { describeConnection, resolveConnection, type ConnectionSpec } from '../db/connection.js';
import { readConnectionSources } from '../db/sources.js';
import { closest } from '../util/suggest.js';
import { globToRegExp } from '../util/glob.js';
import type { Env } from '../config/substitute.js';

/** What the engines need from the process: its environment (PG*, the config's ${env:…}). */
export interface Environment {
  readonly env: Env;
  /** Told of work that takes a while before a run's events start (starting the embedded server). */
  readonly notice?: (message: string) => void;
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

/**
 * The parts named on the command line (all when none), the fleet expanded (lib/fleet/expand.ts):
 * a name is a part, a `for_each` template (all its expansions), or a glob on part names
 * (`tenants/eu/*`). Unknown names are usage errors.
 */
export async function selectParts(config: Config, names: readonly string[], g: Environment): Promise<Part[]> {
  // A config without for_each parts loads no fleet code.
  const fleet = config.templates.length === 0 ? config : await (await import('../fleet/expand.js')).expandFleet(config, g);
  if (names.length === 0) return [...fleet.parts];
  const chosen = new Set<Part>();
  for (const name of names) {
    const glob = /[*?[{]/.test(name) ? globToRegExp(name) : undefined;
    const hits = fleet.parts.filter((p) => p.name === name || p.template === name || (glob !== undefined && glob.test(p.name)));
    if (hits.length === 0) throw unknownPart(fleet, name);
    for (const p of hits) chosen.add(p);
  }
  return [...chosen];
}

/** The one part `name` names (check, dump, snapshot, test-and-upgrade, baseline): a template or glob naming several is a usage error. */
export async function selectPart(config: Config, name: string, g: Environment): Promise<Part> {
  const parts = await selectParts(config, [name], g);
  if (parts.length > 1) {
    const shown = parts.slice(0, 5).map((p) => p.name).join(', ');
    throw new PgvError('usage', `"${name}" names ${parts.length} parts (${shown}${parts.length > 5 ? ', …' : ''}); this command works on one`, { hint: `Name one of them: ${parts[0]!.name}.` });
  }
  // A down server's stand-in (TEMPLATE/SERVER/*) has no database to work on: its error says why.
  if (parts[0]!.unreachable) throw parts[0]!.unreachable;
  return parts[0]!;
}

function unknownPart(config: Config, name: string): PgvError {
  const known = [...config.expansions.map((e) => e.template), ...config.parts.filter((p) => p.template === undefined).map((p) => p.name)];
  const guess = closest(name, [...known, ...config.parts.map((p) => p.name)]);
  const list = known.length > 12 ? `${known.slice(0, 12).join(', ')}, … (${known.length} in all)` : known.join(', ') || '(none)';
  return new PgvError('usage', `no part named "${name}" in ${config.file}`, {
    hint: guess ? `Did you mean "${guess}"? Parts: ${list}.` : `Parts: ${list}${config.expansions.length ? ' (a fleet part also by TEMPLATE/SERVER/DBNAME, or a glob)' : ''}.`,
  });
}

/** Start the embedded server when the config asks for it (no-op otherwise). */
export async function ensureServer(config: Config, g: Environment): Promise<void> {
  if (!config.server) return;
  const { serverStatus } = await import('../server/cluster.js');
  const status = serverStatus(config.server);
  if (status.running) return; // the common case: no child process, no execa
  const { startServer } = await import('../server/embedded.js');
  g.notice?.(`${status.initialized ? 'starting' : 'creating (initdb) and starting'} the embedded PostgreSQL in ${status.layout.dataDir}${status.initialized ? '' : ': the first run takes a few seconds'}`);
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
