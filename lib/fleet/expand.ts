/**
 * The fleet's expansion: each `for_each` part (a template) becomes one ordinary Part per
 * (server, database), named `TEMPLATE/SERVER/DBNAME`, with `server` and `template` set. The
 * databases come from the template's `list:`, its `file:` (read now), or its `query:` (run on
 * each server, one session at a time, in the command's cancellation scope: lib/db/cancel.ts).
 * A config without templates is returned as it is: no file read, no connection.
 *
 * `after:` naming a template means every part expanded from it.
 */
import { readFileSync } from 'node:fs';
import type { Config, FleetExpansion, Part, PartTemplate } from '../config/types.js';
import type { Env } from '../config/substitute.js';
import { PgvError, isPgvError } from '../errors.js';
import { withClient, serverErrorOf } from '../db/client.js';
import { connectionFor, ensureServer } from '../targets/context.js';

/** What the expansion needs from the process. */
export interface ExpandOptions {
  /** PG* variables (the servers' connections are resolved as every part's are). */
  readonly env: Env;
}

/** The database name of the part that stands for a down server's unknown databases (`TEMPLATE/SERVER/*`). */
const unknownDatabases = '*';

/** Expansions already made, by config: commands and the library ask more than once per run. */
const made = new WeakMap<Config, Promise<Config>>();

/**
 * The config with every `for_each` part expanded: `parts` holds the ordinary parts in config
 * order, each template's expansions where the template was declared (server by server, databases
 * in the order found); `templates` is empty and `expansions` says what each became. Throws
 * PgvError (`fleet_invalid`, exit 2) when a query fails, finds nothing or names a database twice,
 * naming the config file and line. A server whose query cannot reach it becomes one part,
 * `TEMPLATE/SERVER/*`, that carries the connection error (`Part.unreachable`) and fails where it
 * runs: a down server fails its databases, not the run.
 */
export function expandFleet(config: Config, options: ExpandOptions): Promise<Config> {
  if (config.templates.length === 0) return Promise.resolve(config);
  let pending = made.get(config);
  if (!pending) {
    pending = expand(config, options);
    made.set(config, pending);
    // A failed expansion is tried again by the next call.
    pending.catch(() => made.delete(config));
  }
  return pending;
}

async function expand(config: Config, options: ExpandOptions): Promise<Config> {
  const expansions: FleetExpansion[] = [];
  const byTemplate = new Map<string, Part[]>();
  for (const template of config.templates) {
    const servers: Array<{ server: string; databases: string[]; unreachable?: string }> = [];
    const parts: Part[] = [];
    for (const server of template.servers) {
      let databases: string[];
      try {
        databases = await databasesOf(config, template, server, options);
      } catch (e) {
        // A query's server that is down: its databases are unknown, so one part stands for them
        // all and fails with the error; the other servers' databases go on.
        if (!isPgvError(e) || (e.code !== 'connection_failed' && e.code !== 'database_missing')) throw e;
        servers.push({ server, databases: [], unreachable: e.message });
        parts.push(Object.freeze({ ...template.instantiate(server, unknownDatabases), unreachable: e }));
        continue;
      }
      servers.push({ server, databases });
      for (const dbname of databases) parts.push(template.instantiate(server, dbname));
    }
    expansions.push(Object.freeze({ template: template.name, servers: Object.freeze(servers.map((s) => Object.freeze({ server: s.server, databases: Object.freeze(s.databases), ...(s.unreachable ? { unreachable: s.unreachable } : {}) }))) }));
    byTemplate.set(template.name, parts);
  }
  // `after: TEMPLATE` is every part expanded from it.
  const afterOf = (p: Part): readonly string[] => (p.after.some((a) => byTemplate.has(a)) ? Object.freeze(p.after.flatMap((a) => byTemplate.get(a)?.map((e) => e.name) ?? [a])) : p.after);
  const ordered: Part[] = [];
  config.parts.forEach((p, k) => {
    for (const t of config.templates) if (t.position === k) ordered.push(...byTemplate.get(t.name)!);
    ordered.push(p);
  });
  for (const t of config.templates) if (t.position >= config.parts.length) ordered.push(...byTemplate.get(t.name)!);
  const parts = ordered.map((p) => (afterOf(p) === p.after ? p : Object.freeze({ ...p, after: afterOf(p) })));
  return Object.freeze({ ...config, parts: Object.freeze(parts), templates: Object.freeze([]), expansions: Object.freeze(expansions) });
}

/** The databases of a template on one server: listed, read from its file, or found by its query. */
async function databasesOf(config: Config, template: PartTemplate, server: string, options: ExpandOptions): Promise<string[]> {
  const source = template.source;
  const where = `${template.location.file}${template.location.line ? `:${template.location.line}` : ''}`;
  const fail = (message: string, hint: string, details: string[] = []) =>
    new PgvError('fleet_invalid', `${where}: part ${template.name}, server ${server}: ${message}`, { hint, details, data: { file: template.location.file, ...(template.location.line ? { line: template.location.line } : {}), part: template.name, server } });
  let names: string[];
  if (source.kind === 'list') names = [...source.names];
  else if (source.kind === 'file') {
    names = readFileSync(source.file, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
    if (names.length === 0) throw fail(`for_each file ${source.given} names no database`, 'Write one database name per line.');
  } else names = await queryNames(config, template, server, options, fail);
  const long = names.find((n) => Buffer.byteLength(n) > 63);
  if (long !== undefined) throw fail(`database name "${long}" is longer than PostgreSQL's 63-byte limit`, 'Fix the name in the for_each source.');
  const twice = names.find((n, k) => names.indexOf(n) !== k);
  if (twice !== undefined) throw fail(`for_each ${source.kind === 'query' ? 'query' : source.kind} names database "${twice}" twice`, source.kind === 'query' ? 'Make the query return each database once (SELECT DISTINCT, or a WHERE that does not join twice).' : 'Remove the duplicate.');
  return names;
}

async function queryNames(config: Config, template: PartTemplate, server: string, options: ExpandOptions, fail: (m: string, h: string, d?: string[]) => PgvError): Promise<string[]> {
  const source = template.source as { kind: 'query'; query: string };
  const connection = { ...config.connection, ...config.servers[server] };
  await ensureServer(config, options);
  const spec = await connectionFor(config, { connection, dbname: connection.dbname ?? 'postgres' }, options);
  let rows: unknown[][];
  try {
    rows = await withClient(spec, async (db) => (await db.query<Record<string, unknown>>(source.query)).rows.map((r) => Object.values(r)));
  } catch (e) {
    if (isPgvError(e) && e.code === 'interrupted') throw e;
    if (isPgvError(e) && (e.code === 'connection_failed' || e.code === 'database_missing')) {
      throw new PgvError(e.code, `for_each query on server ${server}: ${e.message}`, { ...(e.hint ? { hint: e.hint } : {}), data: { ...e.data, part: template.name, server } });
    }
    const server_ = serverErrorOf(e);
    throw fail(`for_each query failed: ${server_?.message ?? (e as Error).message}`, 'Run the query in psql on that server; it must return database names in its first column.', [source.query]);
  }
  const names = rows.map((r) => r[0]);
  if (names.length === 0) throw fail('for_each query found no database', 'Check the query (and that the databases exist on that server); a fleet part must expand to at least one database.', [source.query]);
  const bad = names.find((n) => typeof n !== 'string' || n === '');
  if (bad !== undefined) throw fail(`for_each query returned ${JSON.stringify(bad)}, not a database name`, 'The first column must be the database name (datname).', [source.query]);
  return names as string[];
}
