import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { PartPlan, Plan } from '../../lib/plan/types.js';
import { renderPlanText } from '../../lib/report/plan-text.js';

const partPlan = (over: Partial<PartPlan>): PartPlan => ({ name: 'app', database: 'appdb', recipe: 'schema', ledger: { schema: 'pgv', name: 'upgrades' }, current: null, target: null, steps: [], changed: [], after: [], replan: { planner: 'apply', accept: [] }, ...over });

test('an empty plan says nothing to do', () => {
  assert.is(renderPlanText({ parts: [] }), 'Nothing to do.');
});

test('an up-to-date part names its version', () => {
  assert.is(renderPlanText({ parts: [partPlan({ current: '3', target: '3' })] }), 'app (appdb): up to date at version 3\nNothing to do.');
  assert.is(renderPlanText({ parts: [partPlan({})] }), 'app (appdb): up to date\nNothing to do.');
});

test('steps are numbered with aligned reasons and a total', () => {
  const plan: Plan = {
    parts: [
      partPlan({
        current: '1', target: '3',
        steps: [
          { kind: 'precondition', id: 'app:precondition:precondition2.sql', title: 'check precondition2.sql', reason: 'guards update2.sql', script: 'precondition2.sql', version: '2' },
          { kind: 'run-script', id: 'app:run:update2.sql', title: 'run update2.sql', reason: 'generation 1 → 2', script: 'update2.sql', version: '2', scriptKind: 'update', transactional: true, checksum: 'c2', ledger: { schema: 'pgv', name: 'upgrades' } },
        ],
      }),
    ],
  };
  assert.is(
    renderPlanText(plan),
    [
      'app (appdb): version 1 -> 3',
      '   1. check precondition2.sql  (guards update2.sql)',
      '   2. run update2.sql          (generation 1 → 2)',
      '2 steps in 1 part; `pgv apply` runs them.',
    ].join('\n'),
  );
});

test('a new database reads "version none"; totals count steps and parts with steps', () => {
  const plan: Plan = {
    parts: [
      partPlan({ name: 'base', database: 'basedb', current: '2', target: '2' }),
      partPlan({ target: '1', steps: [{ kind: 'create-ledger', id: 'app:create-ledger', title: 'create ledger pgv.upgrades', reason: 'first run on this database', table: { schema: 'pgv', name: 'upgrades' } }] }),
      partPlan({ name: 'b', database: 'bdb', target: '1', steps: [{ kind: 'create-database', id: 'b:create-database', title: 'create database bdb', reason: 'r', database: 'bdb' }] }),
    ],
  };
  const lines = renderPlanText(plan).split('\n');
  assert.equal(lines, [
    'base (basedb): up to date at version 2',
    'app (appdb): version none -> 1',
    '   1. create ledger pgv.upgrades  (first run on this database)',
    'b (bdb): version none -> 1',
    '   1. create database bdb  (r)',
    '2 steps in 2 parts; `pgv apply` runs them.',
  ]);
});

test('changed and missing scripts are flagged under their part', () => {
  const text = renderPlanText({
    parts: [partPlan({ current: '2', target: '2', changed: [{ version: '1', script: 'update1.sql', change: 'modified' }, { version: '2', script: 'update2.sql', change: 'missing' }] })],
  });
  assert.is(
    text,
    [
      'app (appdb): up to date at version 2',
      '  ! update1.sql (version 1) changed since it was applied',
      '  ! update2.sql (version 2) was applied but its file is gone',
      '`pgv apply` refuses to run while an applied script has changed (marked ! above); see the error below.',
    ].join('\n'),
  );
  // A missing file alone does not stop apply.
  const missing = renderPlanText({ parts: [partPlan({ current: '2', target: '2', changed: [{ version: '2', script: 'update2.sql', change: 'missing' }] })] });
  assert.match(missing, /\nNothing to do\.$/);
});

test('a single step uses the singular', () => {
  const text = renderPlanText({ parts: [partPlan({ target: '1', steps: [{ kind: 'create-ledger', id: 'x', title: 't', reason: 'r', table: { schema: 'pgv', name: 'upgrades' } }] })] });
  assert.match(text, /\n1 step in 1 part; `pgv apply` runs them\.$/);
});

test.run();
