/** Helpers for the snapshot suites: run `pgv snapshot … --db NAME` and clean up a database with its snapshots. */
import { runPgv, makeProject, type PgvRun } from './cli.js';
import { cluster, withDb } from './db.js';
import { quoteIdent } from '../../lib/db/ident.js';

/** libpq variables that reach the test cluster (for --db without a config). */
export const clusterEnv = { PGHOST: cluster.socketDir, PGPORT: String(cluster.port), PGUSER: 'postgres' };

let bare: string | undefined;
/** A directory without any config, so that --db resolves through the libpq variables. */
export function bareDir(): string {
  bare ??= makeProject('snap');
  return bare;
}

/** Run `pgv snapshot ACTION --db DB ARGS…` against the test cluster. */
export function snap(db: string, action: string, args: readonly string[] = [], env: Record<string, string> = {}): Promise<PgvRun> {
  return runPgv(['snapshot', action, '--db', db, ...args], { cwd: bareDir(), env: { ...clusterEnv, ...env } });
}

/** The working database `name` and every database named `name~…` (its snapshots and temporaries). */
export async function familyOf(name: string): Promise<string[]> {
  return withDb('postgres', async (db) => {
    const { rows } = await db.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname = $1 OR left(datname, length($1) + 1) = $1 || '~' ORDER BY datname", [name]);
    return rows.map((r) => r.datname);
  });
}

/** Drop a working database and its snapshots. */
export async function dropFamily(name: string): Promise<void> {
  for (const d of await familyOf(name)) {
    await withDb('postgres', (db) => db.query(`DROP DATABASE IF EXISTS ${quoteIdent(d)} WITH (FORCE)`));
  }
}

/** The values of table `t` (column v), sorted. */
export async function valuesOf(dbname: string): Promise<string[]> {
  return withDb(dbname, async (db) => (await db.query<{ v: string }>('SELECT v FROM t ORDER BY v')).rows.map((r) => r.v));
}
