import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Part } from '../../lib/config/types.js';
import { PgvError } from '../../lib/errors.js';
import { changedScripts, compareVersions, currentVersion } from '../../lib/plan/ledger-state.js';
import { planSchemaPart } from '../../lib/plan/plan-schema-part.js';
import type { ObservedPart } from '../../lib/plan/types.js';
import type { Precondition, Script, ScriptSet } from '../../lib/recipes/types.js';
import { prepareScript } from '../../lib/sql/script.js';
import { ledgerFailureOf } from '../../lib/db/ledger.js';

const part = (over: Partial<Part> = {}): Part => ({
  name: 'app', recipe: 'schema', dbname: 'appdb', connection: {}, directory: '/p/db', upgradesTable: { schema: 'pgv', name: 'upgrades' },
  ignore: [], excludeSchemas: [], excludeColumns: [], create: false, snapshot: false, after: [], ignoreFiles: [], variables: {}, pumPlaceholders: false, reference: [],
  ddlLockTimeoutMs: 0, hookTimeoutMs: 60_000, ...over,
});

const script = (name: string, version: string, kind: Script['kind'], text = 'SELECT 1;'): Script => ({
  name, path: `/p/db/${name}`, version, kind, checksum: `sum-${name}`, md5: `md5-${name}`, prepared: prepareScript(text),
});

/** init at generation 3, updates 1..3, precondition guarding update 2. */
const scripts = (over: Partial<ScriptSet> = {}): ScriptSet => ({
  directory: '/p/db',
  init: script('init.sql', '3', 'init'),
  updates: [script('update1.sql', '1', 'update'), script('update2.sql', '2', 'update'), script('update3.sql', '3', 'update', '-- pgv:no-transaction\nSELECT 3;')],
  preconditions: new Map<string, Precondition>([['2', { name: 'precondition2.sql', path: '/p/db/precondition2.sql', version: '2', language: 'sql', text: 'SELECT true' }]]),
  latest: '3',
  ...over,
});

type Row = ObservedPart['ledger']['rows'][number];
const row = (script: string, version: string, over: Partial<Row> = {}): Row => ({
  version, script, kind: script === 'init.sql' ? 'init' : 'update', checksum: `sum-${script}`, success: true, installedAt: '2024-01-01T00:00:00Z', id: 0, installedBy: 'u', durationMs: 1, pgvVersion: '0', ...over,
});
const observed = (rows: Row[], over: Partial<ObservedPart> = {}): ObservedPart => ({
  exists: true, serverVersion: 160000, ledger: { exists: true, style: 'pgv', format: 1, rows }, userTables: 3, ...over,
});
const fresh: ObservedPart = { exists: true, ledger: { exists: false, style: 'pgv', format: null, rows: [] }, userTables: 0 };

function thrown(fn: () => unknown): PgvError {
  try {
    fn();
  } catch (e) {
    assert.instance(e, PgvError);
    return e as PgvError;
  }
  assert.unreachable('expected a PgvError');
  throw new Error('unreachable');
}

test('compareVersions compares numerically, component by component', () => {
  assert.is(compareVersions('10', '9'), 1);
  assert.is(compareVersions('2', '10'), -1);
  assert.is(compareVersions('10.0', '2.9'), 1);
  assert.is(compareVersions('1.10', '1.9'), 1);
  assert.is(compareVersions('1.2', '1.2.0'), 0);
  assert.is(compareVersions('1.2.1', '1.2'), 1);
  assert.is(compareVersions('3', '3'), 0);
});

test('currentVersion is the highest successful ledger row', () => {
  assert.is(currentVersion(observed([row('update1.sql', '1'), row('update10.sql', '10'), row('update9.sql', '9'), row('update11.sql', '11', { success: false })])), '10');
  assert.is(currentVersion(fresh), null);
});

test('a missing database with create: create it, create the ledger, run init.sql', () => {
  const plan = planSchemaPart(part({ create: true }), { ...fresh, exists: false }, scripts(), 'pgv.upgrades');
  assert.equal(plan.steps.map((s) => [s.kind, s.id]), [
    ['create-database', 'app:create-database'],
    ['create-ledger', 'app:create-ledger'],
    ['run-script', 'app:run:init.sql'],
  ]);
  assert.equal(plan.steps[0], { kind: 'create-database', id: 'app:create-database', title: 'create database appdb', reason: 'the database does not exist and the part has create: true', database: 'appdb' });
  assert.equal(plan.steps[1], { kind: 'create-ledger', id: 'app:create-ledger', title: 'create ledger pgv.upgrades', reason: 'first run on this database', table: { schema: 'pgv', name: 'upgrades' } });
  assert.equal(plan.steps[2], {
    kind: 'run-script', id: 'app:run:init.sql', title: 'run init.sql', reason: 'empty database: init.sql builds generation 3',
    script: 'init.sql', version: '3', scriptKind: 'init', transactional: true, checksum: 'sum-init.sql', ledger: { schema: 'pgv', name: 'upgrades' },
  });
  assert.equal([plan.name, plan.database, plan.recipe, plan.current, plan.target], ['app', 'appdb', 'schema', null, '3']);
  assert.equal(plan.changed, []);
});

