/**
 * `revert`: replace the working database by a copy of a snapshot without ever leaving its name
 * empty. The steps, each recorded in the journal first (see journal.ts):
 *
 *   1. journal `copy`; CREATE DATABASE <working>~revert TEMPLATE <snapshot>; give it the working
 *      database's owner, grants and settings
 *   2. one transaction: rename the working database aside (<working>~discard, or the snapshot
 *      name of its version with --keep), rename the copy to the working name, write both
 *      databases' metadata with the journal at `swapped`
 *   3. drop the discarded database (not with --keep); clear the journal
 *
 * A crash before 2 leaves the old working database in place (the next run drops the copy); a
 * crash after 2 leaves the new one (the next run drops the old one).
 */
import { PgvError } from '../errors.js';
import type { SnapshotSession } from './admin.js';
import { ensureFree, ownerOf, serverNow } from './commit.js';
import { containerSql, readContainer } from './container.js';
import { chooseStrategy, copyDatabase, databaseSize, dropDatabase, ensureIdle, renameDatabaseSql, terminateSessions, whileIdle, type CopyStrategy, type StrategyChoice } from '../db/databases.js';
import { historyAtStart, requireVersioned, withoutJournal } from './journal.js';
import { commentSql, writeMetadata, type Journal, type Metadata, type Snapshot, type WorkingMeta } from './metadata.js';
import { discardName, revertCopyName, snapshotDatabaseName } from './names.js';
import { resolveTarget, revertTransition, type Target } from './revisions.js';
import { shielded } from '../db/cancel.js';

/** Options of `revert`. */
export interface RevertOptions {
  readonly target: Target;
  readonly force: boolean;
  readonly strategy: StrategyChoice;
  /** Keep the replaced working database as the snapshot of its version instead of dropping it. */
  readonly keep: boolean;
  /** The kept snapshot's message (with `keep`). */
  readonly keepMessage?: string;
}

/** What `revert` did. */
export interface RevertOutcome {
  readonly target: Snapshot;
  readonly state: WorkingMeta;
  readonly strategy: CopyStrategy | null;
  /** The replaced working database, when kept as a snapshot. */
  readonly kept?: { readonly revision: number; readonly database: string };
}

/** Revert the working database to a snapshot. Nothing changes when the snapshot does not exist. */
export async function revertTo(s: SnapshotSession, o: RevertOptions): Promise<RevertOutcome> {
  const w = s.working;
  const h = await historyAtStart(s);
  const meta = requireVersioned(h);
  const found = resolveTarget(o.target, meta, h.snapshots);
  if ('problem' in found) {
    const revs = h.snapshots.map((x) => `${x.revision}${x.tag ? ` (${x.tag})` : ''}`);
    throw new PgvError('snapshot_missing', `cannot revert "${w}": ${found.problem}`, {
      hint: revs.length ? `Snapshots of "${w}": ${revs.join(', ')} (pgv snapshot log shows them).` : `"${w}" has no snapshots yet; pgv snapshot commit makes one.`,
      data: { database: w, ...(found.revision !== undefined ? { revision: found.revision } : {}) },
    });
  }
  const target = found.snapshot;
  const { discarded, next } = revertTransition(meta, target.revision);
  const copy = revertCopyName(w);
  const aside = o.keep ? snapshotDatabaseName(w, discarded.revision) : discardName(w);
  await ensureFree(s.db, copy, `the copy for the revert of "${w}"`);
  await ensureFree(s.db, aside, o.keep ? `snapshot ${discarded.revision} of "${w}"` : `the discard name of "${w}"`);
  await ensureIdle(s.db, [target.database, w], o.force, 'a revert needs the snapshot and the working database idle');
  const strategy = chooseStrategy(o.strategy, await databaseSize(s.db, target.database), s.serverVersion);
  const container = await readContainer(s.db, w);
  const owner = await ownerOf(s.db, w);

  const now = await serverNow(s.db);
  const state: WorkingMeta = { ...withoutJournal(meta), ...next, createdAt: now };
  const journal = (step: 'copy' | 'swapped'): Journal => ({ op: 'revert', step, target: target.revision, copy, aside, keep: o.keep });
  await writeMetadata(s.db, w, { ...meta, journal: journal('copy') });
  await s.pause('revert:journaled');
  try {
    await copyDatabase(s.db, { source: target.database, target: copy, strategy, force: o.force, serverVersion: s.serverVersion, ...(owner ? { owner } : {}) });
    for (const sql of containerSql(copy, container)) await s.db.query(sql);
    await s.pause('revert:copied');
    const swapped: WorkingMeta = { ...state, journal: journal('swapped') };
    const asideMeta: Metadata = o.keep
      ? { role: 'snapshot', of: w, ...discarded, createdAt: now, ...(o.keepMessage !== undefined ? { message: o.keepMessage } : {}) }
      : { role: 'discarded', of: w, revision: discarded.revision };
    const swap = [renameDatabaseSql(w, aside), renameDatabaseSql(copy, w), commentSql(w, swapped), commentSql(aside, asideMeta)];
    await whileIdle(s.db, w, o.force, 'a revert renames it, which needs it idle', async () => {
      if (o.force) await terminateSessions(s.db, w);
      try {
        await s.db.query(`BEGIN; ${swap.join('; ')}; COMMIT`);
      } catch (e) {
        await shielded(() => s.db.query('ROLLBACK')).catch(() => undefined);
        throw e;
      }
    });
  } catch (e) {
    // Before the swap: the working database is untouched; drop the copy and forget the journal.
    // Shielded: also after an interrupt cancelled the copy or the swap.
    await shielded(() => dropDatabase(s.db, copy, true, s.serverVersion)).catch(() => undefined);
    await shielded(() => writeMetadata(s.db, w, meta)).catch(() => undefined);
    throw e;
  }
  await s.pause('revert:swapped');
  if (!o.keep) await dropDatabase(s.db, aside, true, s.serverVersion);
  await s.pause('revert:dropped');
  await writeMetadata(s.db, w, state);
  return { target, state, strategy, ...(o.keep ? { kept: { revision: discarded.revision, database: aside } } : {}) };
}
