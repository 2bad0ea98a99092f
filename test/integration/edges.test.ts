/**
 * The edges where a migration tool must not surprise: look-alike script names, unterminated
 * quotes, error positions after comments, failures after pre-all.sql, piped output of several
 * parts, and what --to, --accept-changed and plan say. The real binary against the real server.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeProject, runPgv, schemaConfig, testConnectionYaml, writeFiles } from '../helpers/cli.js';
import { createDatabase, dropDatabase, tablesOf, withDb } from '../helpers/db.js';

async function scriptsOf(db: string): Promise<string[]> {
  return withDb(db, async (c) => (await c.query<{ script: string }>('SELECT script FROM pgv.upgrades ORDER BY id')).rows.map((r) => r.script));
}

function deltasConfig(db: string, extra = ''): string {
  return `${testConnectionYaml()}parts:\n  app:\n    recipe: deltas\n    dbname: ${db}\n    deltas: deltas\n${extra}`;
}

test('a look-alike name in a schema directory is refused before anything runs, naming what it probably meant; ignore_files keeps it', async () => {
  const db = await createDatabase('lookalike');
  const dir = makeProject();
  writeFiles(dir, {
    'pgv.config.yaml': schemaConfig(db, 'schema'),
    'schema/update1.sql': 'CREATE TABLE t1 (id int);\n',
    'schema/Update2.sql': 'CREATE TABLE t2 (id int);\n',
    'schema/__init__.py': '',
    'schema/README.md': '# the schema\n',
  });
  try {
    const run = await runPgv(['apply'], { cwd: dir });
    assert.is(run.code, 2, run.stderr);
    assert.match(run.stderr, "Update2.sql: looks like update2.sql but is not spelled so, and would be ignored; rename it to update2.sql; or list it in the part's ignore_files to keep it");
    assert.equal(await tablesOf(db), [], 'nothing ran');
    writeFiles(dir, { 'pgv.config.yaml': schemaConfig(db, 'schema', '    ignore_files: ["Update2.sql"]\n') });
    const kept = await runPgv(['apply'], { cwd: dir });
    assert.is(kept.code, 0, kept.stderr);
    assert.equal(await scriptsOf(db), ['update1.sql']);
  } finally {
    await dropDatabase(db);
  }
});

test('an unterminated quote is reported at its opening line and column with a caret, nothing runs, and no message shows pgv\'s own SQL', async () => {
  const db = await createDatabase('unterminated');
  const dir = makeProject();
  try {
    for (const [text, where, what] of [
      ["CREATE TABLE t (id int, v text);\nINSERT INTO t VALUES (5, 'unclosed);\n", 'update2.sql:2:26', 'unterminated string'],
      ['CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$\n  SELECT 1;\n', 'update2.sql:1:49', 'unterminated dollar-quoted string'],
      ['/* a comment that never ends\nCREATE TABLE t (id int);\n', 'update2.sql:1:1', 'unterminated block comment'],
    ] as const) {
      writeFiles(dir, { 'pgv.config.yaml': schemaConfig(db, 'schema'), 'schema/update1.sql': 'CREATE TABLE t0 (id int);\n', 'schema/update2.sql': text });
      const run = await runPgv(['apply'], { cwd: dir });
      assert.is(run.code, 2, run.stderr);
      assert.match(run.stderr, `${where}: ${what}`);
      assert.match(run.stderr, /\n\s+\d \| .*\n\s+\| *\^/);
      for (const own of ['pgv.upgrades', 'RESET ALL', 'pgv.committed', 'syntax error']) assert.not.match(run.stderr, own);
      assert.equal(await tablesOf(db), [], 'not even update1.sql ran');
    }
  } finally {
    await dropDatabase(db);
  }
});

test('an error after a /* … */ block points at the statement\'s own first token, with and without a server position; 25001 names -- pgv:no-transaction', async () => {
  const db = await createDatabase('positions');
  const dir = makeProject();
  try {
    writeFiles(dir, {
      'pgv.config.yaml': schemaConfig(db, 'schema'),
      'schema/update1.sql': '/*\n * Sample database banner\n */\nCREATE TABLE t (id int);\n/* again:\n   the same table */\n\nCREATE TABLE t (id int);\n',
    });
    const noPosition = await runPgv(['apply'], { cwd: dir });
    assert.is(noPosition.code, 3, noPosition.stderr);
    assert.match(noPosition.stderr, 'update1.sql:8:1: relation "t" already exists');
    writeFiles(dir, { 'schema/update1.sql': '/* banner */\nSELECT *\n  FROM missing_table;\n' });
    const withPosition = await runPgv(['apply'], { cwd: dir });
    assert.match(withPosition.stderr, 'update1.sql:3:8: relation "missing_table" does not exist');
    writeFiles(dir, { 'schema/update1.sql': '/* maintenance */\nVACUUM;\n' });
    const inBlock = await runPgv(['apply'], { cwd: dir });
    assert.is(inBlock.code, 3);
    assert.match(inBlock.stderr, 'update1.sql:2:1: VACUUM cannot run inside a transaction block');
    assert.match(inBlock.stderr, 'move it to a script of its own whose first line is `-- pgv:no-transaction`');
  } finally {
    await dropDatabase(db);
  }
});