test('an existing empty database without init.sql runs every update; each reason names the generation it starts from', () => {
  const plan = planSchemaPart(part(), fresh, scripts({ init: undefined }) as ScriptSet, 'pgv.upgrades');
  assert.equal(plan.steps.map((s) => s.id), ['app:create-ledger', 'app:run:update1.sql', 'app:precondition:precondition2.sql', 'app:run:update2.sql', 'app:run:update3.sql']);
  assert.equal(plan.steps.filter((s) => s.kind === 'run-script').map((s) => s.reason), ['generation none -> 1', 'generation 1 -> 2', 'generation 2 -> 3']);
  assert.equal([plan.current, plan.target], [null, '3']);
});

test('a missing database without create is database_missing', () => {
  const err = thrown(() => planSchemaPart(part(), { ...fresh, exists: false }, scripts(), 'pgv.upgrades'));
  assert.is(err.code, 'database_missing');
  assert.is(err.message, 'part app: database "appdb" does not exist');
  assert.match(err.hint ?? '', /createdb appdb/);
  assert.match(err.hint ?? '', /create: true/);
  assert.equal(err.data, { part: 'app', database: 'appdb' });
});

test('user tables but no ledger is refused, pointing to pgv baseline', () => {
  const err = thrown(() => planSchemaPart(part(), { ...fresh, userTables: 2 }, scripts(), 'pgv.upgrades'));
  assert.is(err.code, 'refused');
  assert.is(err.message, 'part app: database "appdb" has 2 tables but no ledger (pgv.upgrades); pgv will not guess its generation');
  assert.match(err.hint ?? '', /`pgv baseline app --version N`/);
  const one = thrown(() => planSchemaPart(part(), { ...fresh, userTables: 1 }, scripts(), 'pgv.upgrades'));
  assert.match(one.message, /has 1 table but/);
});

test('ledger at generation 1 with updates 1..3: precondition and run for 2 and 3 only', () => {
  const plan = planSchemaPart(part(), observed([row('update1.sql', '1')]), scripts(), 'pgv.upgrades');
  assert.equal(plan.steps, [
    { kind: 'precondition', id: 'app:precondition:precondition2.sql', title: 'check precondition2.sql', reason: 'guards update2.sql', script: 'precondition2.sql', version: '2' },
    { kind: 'run-script', id: 'app:run:update2.sql', title: 'run update2.sql', reason: 'generation 1 -> 2', script: 'update2.sql', version: '2', scriptKind: 'update', transactional: true, checksum: 'sum-update2.sql', ledger: { schema: 'pgv', name: 'upgrades' } },
    { kind: 'run-script', id: 'app:run:update3.sql', title: 'run update3.sql', reason: 'generation 2 -> 3', script: 'update3.sql', version: '3', scriptKind: 'update', transactional: false, checksum: 'sum-update3.sql', ledger: { schema: 'pgv', name: 'upgrades' } },
  ]);
  assert.equal([plan.current, plan.target], ['1', '3']);
  assert.equal(plan.changed, []);
});

test('up to date (init at 3): no steps, current = target', () => {
  const plan = planSchemaPart(part(), observed([row('init.sql', '3')]), scripts(), 'pgv.upgrades');
  assert.equal(plan.steps, []);
  assert.equal([plan.current, plan.target], ['3', '3']);
});

test('versions compare as numbers: generation 9 sees update10 as pending', () => {
  const updates = Array.from({ length: 10 }, (_, k) => script(`update${k + 1}.sql`, String(k + 1), 'update'));
  const plan = planSchemaPart(part(), observed([row('update9.sql', '9')]), scripts({ updates, preconditions: new Map() }), 'pgv.upgrades');
  assert.equal(plan.steps.map((s) => s.id), ['app:run:update10.sql']);
});

test('an applied update whose checksum changed is listed in changed; a vanished one as missing; init.sql changes by design', () => {
  const rows = [row('init.sql', '1', { checksum: 'old' }), row('update2.sql', '2', { checksum: 'old' }), row('update0.sql', '0', { kind: 'update' })];
  const plan = planSchemaPart(part(), observed(rows), scripts({ updates: [script('update1.sql', '1', 'update'), script('update2.sql', '2', 'update')] }), 'pgv.upgrades');
  assert.equal(plan.changed, [
    { version: '2', script: 'update2.sql', change: 'modified', path: '/p/db/update2.sql' },
    { version: '0', script: 'update0.sql', change: 'missing' },
  ]);
  assert.equal(plan.steps, []);
});

