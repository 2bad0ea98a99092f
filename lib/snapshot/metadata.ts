/**
 * Where snapshot metadata lives: one JSON document in the `COMMENT ON DATABASE` of every database
 * involved, in the cluster-wide catalog pg_shdescription.
 *
 * - It travels with a snapshot: each snapshot database carries its own document (revision,
 *   parent, the working database it belongs to, message, tag), so a snapshot describes itself
 *   even if the working database is gone.
 * - It survives a crash: comments are catalog rows, written in transactions; the renames of a
 *   revert and the metadata that goes with them commit together.
 * - It never shows up in `pgv check`: nothing is written inside any database, so the working
 *   database's schemas, tables and dumps are exactly the application's (no pgv schema to exclude).
 *
 * A comment the user had on the working database before `init` is kept inside the document
 * (`user_comment`). The working database's document also holds the journal of a command in
 * progress (see journal.ts).
 */
import type { Db } from '../db/client.js';
import { commentOnDatabaseSql } from '../db/databases.js';
import type { Revision, VersionState } from './revisions.js';

/** Version of the metadata document; written as its first key. */
const metadataFormat = 1;

/** A command half-done, recorded before its first change so that the next run can finish or undo it. */
export type Journal =
  | { readonly op: 'commit'; readonly snapshot: string }
  | {
      readonly op: 'revert';
      /** `copy`: the copy may exist, the working database is untouched; `swapped`: names are swapped. */
      readonly step: 'copy' | 'swapped';
      readonly target: number;
      readonly copy: string;
      /** Where the previous working database goes: a snapshot name (--keep) or the discard name. */
      readonly aside: string;
      readonly keep: boolean;
    };

/** The working database's document. */
export interface WorkingMeta extends VersionState {
  readonly role: 'working';
  /** When this version began (ISO 8601). */
  readonly createdAt: string;
  readonly journal?: Journal;
  readonly userComment?: string;
}

/** A snapshot database's document. */
export interface SnapshotMeta extends Revision {
  readonly role: 'snapshot';
  /** The working database it is a snapshot of. */
  readonly of: string;
  readonly createdAt: string;
  readonly message?: string;
  readonly tag?: string;
}

/** The previous working database of a revert, between the swap and its drop. */
export interface DiscardedMeta {
  readonly role: 'discarded';
  readonly of: string;
  readonly revision: number;
}

/** Any of pgv's documents. */
export type Metadata = WorkingMeta | SnapshotMeta | DiscardedMeta;

/** The document as comment text. */
export function encodeMetadata(m: Metadata): string {
  switch (m.role) {
    case 'working':
      return JSON.stringify({
        pgv_snapshot: metadataFormat,
        role: m.role,
        version: m.version,
        parent: m.parent,
        tip: m.tip,
        created_at: m.createdAt,
        ...(m.journal ? { journal: m.journal } : {}),
        ...(m.userComment !== undefined ? { user_comment: m.userComment } : {}),
      });
    case 'snapshot':
      return JSON.stringify({
        pgv_snapshot: metadataFormat,
        role: m.role,
        of: m.of,
        revision: m.revision,
        parent: m.parent,
        created_at: m.createdAt,
        ...(m.message !== undefined ? { message: m.message } : {}),
        ...(m.tag !== undefined ? { tag: m.tag } : {}),
      });
    case 'discarded':
      return JSON.stringify({ pgv_snapshot: metadataFormat, role: m.role, of: m.of, revision: m.revision });
  }
}

/**
 * Is this database comment pgv's snapshot metadata? For code that compares database-level
 * properties (pgv check): such a comment is pgv's bookkeeping, not part of the schema.
 */
export function isSnapshotMetadata(comment: string | null | undefined): boolean {
  return decodeMetadata(comment) !== null;
}

