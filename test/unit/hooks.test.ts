/** Python hooks, the pure parts: the service entry, which steps need Python, pum 1.x's {name}. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { firstPythonHook } from '../../lib/hooks/needs.js';
import { serviceEntry } from '../../lib/hooks/python.js';
import { fillPlaceholders } from '../../lib/recipes/variables.js';
import type { ScriptSet } from '../../lib/recipes/types.js';
import type { Step } from '../../lib/plan/types.js';
import { prepareScript } from '../../lib/sql/script.js';

test('the pg_service entry names host, port, user, database, never the password', () => {
  const entry = serviceEntry('pgv', { host: '/run/pg', port: 5433, user: 'app', password: 'hunter2', dbname: 'shop', sslmode: 'no-verify', application_name: 'pgv' });
  assert.is(entry, '[pgv]\nhost=/run/pg\nport=5433\nuser=app\ndbname=shop\nsslmode=require\napplication_name=pgv\n');
  assert.not.match(entry, 'hunter2');
});

test('the first step that runs Python: a preconditionN.py or a .py delta; SQL and JS ones do not count', () => {
  const script = (name: string, python: boolean) => ({ name, path: `/d/${name}`, version: '1', kind: 'delta' as const, checksum: '', md5: '', ...(python ? { language: 'python' as const } : {}), prepared: prepareScript('') });
  const scripts: ScriptSet = {
    directory: '/d',
    updates: [script('a.sql', false), script('b.py', true)],
    preconditions: new Map([
      ['1', { name: 'precondition1.js', path: '/d/precondition1.js', version: '1', language: 'js' as const }],
      ['2', { name: 'precondition2.py', path: '/d/precondition2.py', version: '2', language: 'python' as const }],
    ]),
    latest: '1',
  };
  const run = (s: string): Step => ({ kind: 'run-script', id: s, title: s, reason: '', script: s, version: '1', scriptKind: 'delta', transactional: true, checksum: 'x', ledger: { schema: 'pgv', name: 'upgrades' } });
  const pre = (v: string): Step => ({ kind: 'precondition', id: v, title: v, reason: '', script: `precondition${v}`, version: v });
  assert.is(firstPythonHook([run('a.sql'), pre('1')], scripts), undefined);
  assert.is(firstPythonHook([run('a.sql'), pre('2'), run('b.py')], scripts), '/d/precondition2.py');
  assert.is(firstPythonHook([run('a.sql'), run('b.py')], scripts), '/d/b.py');
});

test("pum 1.x's {name}: typed values, {{ and }} for braces, comments untouched, a lone brace a problem", () => {
  const values = { SRID: { type: 'int', value: '2056' }, label: { type: 'text', value: "it's" }, on: { type: 'boolean', value: 'true' } } as const;
  const out = fillPlaceholders("-- {not} formatted\nSELECT {SRID}, {label}, {on}, '{{}}'; /* {x} */ SELECT 1; -- {y}\n", { values, pum: false, braces: true });
  assert.equal(out.problems, []);
  assert.is(out.text, "-- {not} formatted\nSELECT 2056, 'it''s', true, '{}'; /* {x} */ SELECT 1; -- {y}\n");
  const bad = fillPlaceholders("SELECT '{a'\n;SELECT {nope};\n", { values, pum: false, braces: true });
  assert.equal(bad.problems.map((p) => p.line), [1, 2]);
  assert.match(bad.problems[0]!.message, 'a lone {');
  assert.match(bad.problems[1]!.message, '{nope} is not defined');
});

test.run();
