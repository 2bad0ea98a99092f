/**
 * The restore target as pgv sees it before and after pg_restore: whether
 * the database exists and already holds user objects, creating it (and dropping it again when a
 * restore into a database pgv created fails).
 */
import { withMaintenance } from '../db/maintenance.js';
import { connect, type Db } from '../db/client.js';
import type { ConnectionSpec } from '../db/connection.js';
import { createDatabaseSql, dropDatabaseSql, isDuplicateDatabase, serverVersionOf } from '../db/databases.js';
import { PgvError, isPgvError } from '../errors.js';

/**
 * Objects a restore would collide with: schemas (other than public), tables, views, sequences,
 * functions, types and domains outside the system schemas that no extension owns. Array types,
 * table row types and multirange types come with their owners and are not counted separately.
 */
const userObjectsSql = `
WITH objects AS (
  SELECT CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'S' THEN 'sequence'
              WHEN 'f' THEN 'foreign table' ELSE 'table' END AS kind,
         c.relnamespace AS nsp, c.relname::text AS name, 'pg_class'::regclass AS classid, c.oid
    FROM pg_class c WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
  UNION ALL
  SELECT CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate' ELSE 'function' END,
         p.pronamespace, quote_ident(p.proname) || '(' || pg_get_function_identity_arguments(p.oid) || ')', 'pg_proc'::regclass, p.oid
    FROM pg_proc p
   -- The system's ~3,000 functions left out here, before their names are built (the outer
   -- filter would drop them too): 3 ms instead of 15 on a new session.
   WHERE p.pronamespace NOT IN (SELECT oid FROM pg_namespace WHERE nspname ~ '^pg_' OR nspname = 'information_schema')
  UNION ALL
  SELECT CASE t.typtype WHEN 'd' THEN 'domain' ELSE 'type' END, t.typnamespace, t.typname::text, 'pg_type'::regclass, t.oid
    FROM pg_type t
   WHERE t.typtype IN ('b', 'c', 'd', 'e', 'r') AND t.typcategory <> 'A'
     AND (t.typrelid = 0 OR (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')
  UNION ALL
  SELECT 'schema', n.oid, NULL, 'pg_namespace'::regclass, n.oid FROM pg_namespace n WHERE n.nspname <> 'public'
)
SELECT o.kind,
       CASE WHEN o.classid = 'pg_namespace'::regclass THEN quote_ident(n.nspname)
            WHEN o.classid = 'pg_proc'::regclass THEN quote_ident(n.nspname) || '.' || o.name
            ELSE quote_ident(n.nspname) || '.' || quote_ident(o.name) END AS name,
       count(*) OVER (PARTITION BY o.kind) AS of_kind
  FROM objects o JOIN pg_namespace n ON n.oid = o.nsp
 WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = o.classid AND d.objid = o.oid AND d.deptype = 'e')
 ORDER BY CASE o.kind WHEN 'table' THEN 1 WHEN 'view' THEN 2 WHEN 'materialized view' THEN 3 WHEN 'foreign table' THEN 4
               WHEN 'schema' THEN 9 WHEN 'sequence' THEN 8 WHEN 'type' THEN 7 WHEN 'domain' THEN 7 ELSE 6 END,
          n.nspname, o.kind, o.name`;

/** What a database holds that a restore would collide with. */
export interface UserObjects {
  readonly total: number;
  /** How many of each kind ("table" → 3), most frequent first. */
  readonly byKind: ReadonlyArray<{ kind: string; count: number }>;
  /** The first few (tables first, then views, functions, types, sequences, schemas), quoted where SQL needs it. */
  readonly examples: ReadonlyArray<{ kind: string; name: string }>;
}

/** The user objects of the database behind `db`, with at most `limit` examples. */
export async function userObjects(db: Db, limit = 8): Promise<UserObjects> {
  const { rows } = await db.query<{ kind: string; name: string; of_kind: string }>(userObjectsSql);
  const byKind = new Map<string, number>();
  for (const r of rows) byKind.set(r.kind, Number(r.of_kind));
  return {
    total: rows.length,
    byKind: [...byKind].map(([kind, count]) => ({ kind, count })).sort((a, b) => b.count - a.count || a.kind.localeCompare(b.kind)),
    examples: rows.slice(0, limit).map((r) => ({ kind: r.kind, name: r.name })),
  };
}

/** What a restore needs to know of an existing target besides its objects, in one query. */
export async function targetFacts(db: Db): Promise<{ serverVersion: number; hasPublic: boolean }> {
  const { rows } = await db.query<{ v: number; has_public: boolean }>(
    "SELECT pg_catalog.current_setting('server_version_num')::int AS v, EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = 'public') AS has_public",
  );
  return { serverVersion: rows[0]!.v, hasPublic: rows[0]!.has_public };
}

/**
 * Open a session on `spec`, or undefined when its database does not exist (other connection
 * failures still throw). The session pipelines: queries sent together go out in one round trip.
 */
export async function connectIfExists(spec: ConnectionSpec): Promise<Db | undefined> {
  try {
    return await connect(spec, { pipeline: true });
  } catch (e) {
    if (isPgvError(e) && e.code === 'database_missing') return undefined;
    throw e;
  }
}


/**
 * Create `spec.dbname` from template0: a restore starts from a pristine database, not from
 * whatever an administrator added to template1.
 */
export async function createEmptyDatabase(spec: ConnectionSpec): Promise<void> {
  try {
    await withMaintenance(spec, (db) => db.query(createDatabaseSql(spec.dbname, { template: 'template0' })));
  } catch (e) {
    // 42P04 duplicate_database: another session (a concurrent restore, or the orphaned backend of
    // a killed one) created it between our check and ours.
    if (!isDuplicateDatabase(e)) throw e;
    throw new PgvError('database_busy', `database "${spec.dbname}" was created by another session while this restore was about to create it`, {
      hint: 'Run the restore again once the other session is done: an empty database is restored into, one with objects is refused unless --clean.',
      data: { database: spec.dbname },
    });
  }
}

/** Drop `spec.dbname` (after a failed restore into a database this run created; nobody else uses it). */
export async function dropCreatedDatabase(spec: ConnectionSpec): Promise<void> {
  await withMaintenance(spec, async (db) => db.query(dropDatabaseSql(spec.dbname, false, await serverVersionOf(db))));
}
