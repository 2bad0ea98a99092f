/**
 * The ledger: the part's upgrades table, one row per applied script. SQL builders are pure; the
 * functions taking a Db run them. The table carries its format version in its comment so later
 * pgv releases can upgrade it.
 */
import type { QualifiedName } from '../config/types.js';
import type { LedgerRow } from '../plan/types.js';
import type { Db } from './client.js';
import { quoteIdent, quoteLiteral, quoteQualified } from './ident.js';

export type { LedgerRow };

/** The ledger format this pgv writes. */
export const ledgerFormat = 1;
const formatComment = `pgv ledger format ${ledgerFormat}`;

/** A ledger row to write. */
export interface LedgerEntry {
  readonly version: string;
  readonly script: string;
  readonly kind: string;
  readonly checksum: string | null;
  readonly durationMs: number | null;
  readonly success: boolean;
  readonly pgvVersion: string;
}

/** CREATE SCHEMA/TABLE for the ledger, safe to run twice. */
export function createLedgerSql(table: QualifiedName): string {
  const t = quoteQualified(table);
  return [
    `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(table.schema)}`,
    `CREATE TABLE IF NOT EXISTS ${t} (
  id bigserial PRIMARY KEY,
  version text NOT NULL,
  script text NOT NULL,
  kind text NOT NULL,
  checksum text,
  installed_by text NOT NULL DEFAULT current_user,
  installed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  duration_ms integer,
  success boolean NOT NULL,
  pgv_version text
)`,
    `COMMENT ON TABLE ${t} IS ${quoteLiteral(formatComment)}`,
  ].join(';\n');
}

// The columns every INSERT writes, in this order; installed_by is always session_user.
const insertColumns = 'version, script, kind, checksum, duration_ms, success, pgv_version, installed_by';

/** INSERT of one ledger row; parameters in the order of `ledgerInsertParams`. */
export function insertLedgerSql(table: QualifiedName): string {
  return `INSERT INTO ${quoteQualified(table)} (${insertColumns}) VALUES ($1, $2, $3, $4, $5, $6, $7, session_user)`;
}

/** Mark a row written with success = false (a script run outside a transaction) as finished. */
export function finishLedgerRowSql(table: QualifiedName): string {
  return `UPDATE ${quoteQualified(table)} SET success = true, duration_ms = $2 WHERE id = $1`;
}

/** Parameters for `insertLedgerSql`. */
export function ledgerInsertParams(e: LedgerEntry): unknown[] {
  return [e.version, e.script, e.kind, e.checksum, e.durationMs, e.success, e.pgvVersion];
}

/**
 * The same INSERT with the values inlined, to travel in one query with its script (one round trip
 * per script). `duration_ms` is measured by the server from the start of that query.
 */
export function insertLedgerInlineSql(table: QualifiedName, e: Omit<LedgerEntry, 'durationMs'>): string {
  const text = (v: string | null) => (v === null ? 'NULL' : quoteLiteral(v));
  return (
    `INSERT INTO ${quoteQualified(table)} (${insertColumns}) VALUES (` +
    `${text(e.version)}, ${text(e.script)}, ${text(e.kind)}, ${text(e.checksum)}, ` +
    `(extract(epoch FROM clock_timestamp() - statement_timestamp()) * 1000)::integer, ${e.success ? 'true' : 'false'}, ${text(e.pgvVersion)}, session_user)`
  );
}

/** Does the ledger table exist? Returns its format (null for a table pgv did not create). */
export async function ledgerFormatOf(db: Db, table: QualifiedName): Promise<{ exists: boolean; format: number | null }> {
  const { rows } = await db.query<{ oid: string | null; comment: string | null }>(
    `SELECT c.oid::text AS oid, obj_description(c.oid, 'pg_class') AS comment
       FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')`,
    [table.schema, table.name],
  );
  const row = rows[0];
  return row ? { exists: true, format: ledgerFormatIn(row.comment) } : { exists: false, format: null };
}

/** The format a ledger table's comment names; null for a table pgv did not create. */
export function ledgerFormatIn(comment: string | null): number | null {
  const m = /^pgv ledger format (\d+)$/.exec(comment ?? '');
  return m ? Number(m[1]) : null;
}

/** Every row of the ledger, oldest first. */
export async function readLedger(db: Db, table: QualifiedName): Promise<LedgerRow[]> {
  // One JSON document of row arrays, parsed in one call: pg's per-row, per-column parsing of a
  // thousand rows is a noticeable part of a no-op run. installed_at is formatted by the server as
  // Date.toISOString() would (UTC, milliseconds).
  const { rows } = await db.query<{ rows: string }>(
    `SELECT coalesce(json_agg(json_build_array(id, version, script, kind, checksum, installed_by,
              to_char(installed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
              duration_ms, success, pgv_version) ORDER BY id), '[]')::text AS rows
       FROM ${quoteQualified(table)}`,
  );
  return (JSON.parse(rows[0]!.rows) as unknown[][]).map(([id, version, script, kind, checksum, installedBy, installedAt, durationMs, success, pgvVersion]) => ({
    id: Number(id),
    version: String(version),
    script: String(script),
    kind: String(kind),
    checksum: checksum === null ? null : String(checksum),
    installedBy: String(installedBy),
    installedAt: String(installedAt),
    durationMs: durationMs === null ? null : Number(durationMs),
    success: success === true,
    pgvVersion: pgvVersion === null ? null : String(pgvVersion),
  }));
}
