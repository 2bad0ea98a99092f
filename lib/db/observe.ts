/** Reading what the planner needs from a part's database: existence, ledger, user tables. */
import type { QualifiedName } from '../config/types.js';
import type { ObservedPart } from '../plan/types.js';
import { connect, type Db } from './client.js';
import type { ConnectionSpec } from './connection.js';
import { ledgerStyleOf, readLedger } from './ledger.js';
import { pumCodesOf } from './pum-types.js';
import { PgvError, isPgvError } from '../errors.js';
import { displayQualified, quoteQualified } from './ident.js';
import { compareVersions } from '../util/versions.js';
import type { LedgerRow } from '../plan/types.js';

/** Observe a part's database; a database that does not exist is a state, not an error. */
export async function observePart(spec: ConnectionSpec, ledger: QualifiedName, adopt?: QualifiedName): Promise<ObservedPart> {
  let db: Db;
  try {
    db = await connect(spec);
  } catch (e) {
    if (isPgvError(e) && e.code === 'database_missing') return { exists: false, ledger: { exists: false, style: 'pgv', format: null, rows: [] }, userTables: 0 };
    throw e;
  }
  try {
    return await observeWith(db, ledger, adopt);
  } finally {
    await db.end();
  }
}

/**
 * Observe through an open session: one query, then the ledger's rows when there is a ledger.
 * `adopt`: a pum 1.x module's pum_migrations table, whose version reads as a baseline.
 */
export async function observeWith(db: Db, ledger: QualifiedName, adopt?: QualifiedName): Promise<ObservedPart> {
  const { rows } = await db.query<{ version: number; tables: number; ledger_exists: boolean; ledger_comment: string | null; ledger_columns: string[] | null }>(
    `SELECT current_setting('server_version_num')::int AS version,
            (SELECT count(*)::int FROM pg_catalog.pg_class c
               JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
              WHERE c.relkind IN ('r', 'p')
                AND n.nspname NOT IN ('pg_catalog', 'information_schema')
                AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
                AND NOT (n.nspname = $1 AND c.relname = $2)
                AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                                 WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')) AS tables,
            l.oid IS NOT NULL AS ledger_exists,
            obj_description(l.oid, 'pg_class') AS ledger_comment,
            ARRAY(SELECT attname::text FROM pg_catalog.pg_attribute WHERE attrelid = l.oid AND attnum > 0 AND NOT attisdropped) AS ledger_columns
       FROM (SELECT (SELECT c.oid FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                      WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')) AS oid) l`,
    [ledger.schema, ledger.name],
  );
  const row = rows[0]!;
  const { style, format } = row.ledger_exists ? ledgerStyleOf(row.ledger_comment, row.ledger_columns ?? []) : { style: 'pgv' as const, format: null };
  if (style === 'unknown') {
    throw new PgvError('refused', `the upgrades table ${displayQualified(ledger)} in database "${db.spec.dbname}" is neither a pgv ledger nor a pum upgrades table`, {
      hint: 'Point upgrades_table at another table (pgv creates it), or rename this one.',
      data: { database: db.spec.dbname, table: displayQualified(ledger) },
    });
  }
  const failures = style === 'pgv' && (row.ledger_columns ?? []).includes('failure');
  const ledgerRows = row.ledger_exists ? await readLedger(db, ledger, style, failures) : [];
  const adopted = adopt ? await pumMigrationsBaseline(db, adopt) : null;
  if (adopted) ledgerRows.unshift(adopted);
  const pumCodes = style === 'pum' ? { pumCodes: pumCodesOf(ledgerRows.flatMap((r) => (r.pumType === undefined ? [] : [r.pumType]))) } : {};
  return {
    exists: true,
    serverVersion: row.version,
    ledger: { exists: row.ledger_exists, style, format, rows: ledgerRows, failures, ...pumCodes },
    userTables: row.tables,
  };
}

/**
 * The version a pum 1.x pum_migrations table records (one row per applied changelog), as a
 * baseline row of pgv's ledger: pgv continues from it. Null when there is no such table.
 */
async function pumMigrationsBaseline(db: Db, table: QualifiedName): Promise<LedgerRow | null> {
  const { rows: found } = await db.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [quoteQualified(table)]);
  if (!found[0]?.t) return null;
  const { rows } = await db.query<{ version: string; installed: string }>(
    `SELECT version, to_char(date_installed, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS installed FROM ${quoteQualified(table)}`,
  );
  let best: { version: string; installed: string } | null = null;
  for (const r of rows) if (/^\d+(\.\d+)*$/.test(r.version) && (best === null || compareVersions(r.version, best.version) > 0)) best = r;
  if (!best) return null;
  return { id: 0, version: best.version, script: displayQualified(table), kind: 'baseline', checksum: null, installedBy: 'pum', installedAt: best.installed, durationMs: null, success: true, pgvVersion: null };
}
