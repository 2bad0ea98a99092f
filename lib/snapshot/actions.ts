/**
 * The snapshot actions as both the library (`snapshot.*` in lib/index.ts) and `pgv snapshot` run
 * them: one session on the working database's snapshot lock, what an interrupted earlier command
 * left finished or undone first (journal.ts), then the action. The engines load when called.
 */
import type { ConnectionSpec } from '../db/connection.js';
import { interruptedError, isInterrupted, shielded } from '../db/cancel.js';
import { withMaintenance } from '../db/maintenance.js';
import { PgvError, isPgvError } from '../errors.js';
import { withSnapshotSession, type PauseHook, type SnapshotSession } from './admin.js';
import type { CommitOptions, CommitOutcome, InitOutcome } from './commit.js';
import type { History, WorkingMeta } from './metadata.js';
import type { RevertOptions, RevertOutcome } from './revert.js';
import type { PurgeOutcome, TagOutcome } from './manage.js';
import type { PurgeFilter, Target } from './revisions.js';

/** How an action's session is run. */
export interface SnapshotRun {
  /** The action's name, for messages (`commit`, `revert`, …). */
  readonly action: string;
  readonly lockTimeoutMs: number;
  readonly pause?: PauseHook;
  /** Told when another command holds the lock (whom pgv waits for). */
  readonly onLockWait?: (message: string) => void;
  /** Told of each interruption of an earlier snapshot command that was finished or undone. */
  readonly onNote?: (note: string) => void;
}

/**
 * Run `fn` in the snapshot session of `spec.dbname`, after the recovery. A failure carries the
 * recovery's notes; an interrupt says what is left (rolled back, or for the next command to finish).
 */
export async function runSnapshotAction<T>(spec: ConnectionSpec, run: SnapshotRun, fn: (s: SnapshotSession) => Promise<T>): Promise<T> {
  const { recoverInterrupted } = await import('./journal.js');
  const session = { action: run.action, lockTimeoutMs: run.lockTimeoutMs, ...(run.pause ? { pause: run.pause } : {}), ...(run.onLockWait ? { onLockWait: run.onLockWait } : {}) };
  let locked = false; // the lock is ours: a journal found after an interrupt is this action's
  return withSnapshotSession(spec, session, async (s) => {
    locked = true;
    const notes = await recoverInterrupted(s);
    for (const note of notes) run.onNote?.(note);
    try {
      return await fn(s);
    } catch (e) {
      // The recovery happened even though the action failed: say so with the error.
      if (!notes.length || !isPgvError(e)) throw e;
      throw new PgvError(e.code, e.message, { ...(e.hint ? { hint: e.hint } : {}), details: [...e.detailLines, ...notes.map((n) => `note: ${n}`)], data: { ...e.data }, cause: e });
    }
  }).catch(async (e: unknown) => {
    // A cancelled copy or swap was rolled back; a journal step left behind is finished or undone by the next command.
    if (isInterrupted(e)) throw interruptedError(`snapshot ${run.action} of "${spec.dbname}" was cancelled; ${locked ? await leftBehind(spec) : 'nothing changed (it was waiting for the lock)'}`, e);
    throw e;
  });
}

/** After an interrupt: is a step of the action left in the working database's journal? Read outside the cancelled scope. */
async function leftBehind(spec: ConnectionSpec): Promise<string> {
  const unknown = 'what it started is rolled back, or finished or undone by the next pgv snapshot command (pgv snapshot info shows the state)';
  try {
    const { readMetadataOf } = await import('./metadata.js');
    const { meta } = await shielded(() => withMaintenance(spec, (db) => readMetadataOf(db, spec.dbname)));
    if (meta?.role === 'working' && meta.journal) return `its ${meta.journal.op} step is left in the journal: the next pgv snapshot command finishes or undoes it`;
    return 'nothing changed (what it had started was rolled back)';
  } catch {
    return unknown;
  }
}

/** Each action on an open session. */
export const snapshotAction = {
  /** Start versioning the working database: version 0. */
  init: async (s: SnapshotSession): Promise<InitOutcome> => (await import('./commit.js')).initVersioning(s),
  /** Freeze the current state as a snapshot; move to the next version. */
  commit: async (s: SnapshotSession, o: CommitOptions): Promise<CommitOutcome> => (await import('./commit.js')).commitSnapshot(s, o),
  /** Version, parent and tip (refused when the database is not versioned). */
  info: async (s: SnapshotSession): Promise<WorkingMeta> => {
    const { historyAtStart, requireVersioned } = await import('./journal.js');
    return requireVersioned(await historyAtStart(s));
  },
  /** The working database and its snapshots, with sizes. */
  log: async (s: SnapshotSession): Promise<History> => (await import('./metadata.js')).readHistory(s.db, s.working, { sizes: true }),
  /** Replace the working database by a copy of a snapshot. */
  revert: async (s: SnapshotSession, o: RevertOptions): Promise<RevertOutcome> => (await import('./revert.js')).revertTo(s, o),
  /** Name a snapshot (null: the parent), or delete a tag. */
  tag: async (s: SnapshotSession, o: { name: string; target: Target | null; delete: boolean }): Promise<TagOutcome> => (await import('./manage.js')).tagSnapshot(s, o),
  /** Drop the snapshots the filter selects (only lists them unless `yes`). */
  purge: async (s: SnapshotSession, o: { filter: PurgeFilter; yes: boolean; force: boolean }): Promise<PurgeOutcome> => (await import('./manage.js')).purgeSnapshots(s, o),
};
