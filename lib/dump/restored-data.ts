/**
 * After a `--clean` restore that went on past errors: which tables' data the archive holds, whose
 * data entry failed, and how many rows each has in the target now. pg_restore's table of contents
 * has no row counts, so the rows are counted in the target: `count(*)` of each table (ONLY: an
 * inheritance child's rows are its own entry), or, for a table over `exactLimitBytes`, the
 * planner's estimate (`reltuples`) after ANALYZE, since counting a large table reads all of it.
 * Parsing is pure; `countRestoredData` reads the target.
 */
import { connect } from '../db/client.js';
import type { ConnectionSpec } from '../db/connection.js';
import { displayQualified, quoteQualified } from '../db/ident.js';

/** A table larger than this (pg_relation_size) is estimated, not counted: 64 MiB. */
export const exactLimitBytes = 64 * 1024 * 1024;

/** A TABLE DATA entry of the table of contents: its dump id and what follows the kind (`schema name owner`). */
export interface TableDataEntry {
  readonly id: number;
  readonly text: string;
}

/** The TABLE DATA entries of a `pg_restore -l` listing (commented-out lines excepted). Pure. */
export function tableDataEntries(listing: string): TableDataEntry[] {
  const out: TableDataEntry[] = [];
  for (const line of listing.split('\n')) {
    const m = /^(\d+); \d+ \d+ TABLE DATA (.*)$/.exec(line);
    if (m) out.push({ id: Number(m[1]), text: m[2]!.trimEnd() });
  }
  return out;
}

/**
 * The dump ids of the entries pg_restore reported errors for. It names an entry ("from TOC entry
 * 3440; 0 16592 TABLE DATA event postgres", without the schema) before the first error of that
 * entry only, so each error belongs to the entry named last. Pure.
 */
export function failedEntryIds(stderr: string): Set<number> {
  const failed = new Set<number>();
  let current: number | undefined;
  for (const raw of stderr.split('\n')) {
    const line = raw.replace(/^(\s*pg_restore:\s*)+/, '');
    const entry = /^from TOC entry (\d+);/.exec(line);
    if (entry) current = Number(entry[1]);
    else if (/^error: /.test(line) && current !== undefined) failed.add(current);
  }
  return failed;
}

/** A table of the target, as the catalog has it. */
export interface TargetTable {
  readonly schema: string;
  readonly name: string;
  readonly bytes: number;
}

/**
 * The target's table an entry names. The listing prints `schema name owner` unquoted (names may
 * hold spaces), so an entry is matched against the target's tables; undefined when none matches.
 */
export function resolveEntry(entry: TableDataEntry, tables: readonly TargetTable[]): TargetTable | undefined {
  let best: TargetTable | undefined;
  for (const t of tables) {
    const head = `${t.schema} ${t.name}`;
    if ((entry.text === head || entry.text.startsWith(`${head} `)) && (!best || head.length > `${best.schema} ${best.name}`.length)) best = t;
  }
  return best;
}

/** One table whose data the archive holds, after the restore. */
export interface RestoredTable {
  /** schema.name (quoted where SQL would need it); for a table missing from the target, the entry's words. */
  readonly table: string;
  /** Rows in the target now; null when the table is not there. */
  readonly rows: number | null;
  /** rows is the planner's estimate after ANALYZE (a table over exactLimitBytes), not a count. */
  readonly estimated: boolean;
  /** Its TABLE DATA entry failed. */
  readonly failed: boolean;
}

/** Count what the target holds of the archive's tables. Never throws: undefined when the target cannot be read. */
export async function countRestoredData(spec: ConnectionSpec, listing: string, stderr: string): Promise<RestoredTable[] | undefined> {
  const entries = tableDataEntries(listing);
  if (entries.length === 0) return [];
  const failed = failedEntryIds(stderr);
  try {
    const db = await connect(spec);
    try {
      const { rows } = await db.query<{ schema: string; name: string; bytes: string }>(
        `SELECT n.nspname AS schema, c.relname AS name, pg_relation_size(c.oid) AS bytes
           FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
          WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema')`,
      );
      const tables = rows.map((r) => ({ schema: r.schema, name: r.name, bytes: Number(r.bytes) }));
      const out: RestoredTable[] = [];
      for (const entry of entries) {
        const t = resolveEntry(entry, tables);
        if (!t) {
          out.push({ table: unresolvedName(entry.text), rows: null, estimated: false, failed: failed.has(entry.id) });
          continue;
        }
        const q = quoteQualified(t);
        const estimated = t.bytes > exactLimitBytes;
        let count: number;
        if (estimated) {
          await db.query(`ANALYZE ${q}`);
          const { rows: est } = await db.query<{ n: string }>('SELECT greatest(reltuples, 0)::bigint AS n FROM pg_catalog.pg_class WHERE oid = $1::regclass', [q]);
          count = Number(est[0]?.n ?? 0);
        } else {
          count = Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM ONLY ${q}`)).rows[0]!.n);
        }
        out.push({ table: displayQualified(t), rows: count, estimated, failed: failed.has(entry.id) });
      }
      return out;
    } finally {
      await db.end();
    }
  } catch {
    return undefined;
  }
}

/** `schema name owner` of a table the target lacks, as `schema.name` when the words allow only one reading. */
function unresolvedName(text: string): string {
  const words = text.split(' ');
  return words.length === 3 ? `${words[0]}.${words[1]}` : words.slice(0, -1).join(' ');
}

/**
 * The sentence for the hint: a total, and the tables whose data failed (or that the target lacks),
 * by name. Pure. `Table data: 3,350 rows in 3 of the archive's 5 tables (count(*) of each in the
 * target); the data of 2 failed: audit.event (0 rows there now), audit.special_event (no such table in the target).`
 */
export function describeRestoredData(tables: readonly RestoredTable[]): string {
  if (tables.length === 0) return 'The archive holds no table data.';
  const bad = tables.filter((t) => t.failed || t.rows === null);
  const ok = tables.filter((t) => !bad.includes(t));
  const rows = ok.reduce((n, t) => n + (t.rows ?? 0), 0);
  const estimated = ok.filter((t) => t.estimated).length;
  const how = estimated === 0 ? 'count(*) of each' : `count(*) of each; ≈: ${estimated} table${estimated === 1 ? '' : 's'} over ${exactLimitBytes / 1024 / 1024} MB, estimated after ANALYZE`;
  const count = (n: number, approx: boolean) => `${approx ? '≈ ' : ''}${n.toLocaleString('en-US')} row${n === 1 ? '' : 's'}`;
  const where = bad.length === 0 ? `the archive's ${tables.length === 1 ? 'table' : `${tables.length} tables`}` : `${ok.length} of the archive's ${tables.length} tables`;
  const total = `${count(rows, estimated > 0)} in ${where} (${how} in the target)`;
  if (bad.length === 0) return `Table data: ${total}.`;
  const shown = bad.slice(0, 8).map((t) => `${t.table} (${t.rows === null ? 'no such table in the target' : `${count(t.rows, t.estimated)} there now`})`);
  const more = bad.length > 8 ? `, and ${bad.length - 8} more (see --json)` : '';
  return `Table data: ${total}; the data of ${bad.length} failed: ${shown.join(', ')}${more}.`;
}
