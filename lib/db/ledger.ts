/**
 * The ledger: the part's upgrades table, one row per applied script. SQL builders are pure; the
 * functions taking a Db run them. The table carries its format version in its comment so later
 * pgv releases can upgrade it.
 */
import type { QualifiedName } from '../config/types.js';
import type { LedgerFailure, LedgerRow } from '../plan/types.js';
import { serverErrorOf, type Db } from './client.js';
import { quoteIdent, quoteLiteral, quoteQualified } from './ident.js';
import { pumCodesOf, pumKindOf, pumTypeOf, type PumCodes } from './pum-types.js';

export type { LedgerFailure, LedgerRow };

/**
 * The ledger format this pgv writes. 1: the ten columns of createLedgerSql without `failure`.
 * 2: adds `failure` (jsonb, null but for a `-- pgv:no-transaction` script that failed: which
 * statement, how many completed before it, the server's error). Older pgv releases read a format 2
 * ledger as before (they name their columns); upgradeLedger brings a format 1 ledger to 2.
 */
export const ledgerFormat = 2;
const formatComment = `pgv ledger format ${ledgerFormat}`;

/** How a ledger table is laid out: pgv's own, or a pum 0.x upgrades table adopted as it is. */
export type LedgerStyle = 'pgv' | 'pum';

/** A ledger row to write. */
export interface LedgerEntry {
  readonly version: string;
  /** The script's file name (`baseline` for a baseline). */
  readonly script: string;
  /** init, update, pre, delta, post, baseline or accept. */
  readonly kind: string;
  /** sha256 of the script (pgv's ledger); null for a baseline. */
  readonly checksum: string | null;
  /** md5 of the script (a pum ledger's checksum); null for a baseline. */
  readonly md5: string | null;
  /** A delta's description (a pum ledger's `description`). */
  readonly description?: string;
  readonly success: boolean;
  readonly pgvVersion: string;
}

