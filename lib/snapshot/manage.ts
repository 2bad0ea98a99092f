/** `tag` and `purge`: naming snapshots, and dropping the ones no longer wanted. */
import { PgvError, isPgvError } from '../errors.js';
import type { SnapshotSession } from './admin.js';
import { serverNow } from './commit.js';
import { dropDatabase } from '../db/databases.js';
import { historyAtStart, requireVersioned } from './journal.js';
import { commentSql, readHistory, type Snapshot, type SnapshotMeta } from './metadata.js';
import { resolveTarget, selectForPurge, tagNameProblem, type PurgeFilter, type Target } from './revisions.js';

/** What `tag` did. */
export interface TagOutcome {
  readonly revision: number;
  readonly tag: string;
  readonly deleted: boolean;
  /** The tag the revision had before, replaced by this one. */
  readonly replaced?: string;
}

/** `tag NAME [--rev N]` (default: the working version's parent) or `tag NAME --delete`. */
export async function tagSnapshot(s: SnapshotSession, o: { name: string; target: Target | null; delete: boolean }): Promise<TagOutcome> {
  const problem = tagNameProblem(o.name);
  if (problem) throw new PgvError('usage', problem, { hint: 'Example: pgv snapshot tag before-migration.' });
  const h = await historyAtStart(s);
  const meta = requireVersioned(h);
  const holder = h.snapshots.find((x) => x.tag === o.name);
  if (o.delete) {
    if (!holder) throw new PgvError('snapshot_missing', `no snapshot of "${s.working}" is tagged "${o.name}"`, { hint: 'pgv snapshot log lists the tags.' });
    await s.db.query(commentSql(holder.database, untagged(holder)));
    return { revision: holder.revision, tag: o.name, deleted: true };
  }
  const found = resolveTarget(o.target ?? { kind: 'parent' }, meta, h.snapshots);
  if ('problem' in found) throw new PgvError('snapshot_missing', `cannot tag: ${found.problem}`, { hint: 'pgv snapshot log lists the snapshots; pgv snapshot commit makes one.' });
  const target = found.snapshot;
  if (holder && holder.revision !== target.revision) {
    throw new PgvError('refused', `tag "${o.name}" is already on revision ${holder.revision}`, {
      hint: `Delete it first (pgv snapshot tag ${o.name} --delete), or choose another name.`,
    });
  }
  await s.db.query(commentSql(target.database, { ...untagged(target), tag: o.name }));
  return { revision: target.revision, tag: o.name, deleted: false, ...(target.tag && target.tag !== o.name ? { replaced: target.tag } : {}) };
}

function untagged(x: Snapshot): SnapshotMeta {
  const { database: _d, sizeBytes: _s, tag: _t, ...meta } = x;
  return meta;
}

/** What `purge` did (or would do). */
export interface PurgeOutcome {
  readonly dryRun: boolean;
  readonly selected: readonly Snapshot[];
  readonly dropped: readonly Snapshot[];
  /** Snapshots that could not be dropped, with the reason. */
  readonly failed: ReadonlyArray<{ snapshot: Snapshot; error: PgvError }>;
}

/** `purge`: select snapshots by the filter; drop them only with `yes`. */
export async function purgeSnapshots(s: SnapshotSession, o: { filter: PurgeFilter; yes: boolean; force: boolean }): Promise<PurgeOutcome> {
  const h = await readHistory(s.db, s.working, { sizes: true });
  requireVersioned(h);
  const now = Date.parse(await serverNow(s.db));
  const selected = selectForPurge(h.snapshots, o.filter, now);
  if (!o.yes) return { dryRun: true, selected, dropped: [], failed: [] };
  const dropped: Snapshot[] = [];
  const failed: Array<{ snapshot: Snapshot; error: PgvError }> = [];
  for (const snapshot of selected) {
    try {
      await dropDatabase(s.db, snapshot.database, o.force, s.serverVersion);
      dropped.push(snapshot);
    } catch (e) {
      if (!isPgvError(e)) throw e;
      failed.push({ snapshot, error: e });
    }
  }
  return { dryRun: false, selected, dropped, failed };
}
