/**
 * Every statement pgv sends about whole databases, in one place: create (empty or by template),
 * drop, rename, comment, the server version they depend on, and the sessions that stand in their
 * way. The clauses that need a newer server are chosen by `server_version_num`: `STRATEGY` only
 * from PostgreSQL 15, `DROP DATABASE … WITH (FORCE)` only from 13 (before that, pgv terminates the
 * sessions itself and drops). PostgreSQL copies a template only when nobody else is connected to
 * it; pgv refuses by default, naming the sessions, and terminates them with --force.
 */
import { PgvError } from '../errors.js';
import { serverErrorOf, type Db } from './client.js';
import type { ConnectionSpec } from './connection.js';
import { quoteIdent, quoteLiteral } from './ident.js';
import { withMaintenance } from './maintenance.js';

/** The first server versions (server_version_num) that know a clause. */
const serverFeatures = {
  /** `CREATE DATABASE … STRATEGY`. */
  createStrategy: 150000,
  /** `DROP DATABASE … WITH (FORCE)`. */
  dropForce: 130000,
} as const;

/** `server_version_num` of the server behind `db` (150018 for 15.18). */
export async function serverVersionOf(db: Db): Promise<number> {
  const { rows } = await db.query<{ v: number }>("SELECT pg_catalog.current_setting('server_version_num')::int AS v");
  return rows[0]!.v;
}

/** How CREATE DATABASE copies (PostgreSQL 15+): WAL_LOG writes every block to the WAL; FILE_COPY copies files after a checkpoint. */
export type CopyStrategy = 'wal_log' | 'file_copy';

/** What the user asked for: a strategy, or `auto` (by size). */
export type StrategyChoice = CopyStrategy | 'auto';

/**
 * Above this size FILE_COPY wins: measured on PostgreSQL 15, WAL_LOG costs ~5 ms per MB and
 * FILE_COPY ~0.3 s (its two checkpoints) plus ~0.6 ms per MB; they cross near 65 MB.
 */
const fileCopyThresholdBytes = 64 * 1024 * 1024;

/** The strategy to use, or null on servers before 15 (which only know FILE_COPY and take no STRATEGY clause). */
export function chooseStrategy(choice: StrategyChoice, sizeBytes: number, serverVersionNum: number): CopyStrategy | null {
  if (serverVersionNum < serverFeatures.createStrategy) {
    if (choice !== 'auto') {
      throw new PgvError('usage', `--strategy ${choice} needs PostgreSQL 15 or newer (the server is ${Math.floor(serverVersionNum / 10000)})`, {
        hint: 'Leave --strategy out: older servers always copy files.',
      });
    }
    return null;
  }
  if (choice !== 'auto') return choice;
  return sizeBytes >= fileCopyThresholdBytes ? 'file_copy' : 'wal_log';
}

/** What a new database is made from. */
export interface CreateDatabaseOptions {
  /** Copy this database (CREATE DATABASE … TEMPLATE); default: the server's template1. */
  readonly template?: string;
  /** How to copy (ignored, with a null strategy, before PostgreSQL 15). */
  readonly strategy?: CopyStrategy | null;
  readonly owner?: string;
}

/**
 * `CREATE DATABASE "name" [OWNER "o"] [TEMPLATE "t"] [STRATEGY s]`, STRATEGY only on servers that
 * know it (PostgreSQL 15). Pure.
 */
export function createDatabaseSql(name: string, o: CreateDatabaseOptions = {}, serverVersionNum: number = serverFeatures.createStrategy): string {
  const strategy = o.strategy && serverVersionNum >= serverFeatures.createStrategy ? ` STRATEGY ${o.strategy.toUpperCase()}` : '';
  return `CREATE DATABASE ${quoteIdent(name)}${o.owner ? ` OWNER ${quoteIdent(o.owner)}` : ''}${o.template ? ` TEMPLATE ${quoteIdent(o.template)}` : ''}${strategy}`;
}

/** `DROP DATABASE IF EXISTS "name" [WITH (FORCE)]`, FORCE only on servers that know it (PostgreSQL 13). Pure. */
export function dropDatabaseSql(name: string, force: boolean, serverVersionNum: number): string {
  return `DROP DATABASE IF EXISTS ${quoteIdent(name)}${force && serverVersionNum >= serverFeatures.dropForce ? ' WITH (FORCE)' : ''}`;
}

/** `ALTER DATABASE "from" RENAME TO "to"`. Pure. */
export function renameDatabaseSql(from: string, to: string): string {
  return `ALTER DATABASE ${quoteIdent(from)} RENAME TO ${quoteIdent(to)}`;
}

