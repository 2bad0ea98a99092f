/** The deltas recipe's pure parts: file names, placeholders, globs, what is pending. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Part } from '../../lib/config/types.js';
import { classifyDeltaFiles } from '../../lib/recipes/deltas.js';
import { fillPlaceholders } from '../../lib/recipes/variables.js';
import type { Variable } from '../../lib/config/types.js';
import type { Script, ScriptSet } from '../../lib/recipes/types.js';
import { deltaStatus, planDeltasPart } from '../../lib/plan/plan-deltas-part.js';
import { buildPlan } from '../../lib/plan/plan.js';
import type { ObservedPart } from '../../lib/plan/types.js';
import { prepareScript } from '../../lib/sql/script.js';
import { globToRegExp } from '../../lib/util/glob.js';
import { compareVersions } from '../../lib/util/versions.js';

test('delta file names: versions compare as numbers, pre/main/post in order, .py deltas among them, bad names named', () => {
  const files = classifyDeltaFiles(
    ['delta_10.0.0.sql', 'delta_2.0.0_b.sql', 'delta_2.0.0_a.post.sql', 'delta_2.0.0_a.pre.sql', 'post-all.sql', 'pre-all.sql', 'delta_1.2.10_x.sql', 'delta_1.2.9.sql', 'notes.txt', 'delta_3.0.0.py', 'delta_3.0.0.pre.py', 'README.md', 'delta_1.0.sql', 'delta_3.0.0.pyc'],
    ['*.md'],
  );
  assert.equal(files.deltas.map((d) => d.name), ['delta_1.0.sql', 'delta_1.2.9.sql', 'delta_1.2.10_x.sql', 'delta_2.0.0_a.pre.sql', 'delta_2.0.0_b.sql', 'delta_2.0.0_a.post.sql', 'delta_3.0.0.pre.py', 'delta_3.0.0.py', 'delta_10.0.0.sql']);
  assert.equal(files.deltas.map((d) => d.phase), ['delta', 'delta', 'delta', 'pre', 'delta', 'post', 'pre', 'delta', 'delta']);
  assert.is(files.deltas[2]!.description, 'x');
  assert.is(files.preAll, 'pre-all.sql');
  assert.is(files.postAll, 'post-all.sql');
  assert.equal(files.problems, [
    'notes.txt: not a delta file name (delta_<x.y.z>[_description][.pre|.post].sql or .py, pre-all.sql, post-all.sql); rename it, or list it in ignore_files',
    'delta_3.0.0.pyc: not a delta file name (delta_<x.y.z>[_description][.pre|.post].sql or .py, pre-all.sql, post-all.sql); rename it, or list it in ignore_files',
  ]);
  assert.equal(classifyDeltaFiles(['delta_1.0.0.sql', 'pre-all.py'], []).preAll, 'pre-all.py');
  assert.equal(classifyDeltaFiles(['delta_1.0.0.sql', 'pre-all.py', 'pre-all.sql'], []).problems, ['pre-all.py and pre-all.sql: one pre-all script per directory; merge them into one']);
});

test('compareVersions: any number of components, any length', () => {
  assert.is(compareVersions('10.0.0', '2.0.0'), 1);
  assert.is(compareVersions('1.2.10', '1.2.9'), 1);
  assert.is(compareVersions('1.2', '1.2.0'), 0);
  assert.is(compareVersions('2024.01.15', '2024.1.16'), -1);
});

test('globs: *, ?, [..], {a,b}; a whole-name match', () => {
  assert.ok(globToRegExp('*.md').test('README.md'));
  assert.not.ok(globToRegExp('*.md').test('README.md.bak'));
  assert.ok(globToRegExp('test_?.sql').test('test_1.sql'));
  assert.ok(globToRegExp('{README,LICENSE}*').test('LICENSE.txt'));
  assert.ok(globToRegExp('[ab].sql').test('b.sql'));
  assert.not.ok(globToRegExp('a.sql').test('abs.sql'), 'the dot is literal');
});

const text = (value: string): Variable => ({ type: 'text', value });
const int = (value: string): Variable => ({ type: 'int', value });

test("placeholders: :'x' is a literal, :\"x\" an identifier; strings, comments, casts and dollar quotes untouched", () => {
  const sql = "SELECT :'name', :\"tbl\", 'keep :''name''', 1::int, $$ :'name' $$; -- :'name'\n";
  const out = fillPlaceholders(sql, { values: { name: text("o'hara"), tbl: text('My Table') }, pum: false });
  assert.equal(out.problems, []);
  assert.is(out.text, "SELECT 'o''hara', \"My Table\", 'keep :''name''', 1::int, $$ :'name' $$; -- :'name'\n");
});

test('placeholders: an undefined variable is a problem with its line; pum %(x)s and %% only when asked', () => {
  const missing = fillPlaceholders("SELECT 1;\nSELECT :'nope';\n", { values: { a: text('1') }, pum: false });
  assert.equal(missing.problems, [{ line: 2, message: ":'nope' is not defined (the part's variables: a)" }]);
  const pum = "SELECT %(srid)s, 'a %% b', %(missing)s;";
  assert.is(fillPlaceholders(pum, { values: { srid: text('2056') }, pum: false }).text, pum);
  const filled = fillPlaceholders(pum, { values: { srid: text('2056') }, pum: true });
  assert.is(filled.text, "SELECT '2056', 'a % b', %(missing)s;");
  assert.equal(filled.problems, [{ line: 1, message: "%(missing)s is not defined (the part's variables: srid)" }]);
});

test('typed variables: %(x)s renders a number unquoted and text quoted, as psycopg does; :x as it is, as psql does', () => {
  const values = { my_field_length: int('20'), ratio: { type: 'float', value: '0.5' } as Variable, who: text("o'hara"), tbl: { type: 'identifier', value: 'My Table' } as Variable };
  const pum = fillPlaceholders('ALTER TABLE t ALTER COLUMN c TYPE varchar(%(my_field_length)s); SELECT %(ratio)s, %(who)s; SELECT * FROM %(tbl)s;', { values, pum: true });
  assert.is(pum.text, `ALTER TABLE t ALTER COLUMN c TYPE varchar(20); SELECT 0.5, 'o''hara'; SELECT * FROM "My Table";`);
  const psql = fillPlaceholders("SELECT :my_field_length, :'my_field_length', :\"who\", :who, :undefined_one, 1::int, ':who' FROM :tbl;", { values, pum: false });
  assert.equal(psql.problems, [], 'an undefined :name stays as written, as psql leaves it');
  assert.is(psql.text, `SELECT 20, '20', "o'hara", o'hara, :undefined_one, 1::int, ':who' FROM "My Table";`);
});

const part: Part = {
  name: 'd', recipe: 'deltas', dbname: 'ddb', connection: {}, directory: '/p/d', upgradesTable: { schema: 'pgv', name: 'upgrades' },
  ignore: [], excludeSchemas: [], excludeColumns: [], create: false, snapshot: false, after: [], ignoreFiles: [], variables: {},
  pumPlaceholders: false, reference: [], ddlLockTimeoutMs: 0, hookTimeoutMs: 60_000,
};
const script = (name: string, version: string, kind: Script['kind']): Script => ({ name, path: `/p/d/${name}`, version, kind, checksum: `sha-${name}`, md5: `md5-${name}`, prepared: prepareScript('SELECT 1;') });
const set: ScriptSet = {
  directory: '/p/d',
  updates: [script('delta_1.0.0.sql', '1.0.0', 'delta'), script('delta_1.1.0.pre.sql', '1.1.0', 'pre'), script('delta_1.1.0.sql', '1.1.0', 'delta'), script('delta_1.1.0.post.sql', '1.1.0', 'post'), script('delta_2.0.0.sql', '2.0.0', 'delta')],
  preAll: script('pre-all.sql', '2.0.0', 'pre-all'),
  postAll: script('post-all.sql', '2.0.0', 'post-all'),
  preconditions: new Map(),
  latest: '2.0.0',
};
type Row = ObservedPart['ledger']['rows'][number];
const row = (script: string, version: string, kind: string, over: Partial<Row> = {}): Row => ({
  id: 0, version, script, kind, checksum: `sha-${script}`, installedBy: 'u', installedAt: 't', durationMs: 1, success: true, pgvVersion: '0', ...over,
});
const observed = (rows: Row[], style: 'pgv' | 'pum' = 'pgv'): ObservedPart => ({ exists: true, ledger: { exists: true, style, format: 1, rows }, userTables: 1 });

test('a baseline: deltas at or above it are pending (pum: "greater or equal"); unrecorded ones below are skipped, not run', () => {
  const status = deltaStatus(observed([row('baseline', '1.1.0', 'baseline', { checksum: null })]), set, '1.1.0');
  assert.equal(status.pending.map((s) => s.name), ['delta_1.1.0.pre.sql', 'delta_1.1.0.sql', 'delta_1.1.0.post.sql', 'delta_2.0.0.sql']);
  assert.equal(status.skipped.map((s) => s.name), ['delta_1.0.0.sql']);
  const plan = planDeltasPart(part, observed([row('baseline', '1.1.0', 'baseline', { checksum: null })]), set, 'pgv.upgrades');
  assert.is(plan.steps.find((s) => s.title === 'run delta_1.1.0.sql')?.reason, 'at version 1.1.0 and not recorded (deltas at the current version are due, as in pum)');
});

test('recorded deltas never run again, whatever their version', () => {
  const all = observed([row('baseline', '1.0.0', 'baseline', { checksum: null }), row('delta_1.0.0.sql', '1.0.0', 'delta'), row('delta_1.1.0.pre.sql', '1.1.0', 'pre'), row('delta_1.1.0.sql', '1.1.0', 'delta')]);
  assert.equal(deltaStatus(all, set, '1.1.0').pending.map((s) => s.name), ['delta_1.1.0.post.sql', 'delta_2.0.0.sql']);
});

test('a failed post script after its main delta is still due; a pre that ran before a failed main does not move the version', () => {
  const postFailed = observed([row('delta_1.0.0.sql', '1.0.0', 'delta'), row('delta_1.1.0.pre.sql', '1.1.0', 'pre'), row('delta_1.1.0.sql', '1.1.0', 'delta')]);
  assert.equal(deltaStatus(postFailed, set, '1.1.0').pending.map((s) => s.name), ['delta_1.1.0.post.sql', 'delta_2.0.0.sql']);
  const mainFailed = observed([row('delta_1.0.0.sql', '1.0.0', 'delta'), row('delta_1.1.0.pre.sql', '1.1.0', 'pre')]);
  const plan = planDeltasPart(part, mainFailed, set, 'pgv.upgrades');
  assert.is(plan.current, '1.0.0');
  assert.equal(plan.steps.map((s) => s.title), ['run pre-all.sql', 'run delta_1.1.0.sql', 'run delta_1.1.0.post.sql', 'run delta_2.0.0.sql', 'run post-all.sql']);
  assert.is(plan.target, '2.0.0');
});

test('pre-all/post-all only around an upgrade that runs deltas; --to stops at a version', () => {
  const all = ['delta_1.0.0.sql', 'delta_1.1.0.pre.sql', 'delta_1.1.0.sql', 'delta_1.1.0.post.sql', 'delta_2.0.0.sql'].map((n, k) => row(n, ['1.0.0', '1.1.0', '1.1.0', '1.1.0', '2.0.0'][k]!, n.includes('pre') ? 'pre' : n.includes('post') ? 'post' : 'delta'));
  assert.equal(planDeltasPart(part, observed([...all, row('post-all.sql', '2.0.0', 'post-all')]), set, 'pgv.upgrades').steps, []);
  // Without a post-all row after the last delta, the last upgrade did not finish: pre-all and post-all run again.
  assert.equal(planDeltasPart(part, observed(all), set, 'pgv.upgrades').steps.map((s) => s.title), ['run pre-all.sql', 'run post-all.sql']);
  assert.equal(planDeltasPart(part, observed(all, 'pum'), set, 'pgv.upgrades').steps, [], 'a pum ledger has no post-all rows');
  const to = planDeltasPart(part, { ...observed([]), userTables: 0 }, set, 'pgv.upgrades', { to: '1.1.0' });
  assert.equal(to.steps.map((s) => s.title), ['run pre-all.sql', 'run delta_1.0.0.sql', 'run delta_1.1.0.pre.sql', 'run delta_1.1.0.sql', 'run delta_1.1.0.post.sql', 'run post-all.sql']);
  assert.is(to.target, '1.1.0');
});

test('a pum ledger: applied by version, phase and md5 even under another file name; changed files compare md5', () => {
  const pum = observed([row('baseline', '1.0.0', 'baseline', { checksum: null }), row('delta_1.1.0_old_name.sql', '1.1.0', 'delta', { checksum: 'md5-delta_1.1.0.sql' })], 'pum');
  const plan = buildPlan([{ part, observed: pum, scripts: set }]).parts[0]!;
  // The pre script of 1.1.0 was never recorded and is at the current version: due, as pum runs it.
  assert.equal(plan.steps.map((s) => s.title), ['run pre-all.sql', 'run delta_1.1.0.pre.sql', 'run delta_1.1.0.post.sql', 'run delta_2.0.0.sql', 'run post-all.sql']);
  assert.equal(plan.changed, [{ version: '1.1.0', script: 'delta_1.1.0_old_name.sql', change: 'missing' }]);
});

test('a pum 0.10 ledger: applied by version, phase, language and description (its "already applied"), checksum aside', () => {
  const described = { ...script('delta_1.1.0_roles.sql', '1.1.0', 'delta'), description: 'roles' };
  const scripts: ScriptSet = { ...set, updates: [set.updates[0]!, described, set.updates[4]!] };
  const rows = [
    row('baseline', '1.0.0', 'baseline', { checksum: null }),
    row('delta_1.1.0_roles.sql', '1.1.0', 'delta', { checksum: 'an older md5', description: 'roles', python: false }),
  ];
  const status = deltaStatus(observed(rows, 'pum'), scripts, '1.1.0');
  assert.equal(status.pending.map((s) => s.name), ['delta_2.0.0.sql']);
  const python = [rows[0]!, { ...rows[1]!, script: 'delta_1.1.0_roles.py', python: true }];
  assert.equal(deltaStatus(observed(python, 'pum'), scripts, '1.1.0').pending.map((s) => s.name), ['delta_1.1.0_roles.sql', 'delta_2.0.0.sql'], 'a .py row is not the .sql delta');
});

test('the version of a pum table counts pre and post rows, as pum does; pgv ledgers do not', () => {
  const rows = [row('delta_1.0.0.sql', '1.0.0', 'delta'), row('delta_1.1.0.pre.sql', '1.1.0', 'pre')];
  assert.is(planDeltasPart(part, observed(rows, 'pum'), set, 'x').current, '1.1.0');
  assert.is(planDeltasPart(part, observed(rows, 'pgv'), set, 'x').current, '1.0.0');
});

test.run();