test('a delta that fails after pre-all.sql says what pre-all committed, and the next apply runs pre-all, the deltas and post-all again', async () => {
  const db = await createDatabase('preall');
  const dir = makeProject();
  writeFiles(dir, {
    'pgv.config.yaml': deltasConfig(db),
    'deltas/pre-all.sql': 'DROP VIEW IF EXISTS v;\n',
    'deltas/post-all.sql': 'CREATE VIEW v AS SELECT id FROM t;\n',
    'deltas/delta_1.0.0_t.sql': 'CREATE TABLE t (id int);\n',
  });
  try {
    assert.is((await runPgv(['apply'], { cwd: dir })).code, 0);
    writeFiles(dir, { 'deltas/delta_1.1.0_bad.sql': 'ALTER TABLE t ADD COLUMN v int;\nALTER TABLE missing ADD COLUMN x int;\n' });
    const failed = await runPgv(['apply'], { cwd: dir });
    assert.is(failed.code, 3, failed.stderr);
    assert.match(failed.stderr, 'delta_1.1.0_bad.sql:2:1: relation "missing" does not exist');
    assert.match(failed.stderr, 'Nothing of delta_1.1.0_bad.sql was kept (its transaction was rolled back), but pre-all.sql ran before it and committed');
    assert.match(failed.stderr, 'run apply again: it runs pre-all.sql, the pending deltas and post-all.sql');
    assert.equal(await tablesOf(db), ['pgv.upgrades', 'public.t']);
    const views = await withDb(db, async (c) => (await c.query("SELECT 1 FROM pg_views WHERE viewname = 'v'")).rowCount);
    assert.is(views, 0, 'as the message says: the view pre-all dropped is missing until post-all runs');
    writeFiles(dir, { 'deltas/delta_1.1.0_bad.sql': 'ALTER TABLE t ADD COLUMN v int;\n' });
    const fixed = await runPgv(['apply'], { cwd: dir });
    assert.is(fixed.code, 0, fixed.stderr);
    assert.is(await withDb(db, async (c) => (await c.query("SELECT 1 FROM pg_views WHERE viewname = 'v'")).rowCount), 1);
  } finally {
    await dropDatabase(db);
  }
});

