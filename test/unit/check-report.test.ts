/** The check reports: text (grouped by kind, both sides of a change) and JSON; the text diff helpers. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Comparison } from '../../lib/check/model.js';
import { validateAgainst } from '../../lib/config/validate.js';
import { renderCheckJson } from '../../lib/report/check-json.js';
import { renderCheckText } from '../../lib/report/check-text.js';
import { changedSpan, collapseUnchanged, diffLines } from '../../lib/report/text-diff.js';

const comparison: Comparison = {
  identical: false,
  differences: [
    { kind: 'tables', name: 'public.legacy', change: 'only-in-1', db1: { type: 'table' } },
    { kind: 'columns', name: 'public.orders.note', change: 'different', db1: { type: 'character varying(100)', not_null: false }, db2: { type: 'character varying(200)', not_null: false } },
    { kind: 'constraints', name: 'public.orders.orders_qty_check', change: 'different', db1: { type: 'check', definition: 'CHECK (qty > 0)' }, db2: { type: 'check', definition: 'CHECK (qty >= 0)' } },
    {
      kind: 'functions', name: 'public.f()', change: 'different',
      db1: { kind: 'function', definition: 'CREATE FUNCTION public.f()\n RETURNS integer\nAS $$\nSELECT 1\n$$' },
      db2: { kind: 'function', definition: 'CREATE FUNCTION public.f()\n RETURNS integer\nAS $$\nSELECT 2\n$$' },
    },
    { kind: 'types', name: 'public.mood', change: 'different', db1: { type: 'enum', labels: ['sad', 'happy'] }, db2: { type: 'enum', labels: ['sad', 'ok', 'happy'] } },
    { kind: 'extensions', name: 'cube', change: 'only-in-2', db2: { version: '1.5', schema: 'public' } },
  ],
  summary: [
    { kind: 'tables', db1: 2, db2: 1, onlyIn1: 1, onlyIn2: 0, different: 0 },
    { kind: 'columns', db1: 3, db2: 3, onlyIn1: 0, onlyIn2: 0, different: 1 },
    { kind: 'constraints', db1: 1, db2: 1, onlyIn1: 0, onlyIn2: 0, different: 1 },
    { kind: 'functions', db1: 1, db2: 1, onlyIn1: 0, onlyIn2: 0, different: 1 },
    { kind: 'types', db1: 1, db2: 1, onlyIn1: 0, onlyIn2: 0, different: 1 },
    { kind: 'extensions', db1: 1, db2: 2, onlyIn1: 0, onlyIn2: 1, different: 0 },
  ],
};

test('text: grouped by kind with counts; both sides of each changed property; carets under the change', () => {
  const text = renderCheckText(comparison, { db1: 'u@h:5432/a', db2: 'u@h:5432/b', verbose: false });
  assert.fixture(
    text,
    [
      'db1: u@h:5432/a',
      'db2: u@h:5432/b',
      '(- only in db1, + only in db2, ~ different: the differing properties of both)',
      '',
      'tables: 1 only in db1',
      '  - public.legacy',
      '',
      'columns: 1 different',
      '  ~ public.orders.note',
      '      type:',
      '        db1: character varying(100)',
      '        db2: character varying(200)',
      '                               ^',
      '',
      'constraints: 1 different',
      '  ~ public.orders.orders_qty_check',
      '      definition:',
      '        db1: CHECK (qty > 0)',
      '        db2: CHECK (qty >= 0)',
      '                         ^',
      '',
      'functions: 1 different',
      '  ~ public.f()',
      '      definition:',
      '        (- db1, + db2)',
      '          CREATE FUNCTION public.f()',
      '           RETURNS integer',
      '          AS $$',
      '        - SELECT 1',
      '        + SELECT 2',
      '          $$',
      '',
      'types: 1 different',
      '  ~ public.mood',
      '      labels:',
      '        (- db1, + db2)',
      '          sad',
      '        + ok',
      '          happy',
      '',
      'extensions: 1 only in db2',
      '  + cube',
      '',
      'kind         db1  db2  only in db1  only in db2  different',
      'tables         2    1            1            0          0',
      'columns        3    3            0            0          1',
      'constraints    1    1            0            0          1',
      'functions      1    1            0            0          1',
      'types          1    1            0            0          1',
      'extensions     1    2            0            1          0',
      '',
      'Different: 6 differences in 6 kinds.',
      'Not compared: schemas, views, materialized_views, sequences, indexes, triggers, rules, policies, privileges, comments (opt-in kinds: --include privileges,comments).',
    ].join('\n'),
  );
});

test('text, verbose: objects on one side show their definition', () => {
  const text = renderCheckText(comparison, { db1: 'a', db2: 'b', verbose: true });
  assert.match(text, '  + cube\n      version: 1.5\n      schema: public\n');
});

test('text: identical', () => {
  const text = renderCheckText({ identical: true, differences: [], summary: [{ kind: 'tables', db1: 3, db2: 3, onlyIn1: 0, onlyIn2: 0, different: 0 }] }, { db1: 'a', db2: 'b', verbose: false });
  assert.match(text, 'Identical: 3 objects in 1 kind compared.');
  assert.not.match(text, '(- only in db1');
});

test('text: a property on one side only reads (none) on the other', () => {
  const text = renderCheckText(
    { identical: false, differences: [{ kind: 'columns', name: 'public.t.a', change: 'different', db1: { type: 'int', default: '0' }, db2: { type: 'int' } }], summary: [{ kind: 'columns', db1: 1, db2: 1, onlyIn1: 0, onlyIn2: 0, different: 1 }] },
    { db1: 'a', db2: 'b', verbose: false },
  );
  assert.match(text, '      default:\n        db1: 0\n        db2: (none)\n');
});

test('text: a long text keeps three lines around each change; -v shows it whole', () => {
  const body = (n: number) => Array.from({ length: 30 }, (_, i) => (i === 15 ? `  RETURN ${n};` : `  -- line ${i}`)).join('\n');
  const long: Comparison = {
    identical: false,
    differences: [{ kind: 'functions', name: 'public.f()', change: 'different', db1: { definition: body(1) }, db2: { definition: body(2) } }],
    summary: [{ kind: 'functions', db1: 1, db2: 1, onlyIn1: 0, onlyIn2: 0, different: 1 }],
  };
  const text = renderCheckText(long, { db1: 'a', db2: 'b', verbose: false });
  assert.match(text, '          … 12 unchanged lines\n            -- line 12\n            -- line 13\n            -- line 14\n        -   RETURN 1;\n        +   RETURN 2;\n            -- line 16\n            -- line 17\n            -- line 18\n          … 11 unchanged lines\n');
  const whole = renderCheckText(long, { db1: 'a', db2: 'b', verbose: true });
  assert.match(whole, '            -- line 0\n');
  assert.not.match(whole, 'unchanged lines');
});

test('JSON: the documented shape, valid against schemas/pgv.check.schema.json', () => {
  const json = renderCheckJson(comparison, { db1: 'u@h:5432/a', db2: 'u@h:5432/b' }) as Record<string, any>;
  assert.equal(Object.keys(json), ['identical', 'databases', 'kinds', 'summary', 'differences']);
  assert.equal(json.differences[0], { kind: 'tables', name: 'public.legacy', change: 'only-in-1', db1: { type: 'table' } });
  assert.equal(json.summary[0], { kind: 'tables', db1: 2, db2: 1, only_in_1: 1, only_in_2: 0, different: 0 });
  assert.equal(validateAgainst('pgv.check.schema.json', json), []);
});

test('the JSON schema rejects a difference without the definition its change needs', () => {
  const bad = { identical: false, differences: [{ kind: 'tables', name: 'x', change: 'different', db1: {} }] };
  assert.ok(validateAgainst('pgv.check.schema.json', bad).length > 0);
  const wrongKind = { identical: true, differences: [{ kind: 'table', name: 'x', change: 'only-in-1', db1: {} }] };
  assert.ok(validateAgainst('pgv.check.schema.json', wrongKind).length > 0);
});

test('diffLines: common lines kept, changes as - then +', () => {
  assert.equal(diffLines(['a', 'b', 'c'], ['a', 'x', 'c']), [
    { op: ' ', text: 'a' },
    { op: '-', text: 'b' },
    { op: '+', text: 'x' },
    { op: ' ', text: 'c' },
  ]);
  assert.equal(diffLines(['a', 'b'], ['b', 'a']).map((l) => l.op + l.text), ['-a', ' b', '+a']);
  assert.equal(diffLines([], ['x']), [{ op: '+', text: 'x' }]);
  assert.equal(diffLines(['same'], ['same']), [{ op: ' ', text: 'same' }]);
});

test('collapseUnchanged: long unchanged runs become one marker, context kept around changes', () => {
  const lines = diffLines(['1', '2', '3', '4', '5', '6', '7', '8', '9'], ['1', '2', '3', '4', '5', '6', '7', '8', 'X']);
  assert.equal(collapseUnchanged(lines, 2).map((l) => l.op + l.text), [' … 6 unchanged lines', ' 7', ' 8', '-9', '+X']);
  const short = diffLines(['1', '2'], ['1', '3']);
  assert.equal(collapseUnchanged(short, 2), short);
});

test('changedSpan: the differing middle of the second text', () => {
  assert.equal(changedSpan('CHECK (qty > 0)', 'CHECK (qty >= 0)'), [12, 13]);
  assert.equal(changedSpan('integer', 'bigint'), [0, 6]);
  assert.equal(changedSpan('abc', 'ac'), [1, 1]);
  assert.equal(changedSpan('same', 'same'), [4, 4]);
});

test.run();