test('an accepted checksum, failed rows, baseline rows and rows without checksum are not changes', () => {
  const rows = [
    row('update1.sql', '1', { checksum: 'old' }),
    row('update1.sql', '1', { kind: 'accept', checksum: 'sum-update1.sql' }),
    row('update2.sql', '2', { checksum: 'x', success: false }),
    row('baseline', '2', { kind: 'baseline', checksum: 'zzz' }),
    row('update2.sql', '2', { checksum: null }),
  ];
  assert.equal(changedScripts(observed(rows), scripts()), []);
});

test('an interrupted non-transactional script is refused until it is resolved', () => {
  // A killed run leaves the started row without a duration.
  const rows = [row('update1.sql', '1'), row('update2.sql', '2', { success: false, durationMs: null, installedAt: '2024-05-06T07:08:09Z' })];
  const err = thrown(() => planSchemaPart(part(), observed(rows), scripts(), 'pgv.upgrades'));
  assert.is(err.code, 'refused');
  assert.is(err.message, 'part app: update2.sql started at 2024-05-06T07:08:09Z and never finished');
  assert.match(err.hint ?? '', 'finish it by hand and record that with `pgv baseline app --version 2`, or undo it and record `pgv baseline app --version 1`');
});

test('a failed non-transactional script (its row has the time it ran) is refused as failed, with the exact baseline commands', () => {
  const rows = [row('update1.sql', '1'), row('update2.sql', '2', { success: false, durationMs: 40, installedAt: '2024-05-06T07:08:09Z' })];
  const err = thrown(() => planSchemaPart(part(), observed(rows), scripts(), 'pgv.upgrades'));
  assert.is(err.message, 'part app: update2.sql failed at 2024-05-06T07:08:09Z');
  assert.match(err.hint ?? '', 'the statements before the failing one stay applied');
  assert.match(err.hint ?? '', '`pgv baseline app --version 2`, or undo it and record `pgv baseline app --version 1`');
});

test('a failed non-transactional script whose row records the statement: the refusal names it, cut at a word, and how many completed', () => {
  const failure = { statement: 3, statements: 5, completed: 2, line: 12, text: 'CREATE INDEX CONCURRENTLY orders_customer ON orders (customer_id)', error: 'column "customer_id" does not exist', sqlstate: '42703' };
  const rows = [row('update1.sql', '1'), row('update2.sql', '2', { success: false, durationMs: 40, installedAt: '2024-05-06T07:08:09Z', failure })];
  const err = thrown(() => planSchemaPart(part(), observed(rows), scripts(), 'pgv.upgrades'));
  assert.is(err.message, 'part app: update2.sql failed at statement 3 of 5 (line 12: CREATE INDEX CONCURRENTLY orders_customer ON orders …); 2 had completed');
  assert.equal([...err.detailLines], ['failed at 2024-05-06T07:08:09Z: column "customer_id" does not exist (SQLSTATE 42703)']);
  assert.match(err.hint ?? '', 'It ran outside a transaction: statements 1–2 stay applied.');
  const first = thrown(() => planSchemaPart(part(), observed([row('update1.sql', '1'), row('update2.sql', '2', { success: false, durationMs: 40, failure: { ...failure, statement: 1, completed: 0 } })]), scripts(), 'pgv.upgrades'));
  assert.match(first.message, '); none before it had completed');
  assert.match(first.hint ?? '', 'no statement of it stays applied');
});

test('ledgerFailureOf reads what pgv wrote and nothing else', () => {
  const f = { statement: 2, statements: 2, completed: 1, line: 3, text: 'SELECT 1/0', error: 'division by zero', sqlstate: '22012' };
  assert.equal(ledgerFailureOf(f), f);
  assert.equal(ledgerFailureOf({ statement: 2, statements: 2, line: 3, text: 'x' }), { statement: 2, statements: 2, completed: 1, line: 3, text: 'x', error: '', sqlstate: '' });
  assert.is(ledgerFailureOf(null), undefined);
  assert.is(ledgerFailureOf('statement 2'), undefined);
  assert.is(ledgerFailureOf({ statement: '2', statements: 2, line: 3, text: 'x' }), undefined);
});

test('an interrupted init.sql (no successful row at all) is refused too', () => {
  const err = thrown(() => planSchemaPart(part(), observed([row('init.sql', '3', { success: false, durationMs: null })], { userTables: 1 }), scripts(), 'pgv.upgrades'));
  assert.is(err.code, 'refused');
  assert.match(err.message, /^part app: init\.sql started at .* and never finished$/);
});

test('a failed row that later succeeded is not a problem', () => {
  const rows = [row('update1.sql', '1'), row('update2.sql', '2', { success: false }), row('update2.sql', '2')];
  const plan = planSchemaPart(part(), observed(rows), scripts(), 'pgv.upgrades');
  assert.equal(plan.steps.map((s) => s.id), ['app:run:update3.sql']);
});

test('the plan carries the part\'s after list', () => {
  const plan = planSchemaPart(part({ after: ['base'] }), observed([row('init.sql', '3')]), scripts(), 'pgv.upgrades');
  assert.equal(plan.after, ['base']);
});

test.run();
