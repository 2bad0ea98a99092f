import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyBounded, limits, mergeInto, originOf, type Origins } from '../../lib/config/merge.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

test('maps merge key by key; scalars and lists replace', () => {
  const target: Record<string, Json> = { connection: { host: 'a', port: 1 }, parts: { app: { dbname: 'x', ignore: ['views', 'rules'] } } };
  mergeInto(target, { connection: { port: 2 }, parts: { app: { ignore: ['comments'] }, other: { dbname: 'o' } } }, 'prod.yaml', new Map());
  assert.equal(target, {
    connection: { host: 'a', port: 2 },
    parts: { app: { dbname: 'x', ignore: ['comments'] }, other: { dbname: 'o' } },
  });
});

test('a map replaces a scalar and a scalar replaces a map', () => {
  const target: Record<string, Json> = { server: 'embedded', connection: { host: 'a' } };
  mergeInto(target, { server: { mode: 'embedded', port: 5 }, connection: null }, 'b.yaml', new Map());
  assert.equal(target, { server: { mode: 'embedded', port: 5 }, connection: null });
});

test('origins record the file that set each value (through originOf)', () => {
  const origins: Origins = new Map();
  const target: Record<string, Json> = {};
  mergeInto(target, { connection: { host: 'a', port: 1 }, server: 'embedded' }, 'base.yaml', origins);
  mergeInto(target, { connection: { port: 2 } }, 'prod.yaml', origins);
  assert.is(originOf(origins, '/connection/host', 'main.yaml'), 'base.yaml');
  assert.is(originOf(origins, '/connection/port', 'main.yaml'), 'prod.yaml');
  assert.is(originOf(origins, '/connection', 'main.yaml'), 'base.yaml');
  assert.is(originOf(origins, '/server', 'main.yaml'), 'base.yaml');
});

test('a nested value keeps its file when a later file adds a sibling beside it', () => {
  // base sets parts.app.schema; prod only adds parts.app.dbname. The schema directory must
  // still resolve relative to base.yaml (resolve.ts uses originOf for relative paths).
  const origins: Origins = new Map();
  const target: Record<string, Json> = {};
  mergeInto(target, { parts: { app: { recipe: 'schema', schema: 'db/app' } } }, '/base/pgv.base.yaml', origins);
  mergeInto(target, { parts: { app: { dbname: 'prod' } } }, '/envs/prod.yaml', origins);
  assert.equal(target, { parts: { app: { recipe: 'schema', schema: 'db/app', dbname: 'prod' } } });
  assert.is(originOf(origins, '/parts/app/dbname', 'main.yaml'), '/envs/prod.yaml');
  assert.is(originOf(origins, '/parts/app/schema', 'main.yaml'), '/base/pgv.base.yaml');
});

test('replacing a map forgets the origins of its old children', () => {
  const origins: Origins = new Map();
  const target: Record<string, Json> = {};
  mergeInto(target, { server: { mode: 'embedded', dir: '.pgv' } }, 'base.yaml', origins);
  mergeInto(target, { server: { dir: 'x' } }, 'mid.yaml', origins);
  assert.is(originOf(origins, '/server/dir', 'main.yaml'), 'mid.yaml');
  mergeInto(target, { server: 'embedded' }, 'prod.yaml', origins);
  assert.is(target.server, 'embedded');
  assert.is(originOf(origins, '/server/dir', 'main.yaml'), 'prod.yaml');
  assert.not.ok(origins.has('/server/dir'));
});

test('replacing /a does not forget the origins under a sibling /ab', () => {
  const origins: Origins = new Map([
    ['/a', 'base.yaml'],
    ['/a/x', 'base.yaml'],
    ['/ab', 'base.yaml'],
    ['/ab/y', 'mid.yaml'],
  ]);
  mergeInto({ a: { x: 1 }, ab: { y: 1 } }, { a: 2 }, 'prod.yaml', origins);
  assert.equal([...origins.entries()].sort(), [['/a', 'prod.yaml'], ['/ab', 'base.yaml'], ['/ab/y', 'mid.yaml']]);
});

test('originOf finds the closest ancestor that has an origin, else the fallback', () => {
  const origins: Origins = new Map([
    ['/parts', 'base.yaml'],
    ['/parts/app/dbname', 'prod.yaml'],
  ]);
  assert.is(originOf(origins, '/parts/app/dbname', 'main.yaml'), 'prod.yaml');
  assert.is(originOf(origins, '/parts/app/schema', 'main.yaml'), 'base.yaml');
  assert.is(originOf(origins, '/connection/host', 'main.yaml'), 'main.yaml');
  assert.is(originOf(origins, '', 'main.yaml'), 'main.yaml');
});

test('copyBounded deep-copies plain data; Dates become ISO text', () => {
  const shared = { k: [1, 'two', null, true] };
  const data = { a: shared, b: shared, when: new Date(Date.UTC(2024, 0, 2, 3, 4, 5)) };
  const r = copyBounded(data);
  assert.ok('value' in r);
  if (!('value' in r)) return;
  assert.equal(r.value, { a: { k: [1, 'two', null, true] }, b: { k: [1, 'two', null, true] }, when: '2024-01-02T03:04:05.000Z' });
  const v = r.value as { a: object; b: object };
  assert.is.not(v.a, shared);
  assert.is.not(v.a, v.b);
});

test('copyBounded refuses a "billion laughs" structure built from shared references', () => {
  // Like YAML aliases: each level repeats the previous one ten times; 10^9 leaves when expanded.
  let level: unknown = ['lol'];
  for (let i = 0; i < 9; i++) level = Array.from({ length: 10 }, () => level);
  const started = Date.now();
  const r = copyBounded({ bomb: level });
  assert.ok('tooBig' in r);
  if ('tooBig' in r) assert.is(r.tooBig, `more than ${limits.maxValues} values (YAML aliases expand?)`);
  assert.ok(Date.now() - started < 5000, 'stops early instead of expanding');
});

test('copyBounded accepts a structure just under the value limit', () => {
  const r = copyBounded({ list: Array.from({ length: limits.maxValues - 2 }, (_, i) => i) });
  assert.ok('value' in r);
});

test('copyBounded refuses excessive depth, and cyclic data', () => {
  let deep: unknown = 'leaf';
  for (let i = 0; i < limits.maxDepth + 5; i++) deep = { d: deep };
  const r = copyBounded(deep);
  assert.equal(r, { tooBig: `nested deeper than ${limits.maxDepth} levels` });

  const cyclic: Record<string, unknown> = { name: 'x' };
  cyclic.self = cyclic;
  assert.equal(copyBounded(cyclic), { tooBig: `nested deeper than ${limits.maxDepth} levels` });
});

test('copyBounded accepts nesting at the depth limit', () => {
  let deep: unknown = 'leaf';
  for (let i = 0; i < limits.maxDepth; i++) deep = [deep];
  assert.ok('value' in copyBounded(deep));
});

test.run();
