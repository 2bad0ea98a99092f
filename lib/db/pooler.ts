/**
 * Refusing transaction-mode connection poolers (PgBouncer `pool_mode = transaction`, or statement
 * mode) before pgv takes its session advisory lock. Behind such a pooler, consecutive transactions
 * of one client may run on different server connections: the lock would be taken on one server
 * connection and stranded there (held by whatever client gets it next), and the next deploy waits
 * on it forever. Session-mode pooling is fine: the client keeps its server connection.
 */
import { PgvError } from '../errors.js';
import { connect, type Db } from './client.js';
import { describeConnection } from './connection.js';

const pidSql = 'SELECT pg_catalog.pg_backend_pid() AS pid';

async function backendPid(db: Db): Promise<number> {
  return Number((await db.query<{ pid: number }>(pidSql)).rows[0]!.pid);
}

/**
 * Why `db` is behind a transaction-mode pooler, or null when it is not. A direct connection costs
 * one query: the process id the server announced at connection (BackendKeyData) is the backend's.
 * A pooler announces its own; then a second session opens a transaction while this one is idle:
 * in transaction mode the pooler may hand it this session's server connection (same backend), or
 * this session's next transaction lands on another backend. Either proves that a session does not
 * own its server connection.
 */
async function transactionPoolerEvidence(db: Db): Promise<string | null> {
  const first = await backendPid(db);
  if (first === db.backendPid) return null;
  const other = await connect(db.spec);
  try {
    await other.query('BEGIN');
    const borrowed = await backendPid(other);
    if (borrowed === first) {
      // Commit before this session asks again: with a pool of one, it would wait for that backend forever.
      await other.query('COMMIT');
      return `another session's transaction ran on this session's server connection (backend pid ${first})`;
    }
    const next = await backendPid(db);
    await other.query('COMMIT');
    if (next !== first) return `two consecutive transactions of one session ran on different backends (pid ${first}, then ${next})`;
    return null;
  } finally {
    await other.end();
  }
}

/** Throw when `db` goes through a transaction-mode pooler (exit 3): pgv's advisory lock would be stranded. */
export async function refuseTransactionPooler(db: Db, what = 'pgv'): Promise<void> {
  const evidence = await transactionPoolerEvidence(db);
  if (!evidence) return;
  throw new PgvError('pooler_refused', `${describeConnection(db.spec)} goes through a connection pooler in transaction mode: ${what} refuses to take its lock there`, {
    hint: "A session advisory lock taken through a transaction-mode pooler (PgBouncer pool_mode = transaction) stays on a server connection the pooler hands to other clients, and the next deploy waits on it forever. Connect pgv to PostgreSQL itself: set the part's `direct_connection:` (host and port of the server, not of the pooler), or use a session-mode pool.",
    details: [`evidence: ${evidence}`],
    data: { target: describeConnection(db.spec) },
  });
}
