import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { substitute } from '../../lib/config/substitute.js';

test('${env:X} is replaced by the variable, anywhere in a string and in lists', () => {
  const r = substitute({ connection: { host: 'db-${env:STAGE}.example', password: '${env:PW}' }, parts: {}, extends: ['${env:STAGE}.yaml'] }, { STAGE: 'prod', PW: 'x' });
  assert.equal(r.problems, []);
  assert.equal(r.value, { connection: { host: 'db-prod.example', password: 'x' }, parts: {}, extends: ['prod.yaml'] });
});

test('${env:X:-default} uses the default only when X is unset', () => {
  const data = { connection: { host: '${env:H:-localhost}', port: '${env:P:-}' }, parts: {} };
  assert.equal(substitute(data, {}).value, { connection: { host: 'localhost', port: '' }, parts: {} });
  assert.equal(substitute(data, { H: 'db', P: '1' }).value, { connection: { host: 'db', port: '1' }, parts: {} });
});

test('an unset variable is a problem naming it, at the JSON path of the value', () => {
  const r = substitute({ parts: { app: { dbname: '${env:APP_DB}' } }, connection: { user: '${env:DB_USER}' } }, {});
  assert.equal(r.problems, [
    { path: '/parts/app/dbname', message: 'environment variable APP_DB is not set (used as ${env:APP_DB})' },
    { path: '/connection/user', message: 'environment variable DB_USER is not set (used as ${env:DB_USER})' },
  ]);
  // The value is left as written so later messages can show it.
  assert.equal(r.value.connection, { user: '${env:DB_USER}' });
});

test('${PART:OPTION} takes another part\'s option; numbers become text', () => {
  const r = substitute({ parts: { base: { dbname: 'main', port: 5433 }, app: { dbname: '${base:dbname}_copy', schema: 'p${base:port}' } } }, {});
  assert.equal(r.problems, []);
  assert.equal(r.value.parts, { base: { dbname: 'main', port: 5433 }, app: { dbname: 'main_copy', schema: 'p5433' } });
});

test('${:OPTION} refers to the same part', () => {
  const r = substitute({ parts: { app: { dbname: 'app', schema: 'schemas/${:dbname}' } } }, {});
  assert.equal(r.problems, []);
  assert.equal(r.value.parts, { app: { dbname: 'app', schema: 'schemas/app' } });
});

test('${:OPTION} outside a part is a problem', () => {
  const r = substitute({ connection: { host: '${:dbname}' }, parts: {} }, {});
  assert.equal(r.problems, [{ path: '/connection/host', message: '"${:dbname}" names no part; ${:OPTION} works only inside a part' }]);
});

test('references are resolved transitively, including env inside the referenced option', () => {
  const r = substitute({ parts: { a: { dbname: '${env:DB}' }, b: { dbname: '${a:dbname}' }, c: { dbname: '${b:dbname}-c' } } }, { DB: 'x' });
  assert.equal(r.problems, []);
  assert.equal(r.value.parts, { a: { dbname: 'x' }, b: { dbname: 'x' }, c: { dbname: 'x-c' } });
});

test('$${ is a literal ${ and is not expanded', () => {
  const r = substitute({ parts: { app: { dbname: 'a', variables: { v: '$${env:NOPE} and $${app:dbname}' } } } }, {});
  assert.equal(r.problems, []);
  assert.equal(r.value.parts, { app: { dbname: 'a', variables: { v: '${env:NOPE} and ${app:dbname}' } } });
});

test('an option whose value is escaped stays literal when referenced', () => {
  const r = substitute({ parts: { a: { x: '$${lit}' }, b: { y: '${a:x}' } } }, {});
  assert.equal(r.problems, []);
  assert.equal(r.value.parts, { a: { x: '${lit}' }, b: { y: '${lit}' } });
});

test('a cycle is reported with its chain, at an option inside the cycle', () => {
  const r = substitute({ parts: { a: { x: '${a:y}', y: '${b:z}' }, b: { z: '${a:y}' } } }, {});
  assert.ok(r.problems.length >= 1);
  const first = r.problems[0]!;
  assert.is(first.message, 'substitution cycle: ${a:y} -> ${b:z} -> ${a:y}');
  assert.ok(['/parts/a/y', '/parts/b/z'].includes(first.path), first.path);
  for (const p of r.problems) assert.match(p.message, /^substitution cycle: /);
  // The values stay as written.
  assert.equal(r.value.parts, { a: { x: '${a:y}', y: '${b:z}' }, b: { z: '${a:y}' } });
});

test('a self-reference is a cycle', () => {
  const r = substitute({ parts: { a: { x: 'pre ${:x}' } } }, {});
  assert.equal(r.problems, [{ path: '/parts/a/x', message: 'substitution cycle: ${a:x} -> ${a:x}' }]);
});

test('a missing part and a missing option are reported', () => {
  const r = substitute({ parts: { app: { dbname: '${nope:dbname}', schema: '${app:schemadir}', x: '${app:list}', list: ['a'] } } }, {});
  assert.equal(r.problems, [
    { path: '/parts/app/dbname', message: '${nope:dbname} refers to part "nope", which does not exist' },
    { path: '/parts/app/schema', message: '${app:schemadir}: part "app" has no option "schemadir"' },
    { path: '/parts/app/x', message: '${app:list}: part "app" has no scalar option "list"' },
  ]);
});

test('a ${NAME} without a scope is not a substitution', () => {
  const r = substitute({ parts: {}, connection: { host: '${HOST}' } }, {});
  assert.equal(r.problems, [
    { path: '/connection/host', message: '"${HOST}" is not a substitution: use ${env:NAME} or ${PART:OPTION} (write $${ for a literal ${)' },
  ]);
});

test('every problem is collected, not only the first', () => {
  const r = substitute({ parts: { app: { dbname: '${env:A}-${env:B}' } } }, {});
  assert.equal(r.problems.map((p) => p.message), [
    'environment variable A is not set (used as ${env:A})',
    'environment variable B is not set (used as ${env:B})',
  ]);
});

test('non-string values and strings without ${ are untouched; the input is not mutated', () => {
  const data = { parts: { app: { create: true, port: 1, x: null, s: 'a $ b {c}', d: '${env:D}' } } };
  const before = JSON.stringify(data);
  const r = substitute(data, { D: 'd' });
  assert.equal(r.value.parts, { app: { create: true, port: 1, x: null, s: 'a $ b {c}', d: 'd' } });
  assert.is(JSON.stringify(data), before);
});

test.run();
