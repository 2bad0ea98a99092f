/** A CONN argument (`--db1`, `--db`): a URL, a libpq keyword string, or a database name. */
import type { Config } from '../config/types.js';
import { parseConnectionString, resolveConnection, type ConnectionSpec } from '../db/connection.js';
import { readConnectionSources } from '../db/sources.js';
import { ensureServer, type Environment } from './context.js';

/**
 * Resolve CONN. A bare database name means that database on the config's server: the embedded
 * one (started if needed) or the config's `connection`; without a config, where libpq's
 * environment points. A URL or keyword string is taken as libpq takes it, config aside.
 */
export async function connectionForArgument(config: Config | null, text: string, g: Environment): Promise<ConnectionSpec> {
  const given = parseConnectionString(text);
  const bareName = Object.keys(given).length === 1 && given.dbname !== undefined;
  if (!bareName || !config) return resolveConnection([given], readConnectionSources(g.env));
  const layers = [];
  if (config.server) {
    await ensureServer(config, g);
    const { embeddedConnection } = await import('../server/cluster.js');
    layers.push(embeddedConnection(config.server));
  }
  layers.push(config.connection, given);
  // With an embedded server, PG* variables must not redirect pgv to another server.
  const env = config.server ? { ...g.env, PGHOST: undefined, PGPORT: undefined, PGSERVICE: undefined, PGUSER: undefined } : g.env;
  return resolveConnection(layers, readConnectionSources(env));
}
