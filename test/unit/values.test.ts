import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseDurationMs, parseQualifiedName } from '../../lib/config/values.js';

test('schema.table and a bare table in public', () => {
  assert.equal(parseQualifiedName('pgv.upgrades'), { schema: 'pgv', name: 'upgrades' });
  assert.equal(parseQualifiedName('upgrades'), { schema: 'public', name: 'upgrades' });
});

test('quoted identifiers may contain dots, spaces and doubled quotes', () => {
  assert.equal(parseQualifiedName('"My Schema"."up.grades"'), { schema: 'My Schema', name: 'up.grades' });
  assert.equal(parseQualifiedName('"a""b".c'), { schema: 'a"b', name: 'c' });
  assert.equal(parseQualifiedName('s."x"""'), { schema: 's', name: 'x"' });
  assert.equal(parseQualifiedName('"only.one"'), { schema: 'public', name: 'only.one' });
});

test('unquoted identifiers fold to lower case, as PostgreSQL reads them', () => {
  assert.equal(parseQualifiedName('Audit.Upgrades'), { schema: 'audit', name: 'upgrades' });
  assert.equal(parseQualifiedName('"Audit".Upgrades'), { schema: 'Audit', name: 'upgrades' });
});

test('more than two parts is a problem', () => {
  assert.equal(parseQualifiedName('db.s.t'), { problem: '"db.s.t" has 3 parts; write schema.table' });
});

test('empty names are problems', () => {
  for (const text of ['', '.t', 's.', 's..t', '""']) {
    const r = parseQualifiedName(text);
    assert.ok('problem' in r, text);
    if ('problem' in r) assert.match(r.problem, /has an empty name; write schema\.table$/);
  }
});

test('an unterminated quote and text after a closing quote are problems', () => {
  assert.equal(parseQualifiedName('"abc.def'), { problem: 'unterminated quoted identifier in "\\"abc.def"' });
  assert.equal(parseQualifiedName('"a"b.c'), { problem: 'unexpected "b" in "\\"a\\"b.c"; write schema.table' });
});

test("63 bytes is PostgreSQL's identifier limit, counted in bytes not characters", () => {
  const ok = 'a'.repeat(63);
  assert.equal(parseQualifiedName(`s.${ok}`), { schema: 's', name: ok });
  assert.equal(parseQualifiedName(`s.${'a'.repeat(64)}`), { problem: `"${'a'.repeat(64)}" is longer than PostgreSQL's 63-byte identifier limit` });
  // 32 two-byte characters: 32 characters but 64 bytes.
  const wide = 'é'.repeat(32);
  const r = parseQualifiedName(`"${wide}".t`);
  assert.ok('problem' in r);
  if ('problem' in r) assert.match(r.problem, /63-byte identifier limit/);
  assert.equal(parseQualifiedName(`${'é'.repeat(31)}.t`), { schema: 'é'.repeat(31), name: 't' });
});

test('parseDurationMs: units and plain numbers', () => {
  assert.is(parseDurationMs('500ms'), 500);
  assert.is(parseDurationMs('5s'), 5000);
  assert.is(parseDurationMs('2min'), 120_000);
  assert.is(parseDurationMs('1h'), 3_600_000);
  assert.is(parseDurationMs('7d'), 604_800_000);
  assert.is(parseDurationMs('250'), 250);
  assert.is(parseDurationMs(' 3 s '), 3000);
  assert.is(parseDurationMs(42), 42);
  assert.is(parseDurationMs('0'), 0);
});

test('parseDurationMs rejects other text with a RangeError naming it', () => {
  for (const bad of ['5 sec', '1.5s', '-1s', 's', '', '5m']) {
    assert.throws(() => parseDurationMs(bad), (e: unknown) => e instanceof RangeError && e.message === `not a duration: ${bad}`, bad);
  }
});

test.run();
