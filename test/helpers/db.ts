/** Test helpers for the real server that test/run.ts started: one database per test. */
import { withClient, type Db } from '../../lib/db/client.js';
import type { ConnectionSpec } from '../../lib/db/connection.js';
import { quoteIdent } from '../../lib/db/ident.js';
import { findClientTool, serverMajor, type ClientProgram } from '../../lib/dump/tools.js';

const socketDir = process.env.PGV_TEST_SOCKET_DIR;
const port = Number(process.env.PGV_TEST_PORT ?? 5432);
if (!socketDir) throw new Error('PGV_TEST_SOCKET_DIR is not set: run the tests with `npm test`, which starts the test cluster');

/** The test cluster's socket directory and port. */
export const cluster = { socketDir, port };

/** A connection to `dbname` on the test cluster. */
export function specFor(dbname: string): ConnectionSpec {
  return { host: socketDir!, port, user: 'postgres', dbname, sslmode: 'disable', application_name: 'pgv-test' };
}

let counter = 0;

/** A name no other test uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${++counter}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
}

/** Create an empty database for one test; returns its name. */
export async function createDatabase(prefix: string): Promise<string> {
  const name = uniqueName(prefix);
  await withClient(specFor('postgres'), (db) => db.query(`CREATE DATABASE ${quoteIdent(name)}`));
  return name;
}

/** Drop a test database (terminating leftover sessions). */
export async function dropDatabase(name: string): Promise<void> {
  await withClient(specFor('postgres'), (db) => db.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`));
}

/** Run queries against a database. */
export async function withDb<T>(dbname: string, fn: (db: Db) => Promise<T>): Promise<T> {
  return withClient(specFor(dbname), fn);
}

/** Names of the tables of a database, schema-qualified, sorted. */
export async function tablesOf(dbname: string): Promise<string[]> {
  return withDb(dbname, async (db) => {
    const { rows } = await db.query<{ name: string }>(
      `SELECT n.nspname || '.' || c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r','p') AND n.nspname NOT IN ('pg_catalog','information_schema') ORDER BY 1`,
    );
    return rows.map((r) => r.name);
  });
}

/** Does a database exist? */
export async function databaseExists(name: string): Promise<boolean> {
  return withDb('postgres', async (db) => (await db.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount > 0);
}

/**
 * The path of pg_dump, pg_restore or psql that can handle the test cluster's server, as pgv
 * chooses it (lib/dump/tools.ts): the server's own folder holds none when it is npm-shipped.
 * psql runs the tests' SQL files on any server major (only pgv's plain-format restore asks for
 * a psql of the server's major), so any psql does.
 */
export async function clientProgram(program: ClientProgram): Promise<string> {
  if (program === 'psql') return (await findClientTool(program, undefined, process.env)).path;
  const version = await withDb('postgres', async (db) => Number((await db.query<{ v: string }>("SELECT current_setting('server_version_num') AS v")).rows[0]!.v));
  return (await findClientTool(program, serverMajor(version), process.env)).path;
}

/** Wait until `probe` returns true (polling); fails the test after `ms`. */
export async function waitFor(what: string, probe: () => Promise<boolean>, ms = 20000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A probe: is a statement containing `marker` running on the server (other than the probe)? */
export function running(marker: string): () => Promise<boolean> {
  return () => withDb('postgres', async (c) => (await c.query(`SELECT 1 FROM pg_stat_activity WHERE query LIKE '%' || $1 || '%' AND pid <> pg_backend_pid()`, [marker])).rowCount > 0);
}

/** Wait `ms` milliseconds. */
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
