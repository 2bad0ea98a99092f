/** The database `pgv dump` and `pgv restore` work on: a part's, or the one `--db CONN` names. */
import type { ConnectionSpec } from '../db/connection.js';
import { usageError } from '../errors.js';
import { connectionForArgument } from './conn-arg.js';
import { connectionFor, ensureServer, loadProjectConfig, selectPart, loadOptionalConfig, type ConfigSource } from './context.js';

/** `pgv dump` or `pgv restore` with its PART positionals and `--db`. */
export async function dumpTarget(g: ConfigSource, command: 'dump' | 'restore', parts: readonly string[], db: string | undefined): Promise<ConnectionSpec> {
  const usage = `Usage: pgv ${command} PART -f FILE, or pgv ${command} --db CONN -f FILE (CONN: a database name, a postgres:// URL or "host=… dbname=…").`;
  if (parts.length > 0 && db !== undefined) throw usageError(`pgv ${command} takes either PART or --db, not both`, usage);
  if (parts.length > 1) throw usageError(`pgv ${command} takes one part, not ${parts.length} (${parts.join(', ')})`, usage);
  if (db !== undefined) return connectionForArgument(await loadOptionalConfig(g), db, g);
  if (parts.length === 0) throw usageError(`pgv ${command} needs a PART or --db CONN`, usage);
  const config = await loadProjectConfig(g);
  const part = await selectPart(config, parts[0]!, g);
  await ensureServer(config, g);
  return connectionFor(config, part, g);
}

