import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Part } from '../../lib/config/types.js';
import { buildPlan, isEmptyPlan, orderParts } from '../../lib/plan/plan.js';
import type { ObservedPart } from '../../lib/plan/types.js';
import type { ScriptSet } from '../../lib/recipes/types.js';
import { prepareScript } from '../../lib/sql/script.js';
import { replanChanges, replanPart } from '../../lib/plan/replan.js';
import { planBaseline } from '../../lib/plan/plan-baseline.js';
import { replannedLine } from '../../lib/report/task-list.js';

const part = (name: string, after: string[] = [], over: Partial<Part> = {}): Part => ({
  name, recipe: 'schema', dbname: `${name}db`, connection: {}, directory: `/p/${name}`, upgradesTable: { schema: 'pgv', name: 'upgrades' },
  ignore: [], excludeSchemas: [], excludeColumns: [], create: false, snapshot: false, after, ignoreFiles: [], variables: {}, pumPlaceholders: false, reference: [],
  ddlLockTimeoutMs: 0, hookTimeoutMs: 60_000, ...over,
});
const names = (parts: readonly Part[]) => parts.map((p) => p.name);

test('without dependencies the given order is kept', () => {
  assert.equal(names(orderParts([part('c'), part('a'), part('b')])), ['c', 'a', 'b']);
});

test('a part comes after the parts it names in after', () => {
  assert.equal(names(orderParts([part('app', ['base']), part('base')])), ['base', 'app']);
});

test('dependency order is stable: ties keep config order', () => {
  const parts = [part('d', ['a']), part('c'), part('b', ['a']), part('a'), part('e')];
  assert.equal(names(orderParts(parts)), ['c', 'a', 'd', 'b', 'e']);
});

test('a chain and a diamond are ordered', () => {
  assert.equal(names(orderParts([part('z', ['y']), part('y', ['x']), part('x')])), ['x', 'y', 'z']);
  assert.equal(names(orderParts([part('top', ['l', 'r']), part('r', ['root']), part('l', ['root']), part('root')])), ['root', 'r', 'l', 'top']);
});

test('an after naming a part that is not selected is ignored', () => {
  assert.equal(names(orderParts([part('app', ['base'])])), ['app']);
});

test('a cycle is an internal error naming the parts', () => {
  assert.throws(() => orderParts([part('ok'), part('a', ['b']), part('b', ['a'])]), /dependency cycle among parts a, b/);
});

test('orderParts does not mutate its input', () => {
  const parts = [part('app', ['base']), part('base')];
  orderParts(parts);
  assert.equal(names(parts), ['app', 'base']);
});

const upToDate: ObservedPart = { exists: true, ledger: { exists: true, style: 'pgv', format: 1, rows: [{ version: '1', script: 'init.sql', kind: 'init', checksum: 'c', success: true, installedAt: 't', id: 1, installedBy: 'u', durationMs: 1, pgvVersion: '0' }] }, userTables: 1 };
const scripts: ScriptSet = {
  directory: '/p',
  init: { name: 'init.sql', path: '/p/init.sql', version: '1', kind: 'init', checksum: 'c', md5: 'm', prepared: prepareScript('SELECT 1;') },
  updates: [],
  preconditions: new Map(),
  latest: '1',
};

test('buildPlan plans every part in dependency order; isEmptyPlan when nothing to do', () => {
  const plan = buildPlan([
    { part: part('app', ['base']), observed: upToDate, scripts },
    { part: part('base'), observed: upToDate, scripts },
  ]);
  assert.equal(plan.parts.map((p) => p.name), ['base', 'app']);
  assert.ok(isEmptyPlan(plan));
  const fresh: ObservedPart = { exists: true, ledger: { exists: false, style: 'pgv', format: null, rows: [] }, userTables: 0 };
  assert.not.ok(isEmptyPlan(buildPlan([{ part: part('app'), observed: fresh, scripts }])));
});

test('buildPlan names the ledger with displayQualified', () => {
  const fresh: ObservedPart = { exists: true, ledger: { exists: false, style: 'pgv', format: null, rows: [] }, userTables: 0 };
  const plan = buildPlan([{ part: part('app', [], { upgradesTable: { schema: 'My Schema', name: 'log' } }), observed: fresh, scripts }]);
  assert.is(plan.parts[0]!.steps[0]!.title, 'create ledger "My Schema".log');
});

test('the plan carries its replan step; replanPart under the lock plans with it: nothing left after another runner did the work', () => {
  const fresh: ObservedPart = { exists: true, ledger: { exists: false, style: 'pgv', format: null, rows: [] }, userTables: 0 };
  const [before] = buildPlan([{ part: part('app'), observed: fresh, scripts, to: '1' }]).parts;
  assert.equal(before!.replan, { planner: 'apply', accept: [], to: '1' });
  assert.equal(before!.steps.map((s) => s.id), ['app:create-ledger', 'app:run:init.sql']);
  const after = replanPart(before!, { part: part('app'), observed: upToDate, scripts });
  assert.equal(after.steps, []);
  assert.is(after.current, '1');
  assert.equal(replanChanges(before!, after), { dropped: ['app:create-ledger', 'app:run:init.sql'], added: [] });
  assert.is(
    replannedLine({ type: 'part-replanned', part: 'app', database: 'appdb', current: after.current, steps: [], ...replanChanges(before!, after) }),
    'planned again under the lock: 2 steps done meanwhile by another runner; nothing left to do (at version 1)',
  );
  // Nothing changed meanwhile: the same steps.
  assert.equal(replanChanges(before!, replanPart(before!, { part: part('app'), observed: fresh, scripts })), { dropped: [], added: [] });
});

test('a baseline plan replans as a baseline of the same version', () => {
  const before = planBaseline(part('app'), upToDate, '3', 'pgv.upgrades');
  assert.equal(before.replan, { planner: 'baseline', version: '3' });
  const again = replanPart(before, { part: part('app'), observed: upToDate, scripts });
  assert.equal(again.steps.map((s) => s.id), ['app:baseline:3']);
});

test.run();
