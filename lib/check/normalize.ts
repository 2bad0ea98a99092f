/**
 * Catalog rows → CatalogObjects, one function per kind. Pure: the rows are what the queries in
 * queries/*.sql return (column names as there); PostgreSQL's one-letter codes become words, and
 * properties that are absent (NULL, empty lists) are left out of the definition so that reports
 * show only what an object has.
 */
import type { QualifiedName } from '../config/types.js';
import type { CatalogObject, Definition, Kind, Value } from './model.js';

/** A row as the pg driver returns it. */
export type Row = Readonly<Record<string, unknown>>;

/** A name for people: each part bare when it is a plain lowercase identifier, else double-quoted. */
export function displayName(...parts: readonly string[]): string {
  return parts.map((p) => (/^[a-z_][a-z0-9_$]*$/.test(p) ? p : `"${p.replace(/"/g, '""')}"`)).join('.');
}

function text(row: Row, key: string): string | null {
  const v = row[key];
  return v === null || v === undefined ? null : String(v);
}

function need(row: Row, key: string): string {
  const v = text(row, key);
  if (v === null) throw new Error(`catalog row without ${key}: ${JSON.stringify(row)}`);
  return v;
}

function list(row: Row, key: string): readonly string[] | null {
  const v = row[key];
  if (v === null || v === undefined) return null;
  if (!Array.isArray(v)) throw new Error(`catalog row: ${key} is not an array: ${JSON.stringify(v)}`);
  return v.map(String);
}

function flag(row: Row, key: string): boolean | null {
  const v = row[key];
  return v === null || v === undefined ? null : v === true || v === 't';
}

/** A definition without absent properties (null, undefined, empty lists); order kept. */
export function definitionOf(props: Record<string, Value | undefined>): Definition {
  const out: Record<string, Value> = {};
  for (const [k, v] of Object.entries(props)) {
    if (v === null || v === undefined || (Array.isArray(v) && v.length === 0)) continue;
    out[k] = v;
  }
  return Object.freeze(out);
}

/** The definition text as PostgreSQL prints it, without trailing blanks (pg_get_functiondef ends in a newline). */
function body(row: Row, key: string): string | null {
  const v = text(row, key);
  return v === null ? null : v.replace(/\s+$/, '');
}

function tableOf(row: Row, schemaKey = 'schema', tableKey = 'table'): QualifiedName {
  return { schema: need(row, schemaKey), name: need(row, tableKey) };
}

const relationTypes: Record<string, string> = { r: 'table', p: 'partitioned table', f: 'foreign table' };
const constraintTypes: Record<string, string> = { c: 'check', f: 'foreign key', p: 'primary key', u: 'unique', x: 'exclusion' };
const functionKinds: Record<string, string> = { f: 'function', p: 'procedure', a: 'aggregate', w: 'window' };
const identities: Record<string, string> = { a: 'always', d: 'by default' };
// pg_trigger.tgenabled and pg_rewrite.ev_enabled: O fires in origin and local mode (the default).
const firing: Record<string, string> = { O: 'enabled', D: 'disabled', R: 'replica', A: 'always' };
const policyCommands: Record<string, string> = { '*': 'ALL', r: 'SELECT', a: 'INSERT', w: 'UPDATE', d: 'DELETE' };
const typeTypes: Record<string, string> = { e: 'enum', d: 'domain', c: 'composite', r: 'range', b: 'base' };

function word(map: Record<string, string>, code: string | null): string | null {
  return code === null || code === '' ? null : (map[code] ?? code);
}

type Normalizer = (row: Row) => CatalogObject;

