/** compare.ts, exclude.ts and options.ts: pure diffing, exclusions and option parsing. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compareCatalogs, sameDefinition } from '../../lib/check/compare.js';
import { applyExclusions, likeMatcher } from '../../lib/check/exclude.js';
import { kinds, type Catalog, type CatalogObject, type Kind } from '../../lib/check/model.js';
import { parseKinds, selectKinds, splitList } from '../../lib/check/options.js';
import { isPgvError } from '../../lib/errors.js';

const plain = { columnOrder: false, ignoreGeneratedNames: false };
const catalog = (objects: CatalogObject[]): Catalog => {
  const map = new Map<Kind, CatalogObject[]>();
  for (const o of objects) map.set(o.kind, [...(map.get(o.kind) ?? []), o]);
  return map;
};
const col = (table: string, column: string, type: string, position: number, schema = 'public'): CatalogObject => ({
  kind: 'columns', name: `${schema}.${table}.${column}`, schema, table: { schema, name: table }, column, definition: { type, not_null: false, position },
});

test('identical catalogs: no differences, a summary per compared kind', () => {
  const c = catalog([col('t', 'a', 'int', 1)]);
  const result = compareCatalogs(c, c, ['tables', 'columns'], plain);
  assert.equal(result, {
    identical: true,
    differences: [],
    summary: [
      { kind: 'tables', db1: 0, db2: 0, onlyIn1: 0, onlyIn2: 0, different: 0 },
      { kind: 'columns', db1: 1, db2: 1, onlyIn1: 0, onlyIn2: 0, different: 0 },
    ],
  });
});

test('only in db1, only in db2 and different, sorted by kind order then name, with definitions', () => {
  const a = catalog([col('t', 'b', 'int', 2), col('t', 'a', 'varchar(100)', 1), { kind: 'schemas', name: 'old', schema: 'old', definition: {} }]);
  const b = catalog([col('t', 'a', 'varchar(200)', 1), col('t', 'c', 'int', 2)]);
  const result = compareCatalogs(a, b, kinds, plain);
  assert.is(result.identical, false);
  assert.equal(result.differences, [
    { kind: 'schemas', name: 'old', change: 'only-in-1', db1: {} },
    { kind: 'columns', name: 'public.t.a', change: 'different', db1: { type: 'varchar(100)', not_null: false }, db2: { type: 'varchar(200)', not_null: false } },
    { kind: 'columns', name: 'public.t.b', change: 'only-in-1', db1: { type: 'int', not_null: false } },
    { kind: 'columns', name: 'public.t.c', change: 'only-in-2', db2: { type: 'int', not_null: false } },
  ]);
  assert.equal(result.summary.find((s) => s.kind === 'columns'), { kind: 'columns', db1: 2, db2: 2, onlyIn1: 1, onlyIn2: 1, different: 1 });
});

test('kinds not asked for are not compared', () => {
  const a = catalog([col('t', 'a', 'int', 1)]);
  const result = compareCatalogs(a, catalog([]), ['tables'], plain);
  assert.is(result.identical, true);
  assert.equal(result.summary.map((s) => s.kind), ['tables']);
});

test('column order counts only with columnOrder', () => {
  const a = catalog([col('t', 'a', 'int', 1), col('t', 'b', 'int', 2)]);
  const b = catalog([col('t', 'a', 'int', 2), col('t', 'b', 'int', 1)]);
  assert.is(compareCatalogs(a, b, ['columns'], plain).identical, true);
  const ordered = compareCatalogs(a, b, ['columns'], { ...plain, columnOrder: true });
  assert.equal(ordered.differences.map((d) => [d.name, d.db1?.position, d.db2?.position]), [['public.t.a', 1, 2], ['public.t.b', 2, 1]]);
});

test('ignoreGeneratedNames matches constraints and indexes by table and definition', () => {
  const con = (name: string, def: string): CatalogObject => ({ kind: 'constraints', name: `public.t.${name}`, schema: 'public', table: { schema: 'public', name: 't' }, definition: { type: 'check', definition: def } });
  const idx = (name: string, def: string): CatalogObject => ({ kind: 'indexes', name: `public.${name}`, schema: 'public', table: { schema: 'public', name: 't' }, definition: { table: 'public.t', definition: def } });
  const a = catalog([con('t_a_check', 'CHECK (a > 0)'), idx('t_a_idx', 'CREATE INDEX t_a_idx ON public.t USING btree (a)'), idx('"Odd Name"', 'CREATE UNIQUE INDEX "Odd ""Name" ON public.t USING btree (b)')]);
  const b = catalog([con('t_a_check1', 'CHECK (a > 0)'), idx('t_a_idx1', 'CREATE INDEX t_a_idx1 ON public.t USING btree (a)'), idx('t_b_idx', 'CREATE UNIQUE INDEX t_b_idx ON public.t USING btree (b)')]);
  assert.is(compareCatalogs(a, b, ['constraints', 'indexes'], plain).differences.length, 6);
  const loose = compareCatalogs(a, b, ['constraints', 'indexes'], { ...plain, ignoreGeneratedNames: true });
  assert.is(loose.identical, true, JSON.stringify(loose.differences));
  // A real change still shows, named by its definition.
  const c = catalog([con('t_a_check', 'CHECK (a >= 0)')]);
  assert.equal(compareCatalogs(a, c, ['constraints'], { ...plain, ignoreGeneratedNames: true }).differences.map((d) => `${d.change} ${d.name}`), [
    'only-in-1 public.t: CHECK (a > 0)',
    'only-in-2 public.t: CHECK (a >= 0)',
  ]);
});

test('ignoreGeneratedNames keeps two identical definitions apart (#2)', () => {
  const idx = (name: string): CatalogObject => ({ kind: 'indexes', name: `public.${name}`, schema: 'public', table: { schema: 'public', name: 't' }, definition: { table: 'public.t', definition: `CREATE INDEX ${name} ON public.t USING btree (a)` } });
  const a = catalog([idx('i1'), idx('i2')]);
  const b = catalog([idx('j1')]);
  const result = compareCatalogs(a, b, ['indexes'], { ...plain, ignoreGeneratedNames: true });
  assert.equal(result.differences.map((d) => `${d.change} ${d.name}`), ['only-in-1 public.t: CREATE INDEX ON public.t USING btree (a) #2']);
});

test('sameDefinition: lists by content and order, absent only equals absent', () => {
  assert.ok(sameDefinition({ l: ['a', 'b'] }, { l: ['a', 'b'] }));
  assert.not.ok(sameDefinition({ l: ['a', 'b'] }, { l: ['b', 'a'] }));
  assert.not.ok(sameDefinition({ x: false }, {}));
  assert.not.ok(sameDefinition({ x: '1' }, { x: 1 }));
});

test('likeMatcher: % and _, escapes, anchored, regex characters taken literally', () => {
  assert.ok(likeMatcher('%.updated_at')('public.orders.updated_at'));
  assert.ok(likeMatcher('%.updated_at')('orders.updated_at'));
  assert.ok(likeMatcher('orders.updated_at')('orders.updatedXat'), '_ is any one character');
  assert.not.ok(likeMatcher('orders.updated\\_at')('orders.updatedXat'), '\\_ is a literal underscore');
  assert.ok(likeMatcher('orders.updated\\_at')('orders.updated_at'));
  assert.not.ok(likeMatcher('orders.a')('xorders.a'), 'anchored at the start');
  assert.not.ok(likeMatcher('orders.a')('orders.ab'), 'anchored at the end');
  assert.not.ok(likeMatcher('a.b')('aXb'), 'a dot is a dot');
  assert.ok(likeMatcher('t.(x)+')('t.(x)+'));
  assert.not.ok(likeMatcher('T.A')('t.a'), 'case-sensitive, as LIKE');
});

test('applyExclusions: schemas, the pgv schema, ledger tables with their objects, column patterns', () => {
  const ledger = { schema: 'meta', name: 'ledger' };
  const objects: CatalogObject[] = [
    { kind: 'schemas', name: 'meta', schema: 'meta', definition: {} },
    { kind: 'schemas', name: 'pgv', schema: 'pgv', definition: {} },
    { kind: 'schemas', name: 'scratch', schema: 'scratch', definition: {} },
    { kind: 'schemas', name: 'public', schema: 'public', definition: {} },
    { kind: 'tables', name: 'meta.ledger', schema: 'meta', table: ledger, definition: {} },
    { kind: 'tables', name: 'pgv.snapshots', schema: 'pgv', table: { schema: 'pgv', name: 'snapshots' }, definition: {} },
    { kind: 'tables', name: 'scratch.t', schema: 'scratch', table: { schema: 'scratch', name: 't' }, definition: {} },
    { kind: 'sequences', name: 'meta.ledger_id_seq', schema: 'meta', table: ledger, definition: {} },
    { kind: 'indexes', name: 'meta.ledger_pkey', schema: 'meta', table: ledger, definition: {} },
    col('ledger', 'id', 'bigint', 1, 'meta'),
    col('orders', 'updated_at', 'timestamptz', 1),
    col('orders', 'qty', 'int', 2),
    { kind: 'privileges', name: 'schema meta', schema: 'meta', definition: {} },
    { kind: 'comments', name: 'table meta.ledger', schema: 'meta', table: ledger, definition: {} },
  ];
  const out = applyExclusions(catalog(objects), { schemas: ['scratch'], columns: ['%.updated_at'], ledgers: [ledger] });
  const names = [...out.values()].flat().map((o) => `${o.kind} ${o.name}`);
  assert.equal(names, ['schemas public', 'columns public.orders.qty']);
});

test('applyExclusions: a ledger schema that holds other objects is compared', () => {
  const ledger = { schema: 'public', name: 'upgrades' };
  const out = applyExclusions(
    catalog([
      { kind: 'schemas', name: 'public', schema: 'public', definition: {} },
      { kind: 'tables', name: 'public.upgrades', schema: 'public', table: ledger, definition: {} },
      { kind: 'tables', name: 'public.orders', schema: 'public', table: { schema: 'public', name: 'orders' }, definition: {} },
    ]),
    { schemas: [], columns: [], ledgers: [ledger] },
  );
  assert.equal([...out.values()].flat().map((o) => o.name), ['public', 'public.orders']);
});

test('applyExclusions: column patterns match table.column and schema.table.column', () => {
  const c = catalog([col('orders', 'a', 'int', 1), col('orders', 'b', 'int', 2, 'sales'), col('items', 'a', 'int', 1)]);
  const names = (patterns: string[]) => [...applyExclusions(c, { schemas: [], columns: patterns, ledgers: [] }).values()].flat().map((o) => o.name);
  assert.equal(names(['orders.a']), ['sales.orders.b', 'public.items.a']);
  assert.equal(names(['sales.orders.%']), ['public.orders.a', 'public.items.a']);
  assert.equal(names(['%.a']), ['sales.orders.b']);
});

test('splitList: repeated and comma-separated values, blanks dropped', () => {
  assert.equal(splitList(['tables, columns', 'views', ',']), ['tables', 'columns', 'views']);
});

test('parseKinds: an unknown kind is a usage error with a suggestion', () => {
  assert.equal(parseKinds(['tables', 'materialized_views'], '--ignore'), ['tables', 'materialized_views']);
  try {
    parseKinds(['tabels'], '--ignore');
    assert.unreachable('should throw');
  } catch (e) {
    assert.ok(isPgvError(e));
    assert.is(e.code, 'usage');
    assert.is(e.exitCode, 2);
    assert.is(e.message, 'unknown kind "tabels" in --ignore');
    assert.match(e.hint ?? '', 'Did you mean "tables"?');
  }
});

test('selectKinds: opt-in kinds only when included; ignore wins', () => {
  const all = selectKinds([], []);
  assert.not.ok(all.includes('privileges'));
  assert.not.ok(all.includes('comments'));
  assert.is(all.length, kinds.length - 2);
  assert.equal(selectKinds(['tables', 'columns'], ['comments']).filter((k) => ['tables', 'columns', 'comments'].includes(k)), ['comments']);
  assert.not.ok(selectKinds(['privileges'], ['privileges']).includes('privileges'));
});

test.run();
