/** The diff of two catalogs: a pure function of both sides, the kinds and two options. */
import { displayName } from './normalize.js';
import { kinds as allKinds, type Catalog, type CatalogObject, type Comparison, type Definition, type Difference, type Kind, type KindSummary, type Value } from './model.js';

/** How objects are matched and which properties count. */
export interface CompareOptions {
  /** Compare each column's position in its table (off: column order is not a difference). */
  readonly columnOrder: boolean;
  /**
   * Match constraints and indexes by table and definition instead of by name, so that names
   * PostgreSQL generated (and pg_dump/restore or a rebuild may number differently) do not count.
   */
  readonly ignoreGeneratedNames: boolean;
}

/** Compare the given kinds of two catalogs. A kind missing from a catalog counts as empty. */
export function compareCatalogs(db1: Catalog, db2: Catalog, kinds: readonly Kind[], options: CompareOptions): Comparison {
  const differences: Difference[] = [];
  const summary: KindSummary[] = [];
  for (const kind of allKinds.filter((k) => kinds.includes(k))) {
    const left = keyed(project(kind, db1.get(kind) ?? [], options));
    const right = keyed(project(kind, db2.get(kind) ?? [], options));
    const found: Difference[] = [];
    for (const [name, a] of left) {
      const b = right.get(name);
      if (!b) found.push({ kind, name, change: 'only-in-1', db1: a.definition });
      else if (!sameDefinition(a.definition, b.definition)) found.push({ kind, name, change: 'different', db1: a.definition, db2: b.definition });
    }
    for (const [name, b] of right) if (!left.has(name)) found.push({ kind, name, change: 'only-in-2', db2: b.definition });
    found.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
    differences.push(...found);
    summary.push({
      kind,
      db1: left.size,
      db2: right.size,
      onlyIn1: found.filter((d) => d.change === 'only-in-1').length,
      onlyIn2: found.filter((d) => d.change === 'only-in-2').length,
      different: found.filter((d) => d.change === 'different').length,
    });
  }
  return { identical: differences.length === 0, differences, summary };
}

/** The objects as compared: without the properties the options leave out, under their match key. */
function project(kind: Kind, objects: readonly CatalogObject[], options: CompareOptions): CatalogObject[] {
  let out = [...objects];
  if (kind === 'columns' && !options.columnOrder) out = out.map((o) => ({ ...o, definition: without(o.definition, 'position') }));
  if (options.ignoreGeneratedNames && (kind === 'constraints' || kind === 'indexes')) out = out.map((o) => unnamed(kind, o));
  return out;
}

/** A constraint or index named by its table and definition (the name taken out of an index's). */
function unnamed(kind: 'constraints' | 'indexes', o: CatalogObject): CatalogObject {
  const table = o.table ? displayName(o.table.schema, o.table.name) : '?';
  if (kind === 'constraints') return { ...o, name: `${table}: ${String(o.definition.definition)}` };
  const definition = String(o.definition.definition).replace(/^(CREATE (?:UNIQUE )?INDEX )(?:"(?:[^"]|"")*"|\S+) (ON )/, '$1$2');
  return { ...o, name: `${table}: ${definition}`, definition: { ...o.definition, definition } };
}

/** Objects by name; a name seen twice (possible only when matching by definition) gets #2, #3... */
function keyed(objects: readonly CatalogObject[]): Map<string, CatalogObject> {
  const map = new Map<string, CatalogObject>();
  for (const o of objects) {
    let name = o.name;
    for (let n = 2; map.has(name); n++) name = `${o.name} #${n}`;
    map.set(name, o);
  }
  return map;
}

function without(d: Definition, key: string): Definition {
  const { [key]: _dropped, ...rest } = d;
  return rest;
}

/** Same properties with the same values; an absent property equals an absent one only. */
export function sameDefinition(a: Definition, b: Definition): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) if (!sameValue(a[k], b[k])) return false;
  return true;
}

function sameValue(a: Value | undefined, b: Value | undefined): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => x === b[i]);
  return a === b;
}
