/**
 * The revision model of odb (seeds/000_…), as pure functions. The working database is at a
 * `version` whose `parent` is the snapshot it came from; `tip` is the highest revision number ever
 * given out, so numbers are never reused:
 *
 *   init          → version 0 (parent 0, tip 0)
 *   commit        → freeze `version` as a snapshot; move to tip+1 whose parent is that snapshot
 *   revert R      → replace the working database by a copy of R; move to tip+1 whose parent is R
 *
 * which reproduces the transcript: init 0; commit 1, 2, 3; revert 1 → 4 (parent 1, tip 4).
 */

/** Where the working database stands. */
export interface VersionState {
  readonly version: number;
  readonly parent: number;
  readonly tip: number;
}

/** A frozen revision: what one snapshot database holds. */
export interface Revision {
  readonly revision: number;
  readonly parent: number;
}

/** What a snapshot looks like to the selection functions below. */
export interface SnapshotLike {
  readonly revision: number;
  readonly tag?: string;
  /** ISO 8601. */
  readonly createdAt: string;
}

/** `init` on a database without history. */
export const initialState: VersionState = Object.freeze({ version: 0, parent: 0, tip: 0 });

/**
 * `init` on a database whose snapshots outlived its metadata (it was dropped and created again):
 * continue after the highest revision, so that no snapshot name is reused.
 */
export function adoptState(existing: readonly number[]): VersionState {
  if (existing.length === 0) return initialState;
  const max = Math.max(...existing);
  return { version: max + 1, parent: max, tip: max + 1 };
}

/** `commit`: the revision frozen now, and the state after it. */
export function commitTransition(s: VersionState): { frozen: Revision; next: VersionState } {
  const tip = Math.max(s.tip, s.version) + 1;
  return { frozen: { revision: s.version, parent: s.parent }, next: { version: tip, parent: s.version, tip } };
}

/** `revert R`: the state after it, and the revision the replaced working database was at. */
export function revertTransition(s: VersionState, target: number): { discarded: Revision; next: VersionState } {
  const tip = Math.max(s.tip, s.version) + 1;
  return { discarded: { revision: s.version, parent: s.parent }, next: { version: tip, parent: target, tip } };
}

/** Which snapshot a `revert` or `tag` means. */
export type Target = { readonly kind: 'parent' } | { readonly kind: 'revision'; readonly revision: number } | { readonly kind: 'tag'; readonly tag: string };

/** The revision a target names, or why it names none. */
export function resolveTarget<S extends SnapshotLike>(target: Target, state: VersionState, snapshots: readonly S[]): { snapshot: S } | { problem: string; revision?: number } {
  if (target.kind === 'tag') {
    const found = snapshots.find((s) => s.tag === target.tag);
    if (found) return { snapshot: found };
    const tags = snapshots.filter((s) => s.tag !== undefined).map((s) => s.tag);
    return { problem: `no snapshot is tagged "${target.tag}"${tags.length ? ` (tags: ${tags.join(', ')})` : ''}` };
  }
  const revision = target.kind === 'parent' ? state.parent : target.revision;
  const found = snapshots.find((s) => s.revision === revision);
  if (found) return { snapshot: found };
  const what = target.kind === 'parent' ? `the parent of version ${state.version}, revision ${revision},` : `revision ${revision}`;
  return { problem: `${what} has no snapshot${revision === state.version ? ' (it is the working database itself; commit it first)' : ''}`, revision };
}

/** What `purge` drops. */
export interface PurgeFilter {
  readonly all: boolean;
  /** Keep tagged snapshots. */
  readonly keepTags: boolean;
  /** Only snapshots created longer ago than this. */
  readonly olderThanMs?: number;
  /** Only these revisions. */
  readonly revisions?: readonly number[];
}

/** The snapshots a purge drops, oldest first. `now` in epoch milliseconds. */
export function selectForPurge<S extends SnapshotLike>(snapshots: readonly S[], filter: PurgeFilter, now: number): S[] {
  return snapshots
    .filter((s) => filter.all || !filter.keepTags || s.tag === undefined)
    .filter((s) => filter.all || filter.olderThanMs === undefined || now - Date.parse(s.createdAt) > filter.olderThanMs)
    .filter((s) => filter.revisions === undefined || filter.revisions.includes(s.revision))
    .sort((a, b) => a.revision - b.revision);
}

/** Why `name` cannot be a tag, or undefined. Tags must not look like revision numbers. */
export function tagNameProblem(name: string): string | undefined {
  if (!/^[A-Za-z0-9][A-Za-z0-9._\-/]*$/.test(name)) return `tag "${name}" must start with a letter or digit and contain only letters, digits, ".", "_", "-" and "/"`;
  if (/^[0-9]+$/.test(name)) return `tag "${name}" looks like a revision number`;
  if (name.length > 100) return `tag "${name.slice(0, 20)}…" is longer than 100 characters`;
  return undefined;
}
