import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Plan } from '../../lib/plan/types.js';
import { renderPlanJson, stepJson } from '../../lib/report/plan-json.js';

test('stepJson: run-script carries what the executor runs: script, version, transactional, checksum, ledger', () => {
  assert.equal(
    stepJson({ kind: 'run-script', id: 'app:run:update2.sql', title: 'run update2.sql', reason: 'generation 1 → 2', script: 'update2.sql', version: '2', scriptKind: 'update', transactional: false, checksum: 'ab12', ledger: { schema: 'My S', name: 'up' } }),
    { kind: 'run-script', id: 'app:run:update2.sql', title: 'run update2.sql', reason: 'generation 1 → 2', script: 'update2.sql', version: '2', transactional: false, checksum: 'ab12', ledger: '"My S".up' },
  );
});

test('stepJson: precondition carries script and version, not transactional', () => {
  assert.equal(
    stepJson({ kind: 'precondition', id: 'p', title: 'check precondition2.sql', reason: 'guards update2.sql', script: 'precondition2.sql', version: '2' }),
    { kind: 'precondition', id: 'p', title: 'check precondition2.sql', reason: 'guards update2.sql', script: 'precondition2.sql', version: '2' },
  );
});

test('stepJson: create-database names the database, create-ledger the ledger', () => {
  assert.equal(stepJson({ kind: 'create-database', id: 'a', title: 't', reason: 'r', database: 'db' }), { kind: 'create-database', id: 'a', title: 't', reason: 'r', database: 'db' });
  assert.equal(stepJson({ kind: 'create-ledger', id: 'b', title: 't', reason: 'r', table: { schema: 'pgv', name: 'upgrades' } }), { kind: 'create-ledger', id: 'b', title: 't', reason: 'r', ledger: 'pgv.upgrades' });
});

test('renderPlanJson: parts with versions, steps and changed scripts, as plain JSON', () => {
  const plan: Plan = {
    parts: [
      {
        name: 'app', database: 'appdb', recipe: 'schema', ledger: { schema: 'pgv', name: 'upgrades' }, current: null, target: '3', after: ['base'], replan: { planner: 'apply', accept: [], to: '3' },
        steps: [{ kind: 'create-ledger', id: 'app:create-ledger', title: 'create ledger pgv.upgrades', reason: 'first run on this database', table: { schema: 'pgv', name: 'upgrades' } }],
        changed: [{ version: '1', script: 'update1.sql', change: 'modified' }],
      },
    ],
  };
  const json = renderPlanJson(plan);
  assert.equal(json, {
    parts: [
      {
        name: 'app', database: 'appdb', recipe: 'schema', ledger: 'pgv.upgrades', current: null, target: '3', replan: { planner: 'apply', accept: [], to: '3' },
        steps: [{ kind: 'create-ledger', id: 'app:create-ledger', title: 'create ledger pgv.upgrades', reason: 'first run on this database', ledger: 'pgv.upgrades' }],
        changed: [{ version: '1', script: 'update1.sql', change: 'modified' }],
      },
    ],
  });
  assert.equal(JSON.parse(JSON.stringify(json)), json);
});

test('renderPlanJson of an empty plan', () => {
  assert.equal(renderPlanJson({ parts: [] }), { parts: [] });
});

test.run();
