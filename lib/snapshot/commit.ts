/**
 * `init` and `commit`: start versioning a working database, and freeze its current state as a
 * snapshot database. A commit copies the working database (CREATE DATABASE … TEMPLATE), then labels
 * the copy and moves the working database to the next version in one transaction.
 */
import { PgvError } from '../errors.js';
import type { Db } from '../db/client.js';
import type { SnapshotSession } from './admin.js';
import { busyError, chooseStrategy, copyDatabase, copyFacts, terminateSessions, type CopyStrategy, type StrategyChoice } from '../db/databases.js';
import { historyAtStart, requireVersioned, withoutJournal } from './journal.js';
import { commentSql, decodeMetadata, readMetadataOf, writeMetadata, type Metadata, type SnapshotMeta, type WorkingMeta } from './metadata.js';
import { snapshotDatabaseName } from './names.js';
import { adoptState, commitTransition } from './revisions.js';
import { shielded } from '../db/cancel.js';

/** What `init` did. */
export interface InitOutcome {
  readonly state: WorkingMeta;
  /** The database was versioned already; nothing changed. */
  readonly already: boolean;
  /** Snapshots found from an earlier history that init continues. */
  readonly adopted: number;
}

/** `init`: the working database becomes version 0 (or continues the history its leftover snapshots tell). */
export async function initVersioning(s: SnapshotSession): Promise<InitOutcome> {
  const h = await historyAtStart(s);
  if (h.exists && h.meta?.role === 'working') return { state: h.meta, already: true, adopted: 0 };
  if (!h.exists || h.meta) requireVersioned(h); // throws: missing database, or a snapshot
  const start = adoptState(h.snapshots.map((x) => x.revision));
  const state: WorkingMeta = {
    role: 'working',
    ...start,
    createdAt: await serverNow(s.db),
    ...(h.foreignComment !== null ? { userComment: h.foreignComment } : {}),
  };
  await writeMetadata(s.db, s.working, state);
  return { state, already: false, adopted: h.snapshots.length };
}

/** Options of `commit`. */
export interface CommitOptions {
  readonly message?: string;
  readonly force: boolean;
  readonly strategy: StrategyChoice;
}

/** What `commit` did. */
export interface CommitOutcome {
  readonly state: WorkingMeta;
  readonly snapshot: SnapshotMeta & { readonly database: string };
  readonly strategy: CopyStrategy | null;
  readonly sizeBytes: number;
}

/** `commit`: freeze the working database as a snapshot of its version; move to the next version. */
export async function commitSnapshot(s: SnapshotSession, o: CommitOptions): Promise<CommitOutcome> {
  const h = await historyAtStart(s);
  const meta = requireVersioned(h);
  const { frozen, next } = commitTransition(meta);
  const name = snapshotDatabaseName(s.working, frozen.revision);
  // One round trip for the checks: the name is free, nobody is on the working database; its size and owner.
  const facts = await copyFacts(s.db, s.working, name);
  if (facts.target.exists) throw takenError(name, `snapshot ${frozen.revision} of "${s.working}"`, decodeMetadata(facts.target.comment));
  if (facts.sessions.length) {
    if (!o.force) throw busyError(s.working, facts.sessions, 'CREATE DATABASE … TEMPLATE needs it idle to snapshot it');
    await terminateSessions(s.db, s.working);
  }
  const sizeBytes = facts.sizeBytes;
  const strategy = chooseStrategy(o.strategy, sizeBytes, s.serverVersion);
  const owner = facts.owner;

  await writeMetadata(s.db, s.working, { ...meta, journal: { op: 'commit', snapshot: name } });
  await s.pause('commit:journaled');
  try {
    await copyDatabase(s.db, { source: s.working, target: name, strategy, force: o.force, serverVersion: s.serverVersion, ...(owner ? { owner } : {}) });
  } catch (e) {
    // Shielded: also after an interrupt cancelled the copy.
    await shielded(() => writeMetadata(s.db, s.working, meta)).catch(() => undefined);
    throw e;
  }
  await s.pause('commit:copied');
  const now = await serverNow(s.db);
  const snapshot: SnapshotMeta = { role: 'snapshot', of: s.working, ...frozen, createdAt: now, ...(o.message !== undefined ? { message: o.message } : {}) };
  const state: WorkingMeta = { ...withoutJournal(meta), ...next, createdAt: now };
  // Label the copy and move on in one transaction: the journal goes with it.
  await s.db.query(`BEGIN; ${commentSql(name, snapshot)}; ${commentSql(s.working, state)}; COMMIT`);
  return { state, snapshot: { ...snapshot, database: name }, strategy, sizeBytes };
}

/** Refuse when `name` is taken by a database that is not a leftover of ours. */
export async function ensureFree(db: Db, name: string, what: string): Promise<void> {
  const found = await readMetadataOf(db, name);
  if (found.exists) throw takenError(name, what, found.meta);
}

/** The refusal to create `what` under a name an existing database holds (`meta`: its pgv metadata). Pure. */
function takenError(name: string, what: string, meta: Metadata | null): PgvError {
  return new PgvError('refused', `cannot create ${what}: a database named "${name}" exists already`, {
    hint: meta
      ? `It carries pgv metadata (${meta.role} of "${'of' in meta ? meta.of : name}"); check pgv snapshot log, or drop it by hand if it is stale.`
      : 'Rename or drop that database; pgv never overwrites a database it did not create.',
    data: { database: name },
  });
}

/** The owner of `database` when it is not the current user (CREATE DATABASE … OWNER), else undefined. */
export async function ownerOf(db: Db, database: string): Promise<string | undefined> {
  const { rows } = await db.query<{ owner: string; me: string }>(
    `SELECT pg_catalog.pg_get_userbyid(datdba) AS owner, current_user AS me FROM pg_catalog.pg_database WHERE datname = $1`,
    [database],
  );
  const r = rows[0];
  return r && r.owner !== r.me ? r.owner : undefined;
}

/** The server's clock, ISO 8601 (every timestamp pgv writes comes from the server, whatever the client's clock says). */
export async function serverNow(db: Db): Promise<string> {
  const { rows } = await db.query<{ now: Date }>('SELECT statement_timestamp() AS now');
  return rows[0]!.now.toISOString();
}
