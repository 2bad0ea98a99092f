/**
 * Reading a database's schema for `pgv check`: one catalog query per kind (queries/*.sql, read
 * once), all in one read-only snapshot on one session, turned into a Catalog by normalize.ts.
 */
import { readFileSync } from 'node:fs';
import { PgvError } from '../errors.js';
import { connect, serverErrorOf, type Db } from '../db/client.js';
import { describeConnection, type ConnectionSpec } from '../db/connection.js';
import type { Catalog, CatalogObject, Kind } from './model.js';
import { normalizeRows, type Row } from './normalize.js';

const queries = new Map<Kind, string>();

/** The catalog query of a kind, read from queries/KIND.sql the first time it is needed. */
function queryFor(kind: Kind): string {
  let sql = queries.get(kind);
  if (sql === undefined) {
    sql = readFileSync(new URL(`./queries/${kind}.sql`, import.meta.url), 'utf8');
    queries.set(kind, sql);
  }
  return sql;
}

/**
 * Session settings that make PostgreSQL print definitions the same way on every server, as
 * pg_dump does: an empty search_path (every name outside pg_catalog comes out schema-qualified),
 * and fixed styles for the constants that defaults and expressions may hold.
 */
const sessionSettings = `SELECT pg_catalog.set_config('search_path', '', false), pg_catalog.set_config('DateStyle', 'ISO', false),
  pg_catalog.set_config('IntervalStyle', 'postgres', false), pg_catalog.set_config('extra_float_digits', '3', false),
  pg_catalog.set_config('standard_conforming_strings', 'on', false)`;

/** Inspect the given kinds of the database `spec` points to. */
export async function inspectDatabase(spec: ConnectionSpec, kinds: readonly Kind[]): Promise<Catalog> {
  const db = await connect(spec);
  try {
    return await inspectWith(db, kinds);
  } finally {
    await db.end();
  }
}

/** Inspect through an open session (left open). */
export async function inspectWith(db: Db, kinds: readonly Kind[]): Promise<Catalog> {
  const catalog = new Map<Kind, readonly CatalogObject[]>();
  let kind: Kind | undefined;
  try {
    await db.query(`BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; ${sessionSettings}`);
    for (kind of kinds) {
      const { rows } = await db.query<Row>(queryFor(kind));
      catalog.set(kind, normalizeRows(kind, rows));
    }
    await db.query('COMMIT');
  } catch (e) {
    await db.query('ROLLBACK').catch(() => undefined);
    const server = serverErrorOf(e);
    if (!server) throw e;
    throw new PgvError('inspect_failed', `cannot read the ${kind ?? 'session settings'} of ${describeConnection(db.spec)}: ${server.message}`, {
      hint:
        server.sqlstate === '42501'
          ? `The role ${db.spec.user} may not read the system catalogs there; pgv check needs SELECT on pg_catalog (granted to everyone by default).`
          : 'This PostgreSQL version may not support a catalog column pgv reads; please report it with the server version.',
      data: { database: db.spec.dbname, kind: kind ?? null, sqlstate: server.sqlstate },
      cause: e,
    });
  }
  return catalog;
}