const normalizers: Record<Kind, Normalizer> = {
  schemas: (r) => {
    const schema = need(r, 'schema');
    return { kind: 'schemas', name: displayName(schema), schema, definition: definitionOf({}) };
  },
  tables: (r) => {
    const schema = need(r, 'schema');
    const name = need(r, 'name');
    const isPartition = flag(r, 'is_partition') === true;
    const parents = list(r, 'parents') ?? [];
    return {
      kind: 'tables',
      name: displayName(schema, name),
      schema,
      table: { schema, name },
      definition: definitionOf({
        type: word(relationTypes, text(r, 'relkind')),
        persistence: text(r, 'persistence') === 'u' ? 'unlogged' : null,
        partition_key: text(r, 'partition_key'),
        partition_of: isPartition ? (parents[0] ?? null) : null,
        partition_bound: text(r, 'partition_bound'),
        inherits: isPartition ? [] : parents,
        options: list(r, 'options'),
        access_method: text(r, 'access_method'),
        server: text(r, 'server'),
        server_options: list(r, 'server_options'),
      }),
    };
  },
  columns: (r) => {
    const table = tableOf(r);
    const column = need(r, 'name');
    return {
      kind: 'columns',
      name: displayName(table.schema, table.name, column),
      schema: table.schema,
      table,
      column,
      definition: definitionOf({
        type: text(r, 'type'),
        not_null: flag(r, 'not_null') ?? false,
        default: text(r, 'default'),
        generated: text(r, 'generated'),
        identity: word(identities, text(r, 'identity')),
        collation: text(r, 'collation'),
        position: Number(r.position),
      }),
    };
  },
  constraints: (r) => {
    const table = tableOf(r);
    return {
      kind: 'constraints',
      name: displayName(table.schema, table.name, need(r, 'name')),
      schema: table.schema,
      table,
      definition: definitionOf({ type: word(constraintTypes, text(r, 'type')), definition: text(r, 'definition') }),
    };
  },
  views: (r) => viewLike('views', r),
  materialized_views: (r) => viewLike('materialized_views', r),
  sequences: (r) => {
    const schema = need(r, 'schema');
    const owner = text(r, 'owner_table') === null ? undefined : tableOf(r, 'owner_schema', 'owner_table');
    const ownerColumn = text(r, 'owner_column');
    return {
      kind: 'sequences',
      name: displayName(schema, need(r, 'name')),
      schema,
      ...(owner ? { table: owner } : {}),
      definition: definitionOf({
        type: text(r, 'type'),
        start: text(r, 'start'),
        increment: text(r, 'increment'),
        min: text(r, 'min'),
        max: text(r, 'max'),
        cache: text(r, 'cache'),
        cycle: flag(r, 'cycle') ?? false,
        persistence: text(r, 'persistence') === 'u' ? 'unlogged' : null,
        owned_by: owner && ownerColumn !== null ? displayName(owner.schema, owner.name, ownerColumn) : null,
        identity: text(r, 'owner_deptype') === 'i' ? true : null,
      }),
    };
  },
  indexes: (r) => {
    const schema = need(r, 'schema');
    const table = tableOf(r, 'table_schema', 'table');
    return {
      kind: 'indexes',
      name: displayName(schema, need(r, 'name')),
      schema,
      table,
      definition: definitionOf({
        table: displayName(table.schema, table.name),
        definition: text(r, 'definition'),
        valid: flag(r, 'valid') === false ? false : null,
      }),
    };
  },
  triggers: (r) => {
    const table = tableOf(r);
    return {
      kind: 'triggers',
      name: displayName(table.schema, table.name, need(r, 'name')),
      schema: table.schema,
      table,
      definition: definitionOf({ definition: text(r, 'definition'), enabled: word(firing, text(r, 'enabled')) }),
    };
  },
  functions: (r) => ({
    kind: 'functions',
    name: need(r, 'signature'),
    schema: need(r, 'schema'),
    definition: definitionOf({ kind: word(functionKinds, text(r, 'kind')), definition: body(r, 'definition') }),
  }),
  rules: (r) => {
    const table = tableOf(r);
    return {
      kind: 'rules',
      name: displayName(table.schema, table.name, need(r, 'name')),
      schema: table.schema,
      table,
      definition: definitionOf({ definition: text(r, 'definition'), enabled: word(firing, text(r, 'enabled')) }),
    };
  },
  types: (r) => {
    const schema = need(r, 'schema');
    const type = text(r, 'type');
    return {
      kind: 'types',
      name: displayName(schema, need(r, 'name')),
      schema,
      definition: definitionOf({
        type: word(typeTypes, type),
        labels: list(r, 'labels'),
        base_type: text(r, 'base_type'),
        not_null: type === 'd' ? (flag(r, 'not_null') ?? false) : null,
        default: text(r, 'default'),
        collation: text(r, 'collation') ?? text(r, 'range_collation'),
        constraints: list(r, 'constraints'),
        attributes: list(r, 'attributes'),
        subtype: text(r, 'subtype'),
        subtype_opclass: text(r, 'subtype_opclass'),
        canonical: text(r, 'canonical'),
        subtype_diff: text(r, 'subtype_diff'),
        definition: text(r, 'base_definition'),
      }),
    };
  },
  extensions: (r) => ({
    kind: 'extensions',
    name: displayName(need(r, 'name')),
    schema: need(r, 'schema'),
    definition: definitionOf({ version: text(r, 'version'), schema: text(r, 'schema') }),
  }),
  policies: (r) => {
    const table = tableOf(r);
    const policy = text(r, 'name');
    const base = { kind: 'policies' as const, schema: table.schema, table };
    if (policy === null) {
      // The table's row-level security switches: one object per table that has either on.
      return {
        ...base,
        name: `${displayName(table.schema, table.name)} (row level security)`,
        definition: definitionOf({ enabled: flag(r, 'enabled') ?? false, forced: flag(r, 'forced') ?? false }),
      };
    }
    return {
      ...base,
      name: displayName(table.schema, table.name, policy),
      definition: definitionOf({
        command: word(policyCommands, text(r, 'command')),
        type: flag(r, 'permissive') === false ? 'restrictive' : 'permissive',
        roles: list(r, 'roles'),
        using: text(r, 'using'),
        with_check: text(r, 'with_check'),
      }),
    };
  },
  privileges: (r) => ({
    kind: 'privileges',
    name: `${need(r, 'type')} ${need(r, 'identity')}`,
    schema: text(r, 'schema'),
    ...attachment(r),
    definition: definitionOf({ owner: text(r, 'owner'), grants: list(r, 'grants') }),
  }),
  comments: (r) => ({
    kind: 'comments',
    name: `${need(r, 'type')} ${need(r, 'identity')}`,
    schema: text(r, 'schema'),
    ...attachment(r),
    definition: definitionOf({ comment: text(r, 'description') }),
  }),
};

function viewLike(kind: 'views' | 'materialized_views', r: Row): CatalogObject {
  const schema = need(r, 'schema');
  const name = need(r, 'name');
  return {
    kind,
    name: displayName(schema, name),
    schema,
    table: { schema, name },
    definition: definitionOf({ definition: body(r, 'definition'), options: list(r, 'options') }),
  };
}

/** The table (and column) a privilege or comment is attached to, when it has one. */
function attachment(r: Row): { table?: QualifiedName; column?: string } {
  if (text(r, 'rel_name') === null) return {};
  const column = text(r, 'column');
  return { table: tableOf(r, 'rel_schema', 'rel_name'), ...(column !== null ? { column } : {}) };
}

/** Turn one kind's rows into objects, sorted by name (code-point order, the same on every machine). */
export function normalizeRows(kind: Kind, rows: readonly Row[]): CatalogObject[] {
  const objects = rows.map(normalizers[kind]);
  return objects.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
