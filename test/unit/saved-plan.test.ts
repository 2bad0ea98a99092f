/** Saved plans' pure core: fingerprints, what moved, the document hash; and the Markdown renderers. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Catalog } from '../../lib/check/model.js';
import type { Finding } from '../../lib/lint/lint.js';
import type { PartPlan } from '../../lib/plan/types.js';
import { readFileSync } from 'node:fs';
import { canonicalJson, catalogMoves, catalogPrint, documentHash, ledgerMoves, ledgerState, scriptMoves, settingsDifferences, type PartSettings } from '../../lib/run/fingerprint.js';
import { schemaPath } from '../../lib/util/paths.js';
import { renderPlanMarkdown } from '../../lib/report/plan-markdown.js';
import { renderCheckMarkdown } from '../../lib/report/check-markdown.js';
import { renderLintMarkdown } from '../../lib/report/lint-markdown.js';
import { cell, code } from '../../lib/report/markdown.js';
import { renderTraceMarkdown } from '../../lib/report/trace-markdown.js';

const table = (name: string, def: Record<string, string>) => ({ kind: 'tables' as const, name, schema: 'public', definition: def });

test('canonical JSON sorts keys at every level, so the document hash ignores key order', () => {
  assert.is(canonicalJson({ b: 1, a: [{ d: 2, c: null }] }), '{"a":[{"c":null,"d":2}],"b":1}');
  assert.is(documentHash({ x: 1, y: { a: 1, b: 2 }, hash: 'ignored' }), documentHash({ y: { b: 2, a: 1 }, x: 1 }));
  assert.is.not(documentHash({ x: 1 }), documentHash({ x: 2 }));
});

test('script moves name each changed, removed and added file', () => {
  assert.equal(scriptMoves({ 'a.sql': 'aa'.repeat(32), 'b.sql': 'bb' }, { 'a.sql': 'cc'.repeat(32), 'c.sql': 'dd' }), [
    `script file a.sql changed (sha256 ${'aa'.repeat(6)} → ${'cc'.repeat(6)})`,
    'script file b.sql was removed',
    'script file c.sql was added',
  ]);
  assert.equal(scriptMoves({ 'a.sql': 'x' }, { 'a.sql': 'x' }), []);
});

test('ledger moves name rows gained, lost and rewritten', () => {
  const row = (id: number, script: string, success = true) => ({ id, version: String(id), script, kind: 'update', checksum: 'c', success });
  assert.equal(ledgerMoves([row(1, 'update1.sql')], [row(1, 'update1.sql')]), []);
  assert.equal(ledgerMoves([row(1, 'update1.sql')], [row(1, 'update1.sql'), row(2, 'update2.sql')]), ['the ledger gained row 2 (update update2.sql at version 2): another apply or baseline ran since the plan']);
  assert.equal(ledgerMoves([row(1, 'update1.sql'), row(2, 'update2.sql')], [row(1, 'update1.sql')]), ['the ledger lost row 2 (update update2.sql at version 2)']);
  assert.equal(ledgerMoves([row(1, 'update1.sql')], [row(1, 'update1.sql', false)]), ['the ledger\'s row 1 (update update1.sql at version 1) now reads row 1 (update update1.sql at version 1, failed)']);
});

test('catalog moves name objects added, dropped and changed, by kind, from hashes alone', () => {
  const before: Catalog = new Map([['tables', [table('public.a', { x: '1' }), table('public.b', { x: '1' })]]]);
  const after: Catalog = new Map([['tables', [table('public.a', { x: '2' }), table('public.c', { x: '1' })]]]);
  assert.equal(catalogMoves(catalogPrint(before), catalogPrint(before)), []);
  assert.equal(catalogMoves(catalogPrint(before), catalogPrint(after)), [
    'tables: public.a changed by hand since the plan',
    'tables: public.b dropped by hand since the plan',
    'tables: public.c added by hand since the plan',
  ]);
  // The ledger gained rows: their scripts may have made the change, so it is not called "by hand".
  assert.equal(catalogMoves(catalogPrint(before), catalogPrint(after), true)[2], 'tables: public.c added since the plan');
  assert.equal(catalogMoves(null, catalogPrint(before)), ['the database was created since the plan']);
  assert.equal(catalogMoves(null, null), []);
});

test('the ledger against the plan: untouched, its own steps all (applied) or first ones (partly), or moved', () => {
  const row = (id: number, script: string, success = true) => ({ id, version: script.replace(/\D/g, ''), script, kind: 'update', checksum: `sum-${script}`, success });
  const planned = ['update2.sql', 'update3.sql'].map((script) => ({ script, version: script.replace(/\D/g, ''), checksum: `sum-${script}` }));
  const saved = [row(1, 'update1.sql')];
  assert.equal(ledgerState(saved, saved, planned), { kind: 'untouched' });
  assert.equal(ledgerState(saved, [...saved, row(2, 'update2.sql'), row(3, 'update3.sql')], planned), { kind: 'applied', rows: [2, 3] });
  assert.equal(ledgerState(saved, [...saved, row(2, 'update2.sql')], planned), { kind: 'partly', rows: [2], of: 2, next: 'update3.sql' });
  assert.equal(ledgerState(saved, [...saved, row(2, 'update2.sql'), row(3, 'update3.sql', false)], planned), { kind: 'partly', rows: [2, 3], of: 2, failed: 'update3.sql' });
  // Not the plan's: another checksum, another order, a row more, a saved row lost or rewritten, a failure before the end.
  assert.equal(ledgerState(saved, [...saved, { ...row(2, 'update2.sql'), checksum: 'other' }], planned).kind, 'moved');
  assert.equal(ledgerState(saved, [...saved, row(2, 'update3.sql')], planned).kind, 'moved');
  assert.equal(ledgerState(saved, [...saved, row(2, 'update2.sql'), row(3, 'update3.sql'), row(4, 'update4.sql')], planned).kind, 'moved');
  assert.equal(ledgerState(saved, [row(2, 'update2.sql'), row(3, 'update3.sql')], planned).kind, 'moved');
  assert.equal(ledgerState(saved, [row(1, 'update1.sql', false), row(2, 'update2.sql'), row(3, 'update3.sql')], planned).kind, 'moved');
  assert.equal(ledgerState(saved, [...saved, row(2, 'update2.sql', false), row(3, 'update3.sql')], planned).kind, 'moved');
  assert.equal(ledgerState(saved, [...saved, row(2, 'update2.sql')], []).kind, 'moved');
});

test('settings differences: each setting with the plan\'s value and the config\'s; variables by name, values never shown', () => {
  const base: PartSettings = {
    recipe: 'schema', dbname: 'r1_app', upgrades_table: 'pgv.upgrades', directory: 'db/app', ignore_files: [], variables: { types: { len: 'int' }, values_sha256: 'a'.repeat(64) },
    pum_placeholders: false, after: [], create: false, ignore: [], exclude_schemas: [], exclude_columns: [],
  };
  assert.equal(settingsDifferences(base, base), []);
  assert.equal(settingsDifferences(base, { ...base, dbname: 'r1_nodb', after: ['core'], create: true }), ['dbname: r1_app → r1_nodb', 'after: [] → [core]', 'create: false → true']);
  assert.equal(settingsDifferences(base, { ...base, variables: { types: { len: 'int' }, values_sha256: 'b'.repeat(64) } }), ['variables: the value of len differs (the plan keeps a hash of the values, not the values)']);
  assert.equal(settingsDifferences(base, { ...base, variables: { types: { len: 'text', role: 'identifier' }, values_sha256: 'b'.repeat(64) } }), [
    'variables: len is of type int in the plan\'s config, text in this one',
    'variables: role is set in this config, not in the plan\'s',
  ]);
});

test('the saved plan\'s parts[].trace is described exactly as pgv trace --json\'s trace (one shape, two schemas kept identical)', () => {
  const read = (f: string) => JSON.parse(readFileSync(schemaPath(f), 'utf8'));
  const { $schema: _s, $id: _i, title: _t, description: _d, ...trace } = read('pgv.trace.schema.json');
  const { description: _d2, ...inSaved } = read('pgv.saved-plan.schema.json').definitions.trace;
  assert.equal(inSaved, trace);
});

const finding: Finding = { file: 'schema/update2.sql', line: 3, column: 1, rule: 'require-concurrent-index-creation', level: 'warning', message: 'CREATE INDEX | locks writes', why: 'w', fix: 'CREATE INDEX CONCURRENTLY' };

test('plan markdown: a heading and a step table per part, lint findings in their row, pipes escaped', () => {
  const part: PartPlan = {
    name: 'app', database: 'appdb', recipe: 'schema', ledger: { schema: 'pgv', name: 'upgrades' }, current: '1', target: '2', changed: [], after: [], replan: { planner: 'apply', accept: [] },
    steps: [{ kind: 'run-script', id: 'app:run-script:update2.sql', title: 'run update2.sql', reason: 'generation 1 -> 2', script: 'update2.sql', version: '2', scriptKind: 'update', transactional: true, checksum: 'c', ledger: { schema: 'pgv', name: 'upgrades' } }],
  };
  const md = renderPlanMarkdown({ parts: [part, { ...part, name: 'other', steps: [], current: '4' }] }, new Map([['app:run-script:update2.sql', [finding]]]));
  assert.equal(md.split('\n'), [
    '## pgv plan', '', '1 step pending.', '',
    '### app (`appdb`): version 1 → 2', '',
    '| # | step | why | lint |', '| --- | --- | --- | --- |',
    '| 1 | run update2.sql | generation 1 → 2 | :warning: require-concurrent-index-creation (3:1): CREATE INDEX \\| locks writes |',
    '', '### other (`appdb`): up to date at version 4',
  ]);
  assert.match(renderPlanMarkdown({ parts: [] }), 'Nothing to do');
});

test('check and lint markdown: tables by kind and by file', () => {
  const check = renderCheckMarkdown(
    { identical: false, differences: [{ kind: 'tables', name: 'public.x', change: 'only-in-2' }], summary: [{ kind: 'tables', db1: 1, db2: 2, onlyIn1: 0, onlyIn2: 1, different: 0 }] },
    { db1: 'a', db2: 'b' },
  );
  assert.match(check, '| tables | 1 | 2 | 0 | 1 | 0 |');
  assert.match(check, '| tables | public.x | only in db2 |');
  const lint = renderLintMarkdown([finding], 2);
  assert.match(lint, '### `schema/update2.sql`');
  assert.match(lint, '| 3:1 | :warning: warning | `require-concurrent-index-creation` | CREATE INDEX \\| locks writes | CREATE INDEX CONCURRENTLY |');
  assert.match(renderLintMarkdown([], 3), '3 scripts linted: no findings.');
  assert.is(cell('a|b\nc'), 'a\\|b<br>c');
  assert.is(code('a`b'), '`` a`b ``');
});

test('trace markdown: statements worst first, strong locks with hold times, rewrites, policy violations', () => {
  const md = renderTraceMarkdown(
    'app',
    { database: 'app_copy', durationMs: 12, statements: [{ script: 'update2.sql', line: 1, text: 'ALTER TABLE item ALTER qty TYPE bigint', durationMs: 10, sampled: false, locks: [{ mode: 'AccessExclusiveLock', relation: 'public.item', kind: 'r', sizeBytes: 8192, rowsEstimate: 10, heldMs: 11 }], rewrites: [{ relation: 'public.item', kind: 'r', sizeBytes: 8192 }] }] },
    [{ script: 'update2.sql', line: 1, mode: 'AccessExclusiveLock', relation: 'public.item', heldMs: 11, limitMs: 5 }],
  );
  assert.match(md, '## pgv trace: app');
  assert.match(md, /\| update2\.sql:1 \| `ALTER TABLE item ALTER qty TYPE bigint` \| 10 ms \| \*\*11 ms\*\* \| AccessExclusiveLock on public\.item \(11 ms\) \| public\.item \|/);
  assert.match(md, '- :x: `update2.sql:1`: AccessExclusiveLock on public.item held 11 ms, over `lint.max_lock_ms.access_exclusive` = 5 ms');
});

test.run();