/** `COMMENT ON DATABASE "name" IS '…'` (COMMENT takes no parameters: a quoted literal; null removes it). Pure. */
export function commentOnDatabaseSql(name: string, text: string | null): string {
  return `COMMENT ON DATABASE ${quoteIdent(name)} IS ${text === null ? 'NULL' : quoteLiteral(text)}`;
}

/**
 * Did CREATE DATABASE fail because the database exists? 42P04 when the other creator had committed
 * before our statement, a unique violation on pg_database's name index when both inserted at once.
 */
export function isDuplicateDatabase(e: unknown): boolean {
  const err = serverErrorOf(e);
  return err?.sqlstate === '42P04' || (err?.sqlstate === '23505' && err.message.includes('pg_database_datname_index'));
}

/** A session connected to a database. */
export interface Session {
  readonly pid: number;
  readonly user: string | null;
  readonly application: string;
  readonly since: Date | null;
  readonly client: string | null;
}

/** Other sessions on `database` (autovacuum workers excluded: CREATE DATABASE stops them itself). */
export async function sessionsOn(db: Db, database: string): Promise<Session[]> {
  const { rows } = await db.query<{ pid: number; usename: string | null; application_name: string | null; backend_start: Date | null; client: string | null }>(
    `SELECT pid, usename, application_name, backend_start, client_addr::text AS client
       FROM pg_catalog.pg_stat_activity
      WHERE datname = $1 AND pid <> pg_catalog.pg_backend_pid() AND backend_type IS DISTINCT FROM 'autovacuum worker'
      ORDER BY backend_start, pid`,
    [database],
  );
  return rows.map((r) => ({ pid: r.pid, user: r.usename, application: r.application_name ?? '', since: r.backend_start, client: r.client }));
}