/** CREATE SCHEMA/TABLE for pgv's ledger, safe to run twice. */
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
  pgv_version text,
  failure jsonb
)`,
    `COMMENT ON TABLE ${t} IS ${quoteLiteral(formatComment)}`,
  ].join(';\n');
}

/** Bring an older pgv ledger to this format in place, in one transaction; safe to run twice. */
export function upgradeLedgerSql(table: QualifiedName): string {
  const t = quoteQualified(table);
  return `BEGIN; ALTER TABLE ${t} ADD COLUMN IF NOT EXISTS failure jsonb; COMMENT ON TABLE ${t} IS ${quoteLiteral(formatComment)}; COMMIT`;
}

/**
 * Before a run writes to the ledger (under the part's lock): upgrade a pgv ledger of an older
 * format. Returns whether the ledger can record where a no-transaction script failed: never for a
 * pum table (pgv adds nothing to another tool's table); a ledger the run creates can; a ledger
 * this role may not alter (it is not its owner) stays as it is, and cannot.
 */
export async function upgradeLedger(db: Db, table: QualifiedName, ledger: { readonly exists: boolean; readonly style: LedgerStyle; readonly format: number | null; readonly failures?: boolean }): Promise<boolean> {
  if (ledger.style !== 'pgv') return false;
  if (!ledger.exists) return true;
  if (ledger.failures && ledger.format !== null && ledger.format >= ledgerFormat) return true;
  try {
    await db.query(upgradeLedgerSql(table));
    return true;
  } catch (e) {
    await db.query('ROLLBACK').catch(() => undefined);
    if (serverErrorOf(e)?.sqlstate === '42501') return ledger.failures === true;
    throw e;
  }
}

/** pum's description of rows that record pgv's decisions. */
const pumAcceptDescription = 'pgv: changed file accepted';

/** The server's time since the start of the statement, in ms: a script's duration when sent with it. */
export const statementDurationSql = '(extract(epoch FROM clock_timestamp() - statement_timestamp()) * 1000)::integer';

/**
 * INSERT of one ledger row with its values inlined, so that it travels in one query with its
 * script (one round trip per script). `durationSql` is an SQL expression for the duration; `codes`
 * the generation of `type` codes a pum table holds (pum-types.ts).
 */
export function insertLedgerRowSql(table: QualifiedName, style: LedgerStyle, e: LedgerEntry, durationSql = 'NULL', codes: PumCodes = 'flags'): string {
  const text = (v: string | null) => (v === null ? 'NULL' : quoteLiteral(v));
  const bool = e.success ? 'true' : 'false';
  if (style === 'pum') {
    const baseline = e.kind === 'baseline';
    const description = baseline ? 'baseline' : e.kind === 'accept' ? pumAcceptDescription : (e.description ?? '');
    const type = pumTypeOf(e.kind === 'pre' || e.kind === 'post' || baseline ? e.kind : 'delta', e.script.endsWith('.py'), codes);
    return (
      `INSERT INTO ${quoteQualified(table)} (version, description, type, script, checksum, installed_by, execution_time, success) VALUES (` +
      `${text(e.version)}, ${text(description.slice(0, 200))}, ${type}, ${text(baseline ? '' : e.script)}, ${text(baseline ? '' : (e.md5 ?? ''))}, session_user, coalesce(${durationSql}, 0), ${bool})`
    );
  }
  return (
    `INSERT INTO ${quoteQualified(table)} (version, script, kind, checksum, duration_ms, success, pgv_version, installed_by) VALUES (` +
    `${text(e.version)}, ${text(e.script)}, ${text(e.kind)}, ${text(e.checksum)}, ${durationSql}, ${bool}, ${text(e.pgvVersion)}, session_user)`
  );
}

/** Mark a row written with success = false (a script run outside a transaction) as finished; $1 id, $2 ms. */
export function finishLedgerRowSql(table: QualifiedName, style: LedgerStyle): string {
  return `UPDATE ${quoteQualified(table)} SET success = true, ${style === 'pum' ? 'execution_time' : 'duration_ms'} = $2 WHERE id = $1`;
}

/** Remove the start row of a script that failed outside a transaction and left nothing to settle (a Python hook); $1 id. */
export function deleteLedgerRowSql(table: QualifiedName): string {
  return `DELETE FROM ${quoteQualified(table)} WHERE id = $1 AND NOT success`;
}

/**
 * Mark a row written with success = false as failed: it keeps success = false and gets the time
 * the script ran until it failed ($1 id, $2 ms, at least 1), where a run that was killed leaves
 * NULL (pgv's ledger) or 0 (a pum table, whose column is NOT NULL). See plan/ledger-state.ts.
 * With `failure` (a ledger that has the column), $3 is where it failed (LedgerFailure as JSON).
 */
export function failLedgerRowSql(table: QualifiedName, style: LedgerStyle, failure = false): string {
  const duration = `${style === 'pum' ? 'execution_time' : 'duration_ms'} = greatest($2::integer, 1)`;
  return `UPDATE ${quoteQualified(table)} SET ${duration}${failure && style === 'pgv' ? ', failure = $3::jsonb' : ''} WHERE id = $1`;
}

/** A `failure` value as read back, or undefined when it is not one pgv wrote (edited by hand). Pure. */
export function ledgerFailureOf(value: unknown): LedgerFailure | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const v = value as Record<string, unknown>;
  const int = (x: unknown) => typeof x === 'number' && Number.isInteger(x) && x >= 0;
  if (!int(v.statement) || !int(v.statements) || !int(v.line) || typeof v.text !== 'string') return undefined;
  return {
    statement: v.statement as number,
    statements: v.statements as number,
    completed: int(v.completed) ? (v.completed as number) : (v.statement as number) - 1,
    line: v.line as number,
    text: v.text,
    error: typeof v.error === 'string' ? v.error : '',
    sqlstate: typeof v.sqlstate === 'string' ? v.sqlstate : '',
    ...(v.interrupted === true ? { interrupted: true } : {}),
  };
}

/** The columns of a pum 0.x upgrades table. */
const pumColumns = ['id', 'version', 'description', 'type', 'script', 'checksum', 'installed_by', 'installed_on', 'execution_time', 'success'];
const pgvColumns = ['id', 'version', 'script', 'kind', 'checksum', 'installed_by', 'installed_at', 'duration_ms', 'success', 'pgv_version'];

/** A ledger table's style from its comment and columns. Pure. */
export function ledgerStyleOf(comment: string | null, columns: readonly string[]): { style: LedgerStyle | 'unknown'; format: number | null } {
  const has = (names: string[]) => names.every((c) => columns.includes(c));
  const format = ledgerFormatIn(comment);
  if (format !== null || has(pgvColumns)) return { style: 'pgv', format };
  if (has(pumColumns)) return { style: 'pum', format: null };
  return { style: 'unknown', format: null };
}

/** The format a ledger table's comment names; null for a table pgv did not create. */
export function ledgerFormatIn(comment: string | null): number | null {
  const m = /^pgv ledger format (\d+)$/.exec(comment ?? '');
  return m ? Number(m[1]) : null;
}

/** Every row of the ledger, oldest first, in pgv's terms whatever the style; `failures`: the table has the `failure` column. */
export async function readLedger(db: Db, table: QualifiedName, style: LedgerStyle, failures = false): Promise<LedgerRow[]> {
  if (style === 'pum') {
    const { rows } = await db.query<Record<string, unknown>>(
      `SELECT id, version, description, type, script, checksum, installed_by, installed_on, execution_time, success FROM ${quoteQualified(table)} ORDER BY id`,
    );
    const codes = pumCodesOf(rows.map((r) => Number(r.type)));
    return rows.map((r) => {
      const type = Number(r.type);
      const description = r.description === null ? '' : String(r.description);
      const decoded = pumKindOf(type, description, codes);
      const baseline = decoded.kind === 'baseline';
      const kind = description === pumAcceptDescription ? 'accept' : decoded.kind;
      const script = String(r.script ?? '');
      return {
        id: Number(r.id),
        version: String(r.version ?? ''),
        script: baseline ? 'baseline' : script.slice(Math.max(script.lastIndexOf('/'), script.lastIndexOf('\\')) + 1),
        kind,
        checksum: baseline || !r.checksum ? null : String(r.checksum),
        installedBy: String(r.installed_by),
        installedAt: r.installed_on instanceof Date ? r.installed_on.toISOString() : String(r.installed_on),
        durationMs: r.execution_time === null ? null : Number(r.execution_time),
        success: r.success === true,
        pgvVersion: null,
        pumType: type,
        description,
        python: decoded.python,
      };
    });
  }
  // One JSON document of row arrays, parsed in one call: pg's per-row, per-column parsing of a
  // thousand rows is a noticeable part of a no-op run. installed_at is formatted by the server as
  // Date.toISOString() would (UTC, milliseconds).
  const { rows } = await db.query<{ rows: string }>(
    `SELECT coalesce(json_agg(json_build_array(id, version, script, kind, checksum, installed_by,
              to_char(installed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
              duration_ms, success, pgv_version, ${failures ? 'failure' : 'NULL'}) ORDER BY id), '[]')::text AS rows
       FROM ${quoteQualified(table)}`,
  );
  return (JSON.parse(rows[0]!.rows) as unknown[][]).map(([id, version, script, kind, checksum, installedBy, installedAt, durationMs, success, pgvVersion, failure]) => ({
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
    ...((f) => (f ? { failure: f } : {}))(ledgerFailureOf(failure)),
  }));
}
