/** The working database `pgv snapshot` acts on: a part's, the one `--db NAME` names, or (without a config) a bare name. */
import { describeConnection, parseConnectionString, resolveConnection, type ConnectionSpec } from '../db/connection.js';
import { readConnectionSources } from '../db/sources.js';
import { usageError } from '../errors.js';
import { closest } from '../util/suggest.js';
import { connectionFor, ensureServer, loadOptionalConfig, loadProjectConfig, selectPart, selectParts, type ConfigSource } from './context.js';

/**
 * The working database's connection (from PART or --db) and the operands left after PART. Without
 * any config, a first operand that is not the action's own (odb's `odb init demo8`) is a database
 * name where libpq's environment points, and a note says so. `most`: the operands the action takes at most.
 */
export async function snapshotTarget(g: ConfigSource, action: string, db: string | undefined, rest: readonly string[], most: number): Promise<{ spec: ConnectionSpec; operands: string[]; notes?: string[] }> {
  const looksLikeDatabase = rest.length > most || (action === 'revert' && rest.length === 1 && !/^[0-9]+$/.test(rest[0]!));
  if (db === undefined && looksLikeDatabase && !(await loadOptionalConfig(g))) {
    const [name, ...operands] = rest;
    const where = describeConnection(resolveConnection([{ dbname: name! }], readConnectionSources(g.env)));
    const note = `no pgv config here: "${name}" is a database name, ${where} (from libpq's PGHOST, PGPORT, PGUSER…; --db ${name} says the same)`;
    return { spec: resolveConnection([parseConnectionString(name!)], readConnectionSources(g.env)), operands, notes: [note] };
  }
  if (db !== undefined) {
    const config = await loadOptionalConfig(g);
    const options = parseConnectionString(db);
    if (!config) return { spec: resolveConnection([options], readConnectionSources(g.env)), operands: [...rest] };
    await ensureServer(config, g);
    return { spec: await connectionFor(config, { connection: { ...config.connection, ...options } }, g), operands: [...rest] };
  }
  const config = await loadProjectConfig(g);
  // Fleet parts by their expanded names (TEMPLATE/SERVER/DBNAME); a config without a fleet costs nothing here.
  const names = (await selectParts(config, [], g)).map((p) => p.name);
  const operands = [...rest];
  const max = most;
  let partName: string | undefined;
  if (operands.length > max || (operands.length > 0 && names.includes(operands[0]!) && !(action === 'tag' && operands.length === 1))) partName = operands.shift();
  if (partName === undefined) {
    if (names.length !== 1) {
      throw usageError(`which part? pgv snapshot ${action} needs a PART or --db NAME`, `Parts in ${config.file}: ${names.join(', ') || '(none)'}.`);
    }
    partName = names[0]!;
  }
  if (!names.includes(partName)) {
    // odb's `odb init demo8` names a database; here a bare word is a part.
    const guess = closest(partName, names);
    throw usageError(`no part named "${partName}" in ${config.file}`, `${guess ? `Did you mean part "${guess}"? ` : ''}For a database that is not a part, use --db: \`pgv snapshot ${action} --db ${partName}${operands.length ? ` ${operands.join(' ')}` : ''}\`. Parts: ${names.join(', ') || '(none)'}.`);
  }
  const part = await selectPart(config, partName, g);
  await ensureServer(config, g);
  return { spec: await connectionFor(config, part, g), operands };
}

