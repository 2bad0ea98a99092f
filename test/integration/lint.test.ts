/** `pgv lint`, `plan` with findings, and `apply` refusing error-level findings: the real binary against the test cluster. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { validateAgainst } from '../../lib/config/validate.js';
import { jsonOf, makeProject, runPgv, schemaConfig, writeFiles } from '../helpers/cli.js';
import { dropDatabase, uniqueName, withDb } from '../helpers/db.js';

function project(db: string, extra = ''): string {
  const dir = makeProject('lint');
  writeFiles(dir, {
    'db/init.sql': 'CREATE TABLE orders (id int PRIMARY KEY, note text);\nCREATE INDEX orders_note_idx ON orders (note);\n',
    'db/update1.sql': 'ALTER TABLE orders ADD COLUMN qty int;\n',
    'pgv.config.yaml': schemaConfig(db, 'db', `    create: true\n${extra}`),
  });
  return dir;
}

test('lint FILE: exit 1 with an error-level finding, 0 with warnings only, 2 for a target that is neither part nor file', async () => {
  const dir = makeProject('lintf');
  writeFiles(dir, {
    'warn.sql': 'CREATE INDEX orders_note_idx ON orders (note);\n',
    'bad.sql': 'SELECT 1;\nALTER TABLE orders ADD COLUMN;\n',
  });
  const warn = await runPgv(['lint', 'warn.sql'], { cwd: dir });
  assert.is(warn.code, 0, warn.stderr);
  assert.match(warn.stdout, 'warn.sql:1:1: warning require-concurrent-index-creation: CREATE INDEX on orders without CONCURRENTLY');
  assert.match(warn.stdout, 'why: takes a SHARE lock on orders');
  assert.match(warn.stdout, 'fix: CREATE INDEX CONCURRENTLY');
  const bad = await runPgv(['lint', 'warn.sql', 'bad.sql', '--json'], { cwd: dir });
  assert.is(bad.code, 1, bad.stderr);
  const out = jsonOf(bad);
  assert.equal(validateAgainst('pgv.lint.schema.json', out), []);
  assert.equal(
    out.findings.map((f: any) => `${f.file}:${f.line}:${f.column} ${f.level} ${f.rule}`),
    ['warn.sql:1:1 warning require-concurrent-index-creation', 'bad.sql:2:30 error syntax-error'],
  );
  assert.equal([out.ok, out.scripts, out.errors, out.warnings], [false, 2, 1, 1]);
  const missing = await runPgv(['lint', 'nope.sql'], { cwd: dir });
  assert.is(missing.code, 2);
  assert.match(missing.stderr, '"nope.sql" is neither a part of the config nor a file');
});

test('lint PART lints the pending scripts only; --all every script; the part option lint: sets levels', async () => {
  const db = uniqueName('lint_part');
  const dir = project(db, '    lint:\n      rules:\n        ban-drop-column: error\n');
  try {
    assert.is((await runPgv(['apply'], { cwd: dir })).code, 0);
    writeFiles(dir, { 'db/update2.sql': '-- squawk-ignore renaming-column\nALTER TABLE orders RENAME COLUMN note TO remark;\nALTER TABLE orders DROP COLUMN qty;\n' });
    const run = await runPgv(['lint', 'app', '--json'], { cwd: dir });
    assert.is(run.code, 1, run.stderr);
    const out = jsonOf(run);
    assert.equal(out.findings.map((f: any) => `${f.file}:${f.line}:${f.column} ${f.level} ${f.rule}`), ['db/update2.sql:3:1 error ban-drop-column']);
    assert.is(out.scripts, 1, 'update1.sql is applied: not linted');
    const all = jsonOf(await runPgv(['lint', '--all', '--json'], { cwd: dir }));
    assert.is(all.scripts, 3);
    assert.is((await runPgv(['validate'], { cwd: dir })).code, 0, 'the lint: option is valid config');
    writeFiles(dir, { 'pgv.config.yaml': schemaConfig(db, 'db', '    lint:\n      rules:\n        ban-drop-colum: error\n') });
    const invalid = await runPgv(['lint', 'app'], { cwd: dir });
    assert.is(invalid.code, 2);
    assert.match(invalid.stderr, '/parts/app/lint/rules');
  } finally {
    await dropDatabase(db);
  }
});

test('plan shows the findings beside each step; apply refuses error-level findings (exit 1, nothing applied) unless --allow-lint-errors', async () => {
  const db = uniqueName('lint_apply');
  const dir = project(db);
  try {
    assert.is((await runPgv(['apply'], { cwd: dir })).code, 0);
    writeFiles(dir, {
      'db/update2.sql': 'ALTER TABLE orders ADD COLUMN ref text;\n',
      'db/update3.sql': 'CREATE INDEX CONCURRENTLY orders_ref_idx ON orders (ref);\n',
    });
    const plan = await runPgv(['plan'], { cwd: dir });
    assert.is(plan.code, 0, plan.stderr);
    assert.match(plan.stdout, /2\. run update3\.sql.*\n\s+db\/update3\.sql:1:1: error ban-concurrent-index-creation-in-transaction: CREATE INDEX CONCURRENTLY in a script that pgv runs in a transaction\n\s+why: PostgreSQL refuses CONCURRENTLY inside a transaction block/);
    const planJson = jsonOf(await runPgv(['plan', '--json'], { cwd: dir }));
    assert.equal(validateAgainst('pgv.plan.schema.json', planJson), []);
    assert.equal(planJson.parts[0].steps.map((s: any) => (s.lint ?? []).map((f: any) => f.rule)), [[], ['ban-concurrent-index-creation-in-transaction']]);
    const refused = await runPgv(['apply'], { cwd: dir });
    assert.is(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, 'db/update3.sql:1:1: ban-concurrent-index-creation-in-transaction');
    assert.match(refused.stderr, '--allow-lint-errors');
    const version = async () => withDb(db, async (c) => (await c.query<{ n: string }>('SELECT max(version::int)::text AS n FROM pgv.upgrades')).rows[0]!.n);
    assert.is(await version(), '1', 'nothing applied, not even update2.sql');
    // Told otherwise, apply runs, and the server refuses the statement as the rule said.
    const forced = await runPgv(['apply', '--allow-lint-errors'], { cwd: dir });
    assert.is(forced.code, 3);
    assert.match(forced.stderr, 'CREATE INDEX CONCURRENTLY cannot run inside a transaction block');
    // The safe rewrite: the statement alone in a no-transaction script.
    writeFiles(dir, { 'db/update3.sql': '-- pgv:no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS orders_ref_idx ON orders (ref);\n' });
    const ok = await runPgv(['apply'], { cwd: dir });
    assert.is(ok.code, 0, ok.stderr);
    assert.is(await version(), '3');
  } finally {
    await dropDatabase(db);
  }
});

test('a large report reaches a pipe whole (pgv waits for stdout before it exits)', async () => {
  const dir = makeProject('lintbig');
  const files: Record<string, string> = {};
  for (let n = 1; n <= 300; n++) files[`u${n}.sql`] = `CREATE INDEX i${n} ON orders (c${n});\nALTER TABLE orders ALTER COLUMN c${n} TYPE bigint;\n`;
  writeFiles(dir, files);
  const run = await runPgv(['lint', '--json', ...Object.keys(files)], { cwd: dir });
  assert.is(run.code, 0, run.stderr);
  assert.ok(run.stdout.length > 65536, `${run.stdout.length} bytes`);
  assert.is(jsonOf(run).findings.length, 600);
});

test.run();
