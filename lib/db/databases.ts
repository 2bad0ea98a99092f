/**
 * Copying and dropping whole databases: `CREATE DATABASE … TEMPLATE` with the right strategy,
 * and the sessions that stand in its way. PostgreSQL copies a template only when nobody else is
 * connected to it; pgv refuses by default, naming the sessions, and terminates them with --force.
 */
import { PgvError } from '../errors.js';
import { serverErrorOf, type Db } from '../db/client.js';
import { quoteIdent } from '../db/ident.js';

/** How CREATE DATABASE copies (PostgreSQL 15+): WAL_LOG writes every block to the WAL; FILE_COPY copies files after a checkpoint. */
export type CopyStrategy = 'wal_log' | 'file_copy';

/** What the user asked for: a strategy, or `auto` (by size). */
export type StrategyChoice = CopyStrategy | 'auto';

/**
 * Above this size FILE_COPY wins: measured on PostgreSQL 15, WAL_LOG costs ~5 ms per MB and
 * FILE_COPY ~0.3 s (its two checkpoints) plus ~0.6 ms per MB; they cross near 65 MB.
 */
export const fileCopyThresholdBytes = 64 * 1024 * 1024;

/** The strategy to use, or null on servers before 15 (which only know FILE_COPY and take no STRATEGY clause). */
export function chooseStrategy(choice: StrategyChoice, sizeBytes: number, serverVersionNum: number): CopyStrategy | null {
  if (serverVersionNum < 150000) {
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

/** `CREATE DATABASE "target" [OWNER "o"] TEMPLATE "source" [STRATEGY s]`. Pure. */
export function createDatabaseSql(target: string, source: string, strategy: CopyStrategy | null, owner?: string): string {
  return `CREATE DATABASE ${quoteIdent(target)}${owner ? ` OWNER ${quoteIdent(owner)}` : ''} TEMPLATE ${quoteIdent(source)}${strategy ? ` STRATEGY ${strategy.toUpperCase()}` : ''}`;
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
export function describeSession(s: Session): string {
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
export async function copyDatabase(db: Db, o: { source: string; target: string; strategy: CopyStrategy | null; owner?: string; force: boolean }): Promise<void> {
  await whileIdle(db, o.source, o.force, `CREATE DATABASE … TEMPLATE needs it idle`, () => db.query(createDatabaseSql(o.target, o.source, o.strategy, o.owner)));
}

/** Drop a database if it exists; `force` (PostgreSQL 13+) terminates its sessions first. */
export async function dropDatabase(db: Db, name: string, force: boolean, serverVersionNum: number): Promise<void> {
  const withForce = force && serverVersionNum >= 130000 ? ' WITH (FORCE)' : '';
  await whileIdle(db, name, force, 'it cannot be dropped while in use', () => db.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)}${withForce}`));
}

/** The size of a database in bytes (0 when it cannot be measured). */
export async function databaseSize(db: Db, name: string): Promise<number> {
  const { rows } = await db.query<{ size: string | null }>(
    `SELECT CASE WHEN pg_catalog.has_database_privilege(oid, 'CONNECT') THEN pg_catalog.pg_database_size(oid) END AS size FROM pg_catalog.pg_database WHERE datname = $1`,
    [name],
  );
  return Number(rows[0]?.size ?? 0);
}