/** Read a comment: pgv's document, or null for no comment or anybody else's text. */
export function decodeMetadata(comment: string | null | undefined): Metadata | null {
  if (!comment || !comment.startsWith('{"pgv_snapshot":')) return null;
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(comment) as Record<string, unknown>;
  } catch {
    return null;
  }
  const int = (v: unknown) => (Number.isInteger(v) && (v as number) >= 0 ? (v as number) : undefined);
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  if (o.pgv_snapshot !== metadataFormat) return null;
  if (o.role === 'working') {
    const [version, parent, tip, createdAt] = [int(o.version), int(o.parent), int(o.tip), str(o.created_at)];
    if (version === undefined || parent === undefined || tip === undefined || createdAt === undefined) return null;
    const journal = decodeJournal(o.journal);
    const userComment = str(o.user_comment);
    return { role: 'working', version, parent, tip, createdAt, ...(journal ? { journal } : {}), ...(userComment !== undefined ? { userComment } : {}) };
  }
  if (o.role === 'snapshot') {
    const [of, revision, parent, createdAt] = [str(o.of), int(o.revision), int(o.parent), str(o.created_at)];
    if (of === undefined || revision === undefined || parent === undefined || createdAt === undefined) return null;
    const [message, tag] = [str(o.message), str(o.tag)];
    return { role: 'snapshot', of, revision, parent, createdAt, ...(message !== undefined ? { message } : {}), ...(tag !== undefined ? { tag } : {}) };
  }
  if (o.role === 'discarded') {
    const [of, revision] = [str(o.of), int(o.revision)];
    return of === undefined || revision === undefined ? null : { role: 'discarded', of, revision };
  }
  return null;
}

function decodeJournal(j: unknown): Journal | undefined {
  if (typeof j !== 'object' || j === null) return undefined;
  const o = j as Record<string, unknown>;
  if (o.op === 'commit' && typeof o.snapshot === 'string') return { op: 'commit', snapshot: o.snapshot };
  if (o.op === 'revert' && (o.step === 'copy' || o.step === 'swapped') && Number.isInteger(o.target) && typeof o.copy === 'string' && typeof o.aside === 'string') {
    return { op: 'revert', step: o.step, target: o.target as number, copy: o.copy, aside: o.aside, keep: o.keep === true };
  }
  return undefined;
}

/** A snapshot as pgv lists it. */
export interface Snapshot extends SnapshotMeta {
  readonly database: string;
  /** null when not asked for, or when the database cannot be measured (no CONNECT privilege). */
  readonly sizeBytes: number | null;
}

/** Everything pgv knows about one working database's history, read from the catalog at once. */
export interface History {
  readonly working: string;
  readonly exists: boolean;
  /** The working database's document; null when it is not versioned. */
  readonly meta: Metadata | null;
  /** The working database's comment when it is not pgv's document. */
  readonly foreignComment: string | null;
  readonly sizeBytes: number | null;
  /** Snapshots of this working database, by revision. */
  readonly snapshots: readonly Snapshot[];
}

/** Read the working database and every snapshot of it (their sizes too when `sizes`). */
export async function readHistory(db: Db, working: string, options: { sizes?: boolean } = {}): Promise<History> {
  const { rows } = await db.query<{ name: string; comment: string | null; size: string | null }>(
    `SELECT d.datname AS name, pg_catalog.shobj_description(d.oid, 'pg_database') AS comment,
            CASE WHEN $2 AND pg_catalog.has_database_privilege(d.oid, 'CONNECT') THEN pg_catalog.pg_database_size(d.oid) END AS size
       FROM pg_catalog.pg_database d
      WHERE d.datname = $1 OR pg_catalog.shobj_description(d.oid, 'pg_database') LIKE '{"pgv_snapshot":%'`,
    [working, options.sizes === true],
  );
  const own = rows.find((r) => r.name === working);
  const meta = decodeMetadata(own?.comment);
  const snapshots: Snapshot[] = [];
  for (const r of rows) {
    const m = decodeMetadata(r.comment);
    if (r.name !== working && m?.role === 'snapshot' && m.of === working) snapshots.push({ ...m, database: r.name, sizeBytes: r.size === null ? null : Number(r.size) });
  }
  snapshots.sort((a, b) => a.revision - b.revision);
  return {
    working,
    exists: own !== undefined,
    meta,
    foreignComment: own && !meta ? own.comment : null,
    sizeBytes: own?.size == null ? null : Number(own.size),
    snapshots,
  };
}

/** The metadata of one database (null: none, not pgv's, or no such database). */
export async function readMetadataOf(db: Db, name: string): Promise<{ exists: boolean; meta: Metadata | null }> {
  const { rows } = await db.query<{ comment: string | null }>(
    `SELECT pg_catalog.shobj_description(oid, 'pg_database') AS comment FROM pg_catalog.pg_database WHERE datname = $1`,
    [name],
  );
  return { exists: rows.length > 0, meta: decodeMetadata(rows[0]?.comment) };
}

/** `COMMENT ON DATABASE … IS …` for a document (COMMENT takes no parameters: a quoted literal). */
export function commentSql(database: string, m: Metadata): string {
  return commentOnDatabaseSql(database, encodeMetadata(m));
}

/** Write one document. */
export async function writeMetadata(db: Db, database: string, m: Metadata): Promise<void> {
  await db.query(commentSql(database, m));
}
