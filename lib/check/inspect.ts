/**
 * Reading a database's schema for `pgv check`: one catalog query per kind (queries/*.sql, read
 * once), all in one read-only snapshot on one session, turned into a Catalog by normalize.ts.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PgvError } from '../errors.js';
import { connect, serverErrorOf, type Db } from '../db/client.js';
import { describeConnection, type ConnectionSpec } from '../db/connection.js';
import type { Catalog, CatalogObject, Kind } from './model.js';
import { normalizeRows, type Row } from './normalize.js';
import { distPath } from '../util/paths.js';

const queries = new Map<Kind, string>();

/**
 * The catalog query of a kind, read the first time it is needed from dist/lib/check/queries/KIND.sql
 * (the build copies lib/check/queries there; found from the package root, as the bundled CLI
 * runs this code from another folder).
 */
function queryFor(kind: Kind): string {
  let sql = queries.get(kind);
  if (sql === undefined) {
    sql = readFileSync(path.join(distPath('lib', 'check', 'queries'), `${kind}.sql`), 'utf8');
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
  // Pipelined: every catalog query is sent at once, so reading a catalog costs one round trip,
  // not one per kind (the server still runs them one after the other, in one snapshot).
  const db = await connect(spec, { pipeline: true });
  try {
    return await inspectWith(db, kinds);
  } finally {
    await db.end();
  }
}

/** Inspect through an open session (left open), opened with `{ pipeline: true }`: the catalog queries go out at once. */
export async function inspectWith(db: Db, kinds: readonly Kind[]): Promise<Catalog> {
  const sent = [db.query(`BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; ${sessionSettings}`), ...kinds.map((k) => db.query<Row>(queryFor(k))), db.query('COMMIT')];
  const answers = await Promise.allSettled(sent);
  // The first failure is the cause; the queries after it failed because the transaction had.
  const failed = answers.findIndex((a) => a.status === 'rejected');
  if (failed >= 0) {
    await db.query('ROLLBACK').catch(() => undefined);
    const e = (answers[failed] as PromiseRejectedResult).reason as unknown;
    const kind = failed >= 1 && failed <= kinds.length ? kinds[failed - 1] : undefined;
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
  const catalog = new Map<Kind, readonly CatalogObject[]>();
  kinds.forEach((kind, i) => catalog.set(kind, normalizeRows(kind, (answers[i + 1] as PromiseFulfilledResult<{ rows: Row[] }>).value.rows)));
  return catalog;
}