/** Terminate the other sessions on `database`; returns how many were signalled. */
export async function terminateSessions(db: Db, database: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(pg_catalog.pg_terminate_backend(pid))::int AS n FROM pg_catalog.pg_stat_activity
      WHERE datname = $1 AND pid <> pg_catalog.pg_backend_pid() AND backend_type IS DISTINCT FROM 'autovacuum worker'`,
    [database],
  );
  return rows[0]?.n ?? 0;
}

/** One line per session: pid, user, application, since. Pure. */
function describeSession(s: Session): string {
  return `pid ${s.pid}, user ${s.user ?? '?'}, application ${s.application ? JSON.stringify(s.application) : '(none)'}${s.client ? `, from ${s.client}` : ''}, since ${s.since ? s.since.toISOString() : '?'}`;
}

/** The error for a database that is in use. Pure. */
export function busyError(database: string, sessions: readonly Session[], needs: string): PgvError {
  const n = sessions.length;
  return new PgvError('database_busy', `database "${database}" has ${n === 0 ? 'other sessions' : `${n} other session${n === 1 ? '' : 's'}`}; ${needs}`, {
    hint: 'Close them (stop the application, exit psql), or run again with --force to terminate them.',
    details: sessions.map(describeSession),
    data: { database, sessions: sessions.map((s) => ({ pid: s.pid, user: s.user, application: s.application, since: s.since?.toISOString() ?? null })) },
  });
}

/** Make sure nobody else is connected to `databases`: terminate with `force`, else refuse (exit 3). */
export async function ensureIdle(db: Db, databases: readonly string[], force: boolean, needs: string): Promise<void> {
  for (const database of databases) {
    const sessions = await sessionsOn(db, database);
    if (sessions.length === 0) continue;
    if (!force) throw busyError(database, sessions, needs);
    await terminateSessions(db, database);
  }
}

/** Is this the server's "being accessed by other users" error? */
export function isBusyError(e: unknown): boolean {
  return serverErrorOf(e)?.sqlstate === '55006';
}

/**
 * Run a statement that needs `database` idle (CREATE DATABASE … TEMPLATE, ALTER DATABASE RENAME).
 * A session that connects between the check and the statement makes it fail with 55006: with
 * `force` pgv terminates and tries again (PostgreSQL waits up to 5 s for terminated sessions to
 * go); without, the error names the sessions.
 */
export async function whileIdle<T>(db: Db, database: string, force: boolean, needs: string, run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (e) {
      if (!isBusyError(e)) throw e;
      if (!force || attempt >= 3) throw busyError(database, await sessionsOn(db, database), needs);
      await terminateSessions(db, database);
    }
  }
}

/** Copy `source` to a new database `target`. */
export async function copyDatabase(db: Db, o: { source: string; target: string; strategy: CopyStrategy | null; owner?: string; force: boolean; serverVersion: number }): Promise<void> {
  const sql = createDatabaseSql(o.target, { template: o.source, strategy: o.strategy, ...(o.owner ? { owner: o.owner } : {}) }, o.serverVersion);
  await whileIdle(db, o.source, o.force, `CREATE DATABASE … TEMPLATE needs it idle`, () => db.query(sql));
}

/**
 * Drop a database if it exists. With `force` its sessions are terminated: by WITH (FORCE) on
 * PostgreSQL 13 and later, by pg_terminate_backend (and a retry while one reconnects) before.
 */
export async function dropDatabase(db: Db, name: string, force: boolean, serverVersionNum: number): Promise<void> {
  const sql = dropDatabaseSql(name, force, serverVersionNum);
  if (force && serverVersionNum < serverFeatures.dropForce) await terminateSessions(db, name);
  await whileIdle(db, name, force, 'it cannot be dropped while in use', () => db.query(sql));
}

/** Drop a database from a maintenance session of its server, terminating the sessions left on it. */
export async function dropDatabaseForce(spec: ConnectionSpec, name: string): Promise<void> {
  await withMaintenance(spec, async (db) => dropDatabase(db, name, true, await serverVersionOf(db)), { avoid: name });
}

/** What a copy of `source` into a new database `target` checks first, read in one round trip. */
export interface CopyFacts {
  /** The target name is taken; with the taken database's comment. */
  readonly target: { readonly exists: boolean; readonly comment: string | null };
  /** The source's size in bytes (0 when it cannot be measured), for the strategy. */
  readonly sizeBytes: number;
  /** The source's owner when it is not the current user (CREATE DATABASE … OWNER). */
  readonly owner?: string;
  /** Other sessions on the source, as `sessionsOn` lists them. */
  readonly sessions: readonly Session[];
}

/**
 * The checks before CREATE DATABASE target TEMPLATE source (is the name free, is the source idle,
 * its size and owner) in one query instead of four.
 */
export async function copyFacts(db: Db, source: string, target: string): Promise<CopyFacts> {
  const { rows } = await db.query<{ target_exists: boolean; target_comment: string | null; size: string | null; owner: string | null; me: string; sessions: Array<{ pid: number; usename: string | null; application_name: string | null; backend_start: string | null; client: string | null }> }>(
    `SELECT EXISTS (SELECT FROM pg_catalog.pg_database WHERE datname = $2) AS target_exists,
            (SELECT pg_catalog.shobj_description(oid, 'pg_database') FROM pg_catalog.pg_database WHERE datname = $2) AS target_comment,
            (SELECT CASE WHEN pg_catalog.has_database_privilege(oid, 'CONNECT') THEN pg_catalog.pg_database_size(oid) END FROM pg_catalog.pg_database WHERE datname = $1) AS size,
            (SELECT pg_catalog.pg_get_userbyid(datdba) FROM pg_catalog.pg_database WHERE datname = $1) AS owner,
            current_user AS me,
            (SELECT coalesce(json_agg(json_build_object('pid', pid, 'usename', usename, 'application_name', application_name, 'backend_start', backend_start, 'client', client_addr::text) ORDER BY backend_start, pid), '[]')
               FROM pg_catalog.pg_stat_activity
              WHERE datname = $1 AND pid <> pg_catalog.pg_backend_pid() AND backend_type IS DISTINCT FROM 'autovacuum worker') AS sessions`,
    [source, target],
  );
  const r = rows[0]!;
  return {
    target: { exists: r.target_exists, comment: r.target_comment },
    sizeBytes: Number(r.size ?? 0),
    ...(r.owner !== null && r.owner !== r.me ? { owner: r.owner } : {}),
    sessions: r.sessions.map((x) => ({ pid: x.pid, user: x.usename, application: x.application_name ?? '', since: x.backend_start === null ? null : new Date(x.backend_start), client: x.client })),
  };
}

/** The size of a database in bytes (0 when it cannot be measured). */
export async function databaseSize(db: Db, name: string): Promise<number> {
  const { rows } = await db.query<{ size: string | null }>(
    `SELECT CASE WHEN pg_catalog.has_database_privilege(oid, 'CONNECT') THEN pg_catalog.pg_database_size(oid) END AS size FROM pg_catalog.pg_database WHERE datname = $1`,
    [name],
  );
  return Number(rows[0]?.size ?? 0);
}
