/** normalize.ts on literal catalog rows, kind by kind. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { definitionOf, displayName, normalizeRows } from '../../lib/check/normalize.js';

test('displayName quotes only what is not a plain lowercase identifier', () => {
  assert.is(displayName('public', 'orders', 'qty'), 'public.orders.qty');
  assert.is(displayName('Mixed Case', 'a.b', 'say "hi"'), '"Mixed Case"."a.b"."say ""hi"""');
  assert.is(displayName('_x1$'), '_x1$');
  assert.is(displayName('1abc'), '"1abc"');
});

test('definitionOf leaves out null, undefined and empty lists, keeps false and 0', () => {
  assert.equal(definitionOf({ a: null, b: undefined, c: [], d: false, e: 0, f: '', g: ['x'] }), { d: false, e: 0, f: '', g: ['x'] });
});

test('tables: kind words, unlogged, partitions, inheritance, options', () => {
  const [partition, child, logged] = normalizeRows('tables', [
    { schema: 'app', name: 'm_2024', relkind: 'r', persistence: 'p', partition_key: null, partition_bound: "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')", parents: ['app.m'], is_partition: true, options: null, access_method: 'heap', server: null, server_options: null },
    { schema: 'app', name: 'n_child', relkind: 'r', persistence: 'u', partition_key: null, partition_bound: null, parents: ['app.a', 'app.b'], is_partition: false, options: ['fillfactor=70'], access_method: 'heap', server: null, server_options: null },
    { schema: 'app', name: 'p_parent', relkind: 'p', persistence: 'p', partition_key: 'RANGE (at)', partition_bound: null, parents: [], is_partition: false, options: null, access_method: null, server: null, server_options: null },
  ]);
  assert.equal(partition, {
    kind: 'tables', name: 'app.m_2024', schema: 'app', table: { schema: 'app', name: 'm_2024' },
    definition: { type: 'table', partition_of: 'app.m', partition_bound: "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')", access_method: 'heap' },
  });
  assert.equal(child!.definition, { type: 'table', persistence: 'unlogged', inherits: ['app.a', 'app.b'], options: ['fillfactor=70'], access_method: 'heap' });
  assert.equal(logged!.definition, { type: 'partitioned table', partition_key: 'RANGE (at)' });
});

test('columns: identity and generated, collation, position; the column is attached to its table', () => {
  const [id, total] = normalizeRows('columns', [
    { schema: 'public', table: 'orders', name: 'id', position: 1, type: 'integer', not_null: true, default: null, generated: null, identity: 'a', collation: null },
    { schema: 'public', table: 'orders', name: 'total', position: 2, type: 'numeric', not_null: false, default: null, generated: 'price * 2::numeric', identity: '', collation: 'pg_catalog."C"' },
  ]);
  assert.equal(id, {
    kind: 'columns', name: 'public.orders.id', schema: 'public', table: { schema: 'public', name: 'orders' }, column: 'id',
    definition: { type: 'integer', not_null: true, identity: 'always', position: 1 },
  });
  assert.equal(total!.definition, { type: 'numeric', not_null: false, generated: 'price * 2::numeric', collation: 'pg_catalog."C"', position: 2 });
});

test('constraints, triggers, rules: named under their table, codes as words', () => {
  const [c] = normalizeRows('constraints', [{ schema: 's', table: 't', name: 't_qty_check', type: 'c', definition: 'CHECK (qty > 0)' }]);
  assert.equal(c, { kind: 'constraints', name: 's.t.t_qty_check', schema: 's', table: { schema: 's', name: 't' }, definition: { type: 'check', definition: 'CHECK (qty > 0)' } });
  const [tr] = normalizeRows('triggers', [{ schema: 's', table: 't', name: 'tg', definition: 'CREATE TRIGGER tg ...', enabled: 'D' }]);
  assert.equal(tr!.definition, { definition: 'CREATE TRIGGER tg ...', enabled: 'disabled' });
  const [ru] = normalizeRows('rules', [{ schema: 's', table: 't', name: 'r', definition: 'CREATE RULE r ...', enabled: 'R' }]);
  assert.equal(ru!.definition, { definition: 'CREATE RULE r ...', enabled: 'replica' });
});

test('sequences: numbers as text, owner column, identity', () => {
  const [own, free] = normalizeRows('sequences', [
    { schema: 'public', name: 'a_id_seq', type: 'bigint', start: '1', increment: '1', min: '1', max: '9223372036854775807', cache: '1', cycle: false, persistence: 'p', owner_schema: 'public', owner_table: 'a', owner_column: 'id', owner_deptype: 'i' },
    { schema: 'public', name: 'b', type: 'integer', start: '5', increment: '-1', min: '-2147483648', max: '-1', cache: '10', cycle: true, persistence: 'u', owner_schema: null, owner_table: null, owner_column: null, owner_deptype: null },
  ]);
  assert.equal(own, {
    kind: 'sequences', name: 'public.a_id_seq', schema: 'public', table: { schema: 'public', name: 'a' },
    definition: { type: 'bigint', start: '1', increment: '1', min: '1', max: '9223372036854775807', cache: '1', cycle: false, owned_by: 'public.a.id', identity: true },
  });
  assert.equal(free, {
    kind: 'sequences', name: 'public.b', schema: 'public',
    definition: { type: 'integer', start: '5', increment: '-1', min: '-2147483648', max: '-1', cache: '10', cycle: true, persistence: 'unlogged' },
  });
});

test('indexes: named by schema, attached to their table; valid shown only when false', () => {
  const [ok, broken] = normalizeRows('indexes', [
    { schema: 'app', name: 'i1', table_schema: 'app', table: 't', definition: 'CREATE INDEX i1 ON app.t USING btree (a)', valid: true },
    { schema: 'app', name: 'i2', table_schema: 'app', table: 't', definition: 'CREATE INDEX i2 ON app.t USING btree (b)', valid: false },
  ]);
  assert.equal(ok, { kind: 'indexes', name: 'app.i1', schema: 'app', table: { schema: 'app', name: 't' }, definition: { table: 'app.t', definition: 'CREATE INDEX i1 ON app.t USING btree (a)' } });
  assert.equal(broken!.definition.valid, false);
});

test('functions: named by signature; trailing newline of pg_get_functiondef dropped', () => {
  const [f, agg] = normalizeRows('functions', [
    { schema: 'app', name: 'f', signature: 'app.f(integer)', kind: 'f', definition: 'CREATE OR REPLACE FUNCTION app.f(a integer)\n RETURNS integer\nAS $function$select 1$function$\n' },
    { schema: 'app', name: 'total', signature: 'app.total(integer)', kind: 'a', definition: 'CREATE AGGREGATE app.total(integer) (SFUNC = int4pl, STYPE = integer)' },
  ]);
  assert.equal(f, { kind: 'functions', name: 'app.f(integer)', schema: 'app', definition: { kind: 'function', definition: 'CREATE OR REPLACE FUNCTION app.f(a integer)\n RETURNS integer\nAS $function$select 1$function$' } });
  assert.is(agg!.definition.kind, 'aggregate');
});

test('views and materialized views: definition and options', () => {
  const [v] = normalizeRows('views', [{ schema: 's', name: 'v', definition: ' SELECT 1;', options: ['check_option=local'] }]);
  assert.equal(v, { kind: 'views', name: 's.v', schema: 's', table: { schema: 's', name: 'v' }, definition: { definition: ' SELECT 1;', options: ['check_option=local'] } });
  const [m] = normalizeRows('materialized_views', [{ schema: 's', name: 'm', definition: ' SELECT 2;', options: null }]);
  assert.equal(m!.definition, { definition: ' SELECT 2;' });
});

test('types: enum, domain (NOT NULL always shown), composite, range', () => {
  const rows = [
    { schema: 's', name: 'mood', type: 'e', labels: ['sad', 'ok'] },
    { schema: 's', name: 'pos', type: 'd', base_type: 'integer', not_null: false, default: null, constraints: ['pos_check CHECK (VALUE > 0)'], collation: null },
    { schema: 's', name: 'pair', type: 'c', attributes: ['a integer', 'b text'] },
    { schema: 's', name: 'span', type: 'r', subtype: 'integer', subtype_opclass: 'pg_catalog.int4_ops', range_collation: null, canonical: null, subtype_diff: null },
  ];
  const byName = Object.fromEntries(normalizeRows('types', rows).map((o) => [o.name, o.definition]));
  assert.equal(byName['s.mood'], { type: 'enum', labels: ['sad', 'ok'] });
  assert.equal(byName['s.pos'], { type: 'domain', base_type: 'integer', not_null: false, constraints: ['pos_check CHECK (VALUE > 0)'] });
  assert.equal(byName['s.pair'], { type: 'composite', attributes: ['a integer', 'b text'] });
  assert.equal(byName['s.span'], { type: 'range', subtype: 'integer', subtype_opclass: 'pg_catalog.int4_ops' });
});

test('extensions: version and schema', () => {
  assert.equal(normalizeRows('extensions', [{ name: 'hstore', version: '1.8', schema: 'public' }]), [
    { kind: 'extensions', name: 'hstore', schema: 'public', definition: { version: '1.8', schema: 'public' } },
  ]);
});

test('policies: a table\'s RLS switches and each policy', () => {
  const [rls, policy] = normalizeRows('policies', [
    { schema: 's', table: 'doc', name: null, enabled: true, forced: false, command: null, permissive: null, roles: null, using: null, with_check: null },
    { schema: 's', table: 'doc', name: 'p', enabled: null, forced: null, command: 'r', permissive: false, roles: ['PUBLIC'], using: 'owner = CURRENT_USER', with_check: null },
  ]);
  assert.equal(rls, { kind: 'policies', schema: 's', table: { schema: 's', name: 'doc' }, name: 's.doc (row level security)', definition: { enabled: true, forced: false } });
  assert.equal(policy!.name, 's.doc.p');
  assert.equal(policy!.definition, { command: 'SELECT', type: 'restrictive', roles: ['PUBLIC'], using: 'owner = CURRENT_USER' });
});

test('privileges and comments: named by type and identity, attached to table and column', () => {
  const [col] = normalizeRows('privileges', [{ type: 'column', schema: 's', rel_schema: 's', rel_name: 't', column: 'c', identity: 's.t.c', owner: null, grants: ['bob: UPDATE'] }]);
  assert.equal(col, { kind: 'privileges', name: 'column s.t.c', schema: 's', table: { schema: 's', name: 't' }, column: 'c', definition: { grants: ['bob: UPDATE'] } });
  const [sch] = normalizeRows('comments', [{ type: 'schema', schema: 'public', identity: 'public', description: 'hi', rel_schema: null, rel_name: null, column: null }]);
  assert.equal(sch, { kind: 'comments', name: 'schema public', schema: 'public', definition: { comment: 'hi' } });
});

test('objects come out sorted by name in code-point order', () => {
  const names = normalizeRows('schemas', [{ schema: 'b' }, { schema: 'B' }, { schema: 'a' }]).map((o) => o.name);
  assert.equal(names, ['"B"', 'a', 'b']);
});

test('a row without a required column is a bug, reported with the row', () => {
  assert.throws(() => normalizeRows('schemas', [{ nspname: 'x' }]), /catalog row without schema/);
});

test.run();
