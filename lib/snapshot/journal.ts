/**
 * Crash safety. Commit and revert record what they are about to do in the working database's
 * metadata (a journal) before their first change, and clear it with their last. Every snapshot
 * command starts, under the snapshot lock, by finishing or undoing what a killed predecessor left:
 *
 *   commit, journal present     the snapshot copy may exist without its metadata → drop it
 *   revert, step `copy`         the working database is untouched; the copy may exist → drop it
 *   revert, step `swapped`      names are swapped (atomically, with the new metadata); the previous
 *                               working database may still exist under its discard name → drop it
 *
 * The renames of a revert happen in one transaction, so the working name always holds either the
 * old or the new database.
 */
import { PgvError } from '../errors.js';
import type { SnapshotSession } from './admin.js';
import { dropDatabase } from '../db/databases.js';
import { readHistory, readMetadataOf, writeMetadata, type History, type Journal, type WorkingMeta } from './metadata.js';

// The history the recovery read when it found nothing to do: still the truth under the lock, so
// the action takes it instead of reading it again (one round trip less). Taken once: after the
// action's first change it would be stale.
const unchanged = new WeakMap<SnapshotSession, History>();

/**
 * The working database's history (without sizes): the one the recovery read at the start of the
 * session when it changed nothing, else read now. For an action's first read.
 */
export async function historyAtStart(s: SnapshotSession): Promise<History> {
  const h = unchanged.get(s);
  unchanged.delete(s);
  return h ?? readHistory(s.db, s.working);
}

/** Finish or undo an interrupted command; returns one note per thing done (empty: nothing to do). */
export async function recoverInterrupted(s: SnapshotSession): Promise<string[]> {
  const h = await readHistory(s.db, s.working);
  const meta = h.meta;
  if (meta?.role !== 'working' || !meta.journal) {
    unchanged.set(s, h);
    return [];
  }
  const j = meta.journal;
  const notes = await undoOrFinish(s, j);
  await writeMetadata(s.db, s.working, withoutJournal(meta));
  return notes;
}

async function undoOrFinish(s: SnapshotSession, j: Journal): Promise<string[]> {
  const w = s.working;
  if (j.op === 'commit') {
    // The journal is cleared in the same transaction that labels the snapshot: an unlabeled copy is unfinished.
    const found = await readMetadataOf(s.db, j.snapshot);
    if (!found.exists || found.meta) return [`an interrupted commit of "${w}" left nothing behind; the working database is unchanged`];
    await dropDatabase(s.db, j.snapshot, true, s.serverVersion);
    return [`cleaned up an interrupted commit of "${w}": dropped the unfinished snapshot "${j.snapshot}"; the working database is unchanged`];
  }
  if (j.step === 'copy') {
    const found = await readMetadataOf(s.db, j.copy);
    if (found.exists && !found.meta) await dropDatabase(s.db, j.copy, true, s.serverVersion);
    return [`cleaned up an interrupted revert of "${w}" to revision ${j.target}: ${found.exists ? `dropped the unfinished copy "${j.copy}"; ` : ''}the working database is unchanged`];
  }
  if (j.keep) return [`finished an interrupted revert of "${w}" to revision ${j.target}`];
  const aside = await readMetadataOf(s.db, j.aside);
  if (aside.exists && aside.meta?.role === 'discarded' && aside.meta.of === w) await dropDatabase(s.db, j.aside, true, s.serverVersion);
  return [`finished an interrupted revert of "${w}" to revision ${j.target}${aside.exists ? `: dropped the previous working database "${j.aside}"` : ''}`];
}

/** The metadata without its journal. */
export function withoutJournal(meta: WorkingMeta): WorkingMeta {
  const { journal: _journal, ...rest } = meta;
  return rest;
}

/** The working database's metadata, or the error that says why it has none. */
export function requireVersioned(h: History): WorkingMeta {
  if (!h.exists) {
    const revs = h.snapshots.map((x) => x.revision);
    throw new PgvError('database_missing', `database "${h.working}" does not exist`, {
      hint: revs.length
        ? `Its snapshots remain (revision${revs.length === 1 ? '' : 's'} ${revs.join(', ')}); create the database again, run pgv snapshot init (it continues the history), then revert.`
        : 'Check the database name (the part\'s dbname, or --db).',
      data: { database: h.working },
    });
  }
  const meta = h.meta;
  if (meta?.role === 'snapshot') {
    throw new PgvError('refused', `database "${h.working}" is snapshot ${meta.revision} of "${meta.of}", not a working database`, {
      hint: `Work on "${meta.of}" instead: pgv snapshot info --db ${JSON.stringify(meta.of)}.`,
    });
  }
  if (meta?.role === 'discarded') {
    throw new PgvError('refused', `database "${h.working}" is a previous working database of "${meta.of}" that a revert is discarding`, {
      hint: `Run any pgv snapshot command on "${meta.of}" to finish that revert.`,
    });
  }
  if (!meta) {
    throw new PgvError('not_versioned', `database "${h.working}" is not versioned`, {
      hint: `Start with pgv snapshot init (the current state becomes version 0).`,
      data: { database: h.working },
    });
  }
  return meta;
}
