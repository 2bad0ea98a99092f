/**
 * One advisory lock per database for every mutating pgv command. A second runner waits up to a
 * timeout, then fails naming the holder.
 */
import { PgvError } from '../errors.js';
import type { Db } from './client.js';
import { refuseTransactionPooler } from './pooler.js';

// Two-key advisory lock: ('pgv' as an int, 1). Advisory locks are per database already.
const key1 = 0x706776;

/** Which lock: pgv's lock on the session's database (the default), or another one of pgv's. */
export interface LockOptions {
  /** Second key (default 1, the database lock; snapshots use a hash of the working database name). */
  readonly key?: number;
  /** What is locked, for the error message (default: `database "<the session's database>"`). */
  readonly subject?: string;
  /** The subject is plural (`the snapshots of database "x"`): the messages say "are locked". */
  readonly pluralSubject?: boolean;
  readonly sleep?: (ms: number) => Promise<unknown>;
  /** Told once, as soon as the lock is found taken: who holds it and how long pgv waits. */
  readonly onWait?: (message: string) => void;
}

/** Take pgv's lock on the session's database, waiting up to `timeoutMs`. */
export async function acquireLock(db: Db, timeoutMs: number, options: LockOptions = {}): Promise<void> {
  const key2 = options.key ?? 1;
  const sleep = options.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  const subject = options.subject ?? `database "${db.spec.dbname}"`;
  const isLocked = options.pluralSubject ? 'are locked' : 'is locked';
  const deadline = Date.now() + timeoutMs;
  // Before the lock: behind a transaction-mode pooler it would be stranded on a server connection.
  // On a direct connection the backend's pid is the one announced at connection (see pooler.ts):
  // one round trip checks that and, only then, tries the lock (null: another pid, the full check).
  const first = await db.query<{ ok: boolean | null }>('SELECT CASE WHEN pg_catalog.pg_backend_pid() = $3 THEN pg_try_advisory_lock($1, $2) END AS ok', [key1, key2, db.backendPid]);
  let taken = first.rows[0]?.ok ?? null;
  if (taken === null) {
    await refuseTransactionPooler(db);
    taken = await tryLock(db, key2);
  }
  let wait = 25;
  let told = false;
  for (;;) {
    if (taken) return;
    if (Date.now() >= deadline) break;
    // Say whom we wait for as soon as we wait (a silent minute looks like a hang).
    if (!told && options.onWait) {
      told = true;
      const holder = await lockHolder(db, key2);
      if (holder) options.onWait(`${subject} ${isLocked} by ${holder.text}; waiting for it up to ${Math.round(timeoutMs / 1000)} s (--lock-timeout)`);
    }
    await sleep(Math.min(wait, Math.max(0, deadline - Date.now())));
    wait = Math.min(wait * 2, 500);
    taken = await tryLock(db, key2);
  }
  const h = await lockHolder(db, key2);
  throw new PgvError('lock_timeout', `${subject} ${isLocked} by ${h?.text ?? 'another session (it has just released the lock)'}; gave up after ${Math.round(timeoutMs / 1000)} s`, {
    hint: 'Another pgv is working on this database. Wait for it and run again, or raise --lock-timeout.',
    data: { database: db.spec.dbname, ...(h ? { holder_pid: h.pid, holder_application: h.application } : {}) },
  });
}

async function tryLock(db: Db, key2: number): Promise<boolean> {
  const { rows } = await db.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [key1, key2]);
  return rows[0]?.ok === true;
}

/** Who holds pgv's lock `key2` on the session's database: pid, application, user, since. */
async function lockHolder(db: Db, key2: number): Promise<{ pid: number; application: string; text: string } | undefined> {
  const { rows } = await db.query<{ pid: number; application_name: string; usename: string; backend_start: Date; client: string | null }>(
    `SELECT a.pid, a.application_name, a.usename, a.backend_start, a.client_addr::text AS client
       FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1 AND l.objid = $2 AND l.objsubid = 2
        AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())`,
    [key1, key2],
  );
  const h = rows[0];
  if (!h) return undefined;
  return {
    pid: h.pid,
    application: h.application_name,
    text: `pid ${h.pid} (${h.application_name || 'no application name'}, user ${h.usename}${h.client ? ` from ${h.client}` : ''}, connected since ${new Date(h.backend_start).toISOString()})`,
  };
}
