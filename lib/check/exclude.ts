/**
 * What `pgv check` never compares or is told to skip: pgv's own metadata (the ledger tables and
 * the `pgv` schema), `--exclude-schema` schemas and `--exclude-column` patterns. Pure. (System
 * schemas and objects that belong to extensions are left out by the catalog queries themselves.)
 */
import type { QualifiedName } from '../config/types.js';
import type { Catalog, CatalogObject, Kind } from './model.js';

/** pgv's metadata schema (the default ledger lives there): never compared. */
const metadataSchema = 'pgv';

/** What to leave out of a catalog before comparing. */
export interface Exclusions {
  /** Schemas skipped with everything in them. */
  readonly schemas: readonly string[];
  /**
   * LIKE patterns: one with a dot matches `table.column` or `schema.table.column`; one without
   * matches the column name (as pum's `-P usr_%` does).
   */
  readonly columns: readonly string[];
  /** pgv ledger tables: skipped with their columns, constraints, indexes, sequences, etc. */
  readonly ledgers: readonly QualifiedName[];
}

/**
 * A matcher for a SQL LIKE pattern: `%` any run of characters, `_` one character, `\` escapes the
 * next one. Case-sensitive and anchored, as LIKE is.
 */
export function likeMatcher(pattern: string): (text: string) => boolean {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && i + 1 < pattern.length) source += escapeRegExp(pattern[++i]!);
    else if (c === '%') source += '[\\s\\S]*';
    else if (c === '_') source += '[\\s\\S]';
    else source += escapeRegExp(c);
  }
  const re = new RegExp(`^${source}$`, 'u');
  return (text) => re.test(text);
}

/** An `--exclude-column` pattern as a test on (schema, table, column); see Exclusions.columns. */
function columnMatcher(pattern: string): (schema: string, table: string, column: string) => boolean {
  const m = likeMatcher(pattern);
  if (!pattern.includes('.')) return (_s, _t, column) => m(column);
  return (schema, table, column) => m(`${table}.${column}`) || m(`${schema}.${table}.${column}`);
}

function escapeRegExp(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

/** The catalog without the excluded objects. */
export function applyExclusions(catalog: Catalog, exclusions: Exclusions): Catalog {
  const schemas = new Set([metadataSchema, ...exclusions.schemas]);
  const patterns = exclusions.columns.map(columnMatcher);
  const isLedger = (t: QualifiedName | undefined) => t !== undefined && exclusions.ledgers.some((l) => l.schema === t.schema && l.name === t.name);
  const columnExcluded = (o: CatalogObject) =>
    o.column !== undefined && o.table !== undefined && patterns.some((m) => m(o.table!.schema, o.table!.name, o.column!));
  const keep = (o: CatalogObject) => !(o.schema !== null && schemas.has(o.schema)) && !isLedger(o.table) && !columnExcluded(o);

  const out = new Map<Kind, readonly CatalogObject[]>();
  for (const [kind, objects] of catalog) out.set(kind, objects.filter(keep));
  // A ledger's schema made only to hold the ledger (CREATE SCHEMA IF NOT EXISTS in the ledger's
  // set-up) is pgv's too; a schema that holds anything else is the user's and is compared.
  const ledgerSchemas = new Set(exclusions.ledgers.map((l) => l.schema));
  const schemaList = out.get('schemas');
  if (schemaList && ledgerSchemas.size) {
    const used = new Set<string>();
    for (const [kind, objects] of out) {
      if (kind === 'schemas' || kind === 'privileges' || kind === 'comments') continue;
      for (const o of objects) if (o.schema !== null) used.add(o.schema);
    }
    const dropped = new Set([...ledgerSchemas].filter((s) => !used.has(s) && ledgerOnlySchema(catalog, s, exclusions.ledgers)));
    if (dropped.size) {
      out.set('schemas', schemaList.filter((o) => !dropped.has(o.schema!)));
      for (const kind of ['privileges', 'comments'] as const) {
        const list = out.get(kind);
        if (list) out.set(kind, list.filter((o) => !(o.schema !== null && dropped.has(o.schema) && o.name.startsWith('schema '))));
      }
    }
  }
  return out;
}

/** Did the schema hold a ledger before exclusion (so it is not merely empty)? */
function ledgerOnlySchema(catalog: Catalog, schema: string, ledgers: readonly QualifiedName[]): boolean {
  const tables = catalog.get('tables');
  // Without the tables kind there is no telling; a ledger schema is then judged by its name alone.
  if (!tables) return true;
  return tables.some((t) => t.schema === schema && ledgers.some((l) => l.schema === schema && l.name === t.table?.name));
}
