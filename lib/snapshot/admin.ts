/**
 * The session every snapshot command works through: a connection to the server's maintenance
 * database (CREATE, DROP and ALTER DATABASE cannot run from inside the database they touch), which
 * holds pgv's snapshot lock for one working database for the whole command. If pgv dies in the
 * middle of CREATE DATABASE, the server finishes the statement before it notices, and only then
 * releases the lock: the next pgv waits for it and then cleans up (journal.ts).
 */
import { connectMaintenance } from '../db/maintenance.js';
import { isPgvError, PgvError } from '../errors.js';
import { serverErrorOf, type Db } from '../db/client.js';
import type { ConnectionSpec } from '../db/connection.js';
import { acquireLock } from '../db/lock.js';
import { serverVersionOf } from '../db/databases.js';

/** A test hook: called at named points of commit and revert (see pause.ts). */
export type PauseHook = (point: string) => Promise<void>;

/** What a snapshot operation works with. */
export interface SnapshotSession {
  /** The session on the maintenance database, holding the lock. */
  readonly db: Db;
  /** The working database's name. */
  readonly working: string;
  /** server_version_num, e.g. 150004. */
  readonly serverVersion: number;
  readonly pause: PauseHook;
}

/** Options of a snapshot session. */
export interface SessionOptions {
  /** What the command does, for error messages (`commit`, `revert`, …). */
  readonly action: string;
  readonly lockTimeoutMs: number;
  readonly pause?: PauseHook;
  /** Told when another command holds the lock (whom pgv waits for). */
  readonly onLockWait?: (message: string) => void;
}

/** Open the session for `spec.dbname`, lock it, run `fn`, close (which releases the lock). */
export async function withSnapshotSession<T>(spec: ConnectionSpec, options: SessionOptions, fn: (s: SnapshotSession) => Promise<T>): Promise<T> {
  const working = spec.dbname;
  const db = await connectMaintenance(spec, { avoid: spec.dbname, applicationName: 'pgv snapshot' });
  try {
    await acquireLock(db, options.lockTimeoutMs, { key: lockKey(working), subject: `the snapshots of database "${working}"`, pluralSubject: true, ...(options.onLockWait ? { onWait: options.onLockWait } : {}) });
    return await fn({ db, working, serverVersion: await serverVersionOf(db), pause: options.pause ?? (async () => undefined) });
  } catch (e) {
    throw asPgvError(e, `pgv snapshot ${options.action} on "${working}"`);
  } finally {
    await db.end();
  }
}

/** A server error (permissions, disk full, …) as a PgvError (exit 3) with the server's words. */
function asPgvError(e: unknown, what: string): unknown {
  const server = serverErrorOf(e);
  if (!server || isPgvError(e)) return e;
  const hint =
    server.sqlstate === '42501'
      ? 'The role needs CREATEDB and must own the database (or be a superuser) to copy, rename and comment on it.'
      : server.sqlstate === '53100'
        ? 'The server is out of disk space; pgv snapshot purge drops old snapshots.'
        : 'Nothing was left half-done: the next pgv snapshot command finishes or undoes an interrupted step.';
  return new PgvError('snapshot_failed', `${what} failed: ${server.message}`, {
    hint,
    ...(server.detail ? { details: [server.detail] } : {}),
    data: { sqlstate: server.sqlstate },
    cause: e,
  });
}

/** The lock's second key: a 32-bit FNV-1a hash of the working name (a collision only serializes two commands). */
function lockKey(working: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(`snapshot:${working}`, 'utf8')) {
    h ^= byte;
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}