test('piped output of several parts names the part on every step line', async () => {
  const a = await createDatabase('piped_a');
  const b = await createDatabase('piped_b');
  const dir = makeProject();
  writeFiles(dir, {
    'pgv.config.yaml': `${testConnectionYaml()}parts:\n  first:\n    recipe: schema\n    dbname: ${a}\n    schema: one\n  second:\n    recipe: schema\n    dbname: ${b}\n    schema: two\n`,
    'one/init.sql': 'CREATE TABLE a (id int);\n',
    'two/init.sql': 'CREATE TABLE b (id int);\n',
  });
  try {
    const run = await runPgv(['apply'], { cwd: dir });
    assert.is(run.code, 0, run.stderr);
    assert.match(run.stderr, /✔ first: run init\.sql \(/);
    assert.match(run.stderr, /✔ second: run init\.sql \(/);
    assert.not.match(run.stderr, /✔ run init\.sql/);
  } finally {
    await dropDatabase(a);
    await dropDatabase(b);
  }
});

test('--to on a schema part takes a generation; a run stopped by --to says so; --accept-changed reports the real version; plan refuses as apply does', async () => {
  const db = await createDatabase('to_truth');
  const dir = makeProject();
  const updates: Record<string, string> = {};
  for (let k = 1; k <= 9; k++) updates[`schema/update${k}.sql`] = `CREATE TABLE t${k} (id int);\n`;
  writeFiles(dir, { 'pgv.config.yaml': schemaConfig(db, 'schema'), ...updates });
  try {
    const dotted = await runPgv(['apply', '--to', '1.4.0'], { cwd: dir });
    assert.is(dotted.code, 2, dotted.stderr);
    assert.match(dotted.stderr, '--to 1.4.0: part app is a schema directory, whose versions are generations (--to 3), not 1.4.0');
    const stopped = await runPgv(['apply', '--to', '8'], { cwd: dir });
    assert.is(stopped.code, 0, stopped.stderr);
    assert.match(stopped.stdout, /: 9 steps applied in .*, stopped at 8 \(--to\); 1 script pending/);
    const again = await runPgv(['apply', '--to', '8'], { cwd: dir });
    assert.match(again.stdout, `app (${db}): stopped at 8 (--to); 1 script pending`);
    assert.not.match(again.stdout, 'up to date');
    assert.is((await runPgv(['apply'], { cwd: dir })).code, 0);

    writeFiles(dir, { 'schema/update1.sql': 'CREATE TABLE t1 (id int); -- reformatted\n' });
    const plan = await runPgv(['plan'], { cwd: dir });
    assert.is(plan.code, 3, 'plan exits as apply would');
    assert.match(plan.stdout, '! update1.sql (version 1) changed since it was applied');
    assert.match(plan.stdout, '`pgv apply` refuses to run while an applied script has changed');
    assert.match(plan.stderr, 'pgv: error: part app: 1 applied script has changed since it ran');
    assert.is((await runPgv(['apply', '--dry-run'], { cwd: dir })).code, 3);
    const accepted = await runPgv(['apply', '--accept-changed', 'update1.sql'], { cwd: dir });
    assert.is(accepted.code, 0, accepted.stderr);
    assert.match(accepted.stdout, /1 step applied in .*, now at version 9/);
  } finally {
    await dropDatabase(db);
  }
});

test('a last statement that runs on into pgv\'s own SQL is reported at the end of the script, never at pgv\'s token', async () => {
  const db = await createDatabase('runson');
  const dir = makeProject();
  writeFiles(dir, { 'pgv.config.yaml': schemaConfig(db, 'schema'), 'schema/update1.sql': 'CREATE TABLE t (id int\n\n' });
  try {
    const run = await runPgv(['apply'], { cwd: dir });
    assert.is(run.code, 3, run.stderr);
    assert.match(run.stderr, 'update1.sql:1:22: syntax error at the end of the script: its last statement is not finished');
    const error = run.stderr.slice(run.stderr.indexOf('pgv: error:'));
    for (const own of ['near ";"', 'pgv.upgrades', 'RESET ALL', 'pgv.committed', 'INSERT']) assert.not.match(error, own);
    assert.equal(await tablesOf(db), ['pgv.upgrades'], 'the ledger, and nothing of the script');
  } finally {
    await dropDatabase(db);
  }
});

test.run();
