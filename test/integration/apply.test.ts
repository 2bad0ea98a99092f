/** `pgv apply` and `pgv plan` end to end: the real binary against the real test cluster. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFixture, jsonOf, makeProject, runPgv, schemaConfig, writeFiles } from '../helpers/cli.js';
import { createDatabase, databaseExists, dropDatabase, tablesOf, uniqueName, withDb } from '../helpers/db.js';

async function ledgerOf(db: string, table = 'pgv.upgrades'): Promise<Array<{ version: string; script: string; kind: string; success: boolean }>> {
  return withDb(db, async (c) => (await c.query<{ version: string; script: string; kind: string; success: boolean }>(`SELECT version, script, kind, success FROM ${table} ORDER BY id`)).rows);
}

test('a fresh database: create, ledger, init.sql; a second run does nothing; plan is then empty', async () => {
  const db = uniqueName('fresh');
  const dir = makeProject();
  copyFixture('schema/shop', dir, 'schema');
  writeFiles(dir, { 'pgv.config.yaml': schemaConfig(db, 'schema', '    create: true\n') });
  try {
    const first = await runPgv(['apply'], { cwd: dir });
    assert.is(first.code, 0, first.stderr);
    assert.match(first.stderr, 'create ledger pgv.upgrades');
    assert.match(first.stderr, 'run init.sql');
    assert.match(first.stdout, /app \(fresh_\d+_\d+\): 3 steps applied in .*, now at version 3/);
    assert.equal(await tablesOf(db), ['pgv.upgrades', 'public.product', 'public.stock']);
    assert.equal(await ledgerOf(db), [{ version: '3', script: 'init.sql', kind: 'init', success: true }]);

    const second = await runPgv(['apply'], { cwd: dir });
    assert.is(second.code, 0, second.stderr);
    assert.match(second.stdout, 'up to date');
    assert.equal((await ledgerOf(db)).length, 1);

    const plan = jsonOf(await runPgv(['plan', '--json'], { cwd: dir }));
    assert.equal(plan.parts.map((p: { steps: unknown[] }) => p.steps), [[]]);
    assert.is(plan.parts[0].current, '3');
  } finally {
    await dropDatabase(db);
  }
});

test('plan lists what apply would run, in order, and changes nothing', async () => {
  const db = uniqueName('planonly');
  const dir = makeProject();
  copyFixture('schema/shop', dir, 'schema');
  writeFiles(dir, { 'pgv.config.yaml': schemaConfig(db, 'schema', '    create: true\n') });
  const run = await runPgv(['plan', '--json'], { cwd: dir });
  assert.is(run.code, 0, run.stderr);
  const steps = jsonOf(run).parts[0].steps;
  assert.equal(steps.map((s: { kind: string }) => s.kind), ['create-database', 'create-ledger', 'run-script']);
  assert.is(steps[2].script, 'init.sql');
  assert.is(steps[2].version, '3');
  assert.not.ok(await databaseExists(db), 'plan must not create the database');
  const dry = await runPgv(['apply', '--dry-run'], { cwd: dir });
  assert.is(dry.code, 0);
  assert.match(dry.stdout, '1. create database');
  assert.not.ok(await databaseExists(db), 'apply --dry-run must not create the database');
});

test('upgrade from generation 1 runs updates 2 and 3, with the precondition, and nothing else', async () => {
  const db = await createDatabase('upgrade');
  const dir = makeProject();
  try {
    copyFixture('schema/shop', dir, 'schema');
    // Generation 1 as an older release of the project had it: update1.sql only.
    copyFixture('schema/shop/update1.sql', dir, 'old/update1.sql');
    writeFiles(dir, { 'old.yaml': schemaConfig(db, 'old'), 'pgv.config.yaml': schemaConfig(db, 'schema') });
    const old = await runPgv(['apply', '-c', 'old.yaml'], { cwd: dir });
    assert.is(old.code, 0, old.stderr);
    assert.equal((await ledgerOf(db)).map((r) => r.script), ['update1.sql']);

    const plan = jsonOf(await runPgv(['plan', '--json'], { cwd: dir }));
    assert.equal(plan.parts[0].steps.map((s: { title: string }) => s.title), ['run update2.sql', 'check precondition3.mjs', 'run update3.sql']);
    const run = await runPgv(['apply'], { cwd: dir });
    assert.is(run.code, 0, run.stderr);
    assert.match(run.stdout, 'now at version 3');
    assert.equal((await ledgerOf(db)).map((r) => `${r.script}@${r.version}`), ['update1.sql@1', 'update2.sql@2', 'update3.sql@3']);
    const inStock = await withDb(db, async (c) => (await c.query<{ f: boolean }>('SELECT in_stock(1) AS f')).rows[0]!.f);
    assert.is(inStock, false);
  } finally {
    await dropDatabase(db);
  }
});

test('a failing update rolls back with its ledger row and names file, line, column and SQLSTATE', async () => {
  const db = await createDatabase('failing');
  const dir = makeProject();
  writeFiles(dir, {
    'schema/update1.sql': 'CREATE TABLE a (id int);\n',
    'schema/update2.sql': 'CREATE TABLE b (id int);\nINSERT INTO b VALUES (1);\nSELECT * FROM no_such_table;\n',
    'pgv.config.yaml': schemaConfig(db, 'schema'),
  });
  try {
    const run = await runPgv(['apply'], { cwd: dir });
    assert.is(run.code, 3, run.stderr);
    assert.match(run.stderr, /update2\.sql:3:15: relation "no_such_table" does not exist/);
    assert.match(run.stderr, 'SQLSTATE 42P01');
    assert.match(run.stderr, '3 | SELECT * FROM no_such_table;');
    assert.not.match(run.stderr, /\n\s+at /, 'no stack trace for a user error');
    assert.match(run.stdout, 'FAILED at run update2.sql');
    assert.equal((await ledgerOf(db)).map((r) => r.script), ['update1.sql']);
    assert.equal(await tablesOf(db), ['pgv.upgrades', 'public.a'], 'table b was rolled back');
  } finally {
    await dropDatabase(db);
  }
});

test('a gap in the numbering is an error naming the missing update, before anything runs', async () => {
  const db = uniqueName('gap');
  const dir = makeProject();
  writeFiles(dir, {
    'schema/update1.sql': 'CREATE TABLE a (id int);\n',
    'schema/update3.sql': 'CREATE TABLE c (id int);\n',
    'pgv.config.yaml': schemaConfig(db, 'schema', '    create: true\n'),
  });
  const run = await runPgv(['apply'], { cwd: dir });
  assert.is(run.code, 2);
  assert.match(run.stderr, 'update2.sql is missing');
  assert.not.ok(await databaseExists(db));
});

test('a database with tables but no ledger is refused, pointing to pgv baseline', async () => {
  const db = await createDatabase('noledger');
  const dir = makeProject();
  copyFixture('schema/shop', dir, 'schema');
  writeFiles(dir, { 'pgv.config.yaml': schemaConfig(db, 'schema') });
  try {
    await withDb(db, (c) => c.query('CREATE TABLE legacy (id int)'));
    const run = await runPgv(['apply'], { cwd: dir });
    assert.is(run.code, 3);
    assert.match(run.stderr, 'has 1 table but no ledger');
    assert.match(run.stderr, 'pgv baseline app --version N');
    assert.equal(await tablesOf(db), ['public.legacy']);
  } finally {
    await dropDatabase(db);
  }
});

test('a SQL precondition returning false vetoes its update with exit 3', async () => {
  const db = await createDatabase('veto');
  const dir = makeProject();
  writeFiles(dir, {
    'schema/update1.sql': 'CREATE TABLE a (id int);\n',
    'schema/update2.sql': 'CREATE TABLE b (id int);\n',
    'schema/precondition2.sql': 'SELECT count(*) > 0 FROM a;\n',
    'pgv.config.yaml': schemaConfig(db, 'schema'),
  });
  try {
    const run = await runPgv(['apply'], { cwd: dir });
    assert.is(run.code, 3);
    assert.match(run.stderr, 'precondition2.sql vetoed update 2');
    assert.equal((await ledgerOf(db)).map((r) => r.script), ['update1.sql']);
  } finally {
    await dropDatabase(db);
  }
});

test('hostile identifiers in dbname and upgrades_table are quoted, twice', async () => {
  const db = `we"ird; db ü ${process.pid}`;
  const dir = makeProject();
  writeFiles(dir, {
    'schema/init.sql': 'CREATE TABLE t (id int);\n',
    'pgv.config.yaml': schemaConfig(db, 'schema', `    create: true\n    upgrades_table: '"my sch""ema"."up;grades ü"'\n`),
  });
  try {
    for (let round = 0; round < 2; round++) {
      const run = await runPgv(['apply'], { cwd: dir });
      assert.is(run.code, 0, run.stderr);
    }
    const rows = await ledgerOf(db, '"my sch""ema"."up;grades ü"');
    assert.equal(rows.map((r) => r.script), ['init.sql']);
  } finally {
    await dropDatabase(db);
  }
});

test('a script that changes search_path and role does not break the ledger or the next script', async () => {
  const db = await createDatabase('searchpath');
  const dir = makeProject();
  writeFiles(dir, {
    'schema/update1.sql': "CREATE SCHEMA other;\nSET search_path = other;\nCREATE ROLE pgv_test_role_" + process.pid + ";\nSET ROLE pgv_test_role_" + process.pid + ";\n",
    'schema/update2.sql': 'RESET ROLE;\nCREATE TABLE in_public (id int);\n',
    'pgv.config.yaml': schemaConfig(db, 'schema'),
  });
  try {
    const run = await runPgv(['apply'], { cwd: dir });
    assert.is(run.code, 0, run.stderr);
    assert.equal(await tablesOf(db), ['pgv.upgrades', 'public.in_public']);
    assert.equal((await ledgerOf(db)).map((r) => r.script), ['update1.sql', 'update2.sql']);
  } finally {
    await dropDatabase(db);
    await withDb('postgres', (c) => c.query(`DROP ROLE IF EXISTS pgv_test_role_${process.pid}`));
  }
});

test('two applies at once on one database: every script runs once', async () => {
  const db = await createDatabase('concurrent');
  const dir = makeProject();
  writeFiles(dir, {
    'schema/update1.sql': 'CREATE TABLE a (id int);\nSELECT pg_sleep(0.5);\n',
    'schema/update2.sql': 'CREATE TABLE b (id int);\n',
    'pgv.config.yaml': schemaConfig(db, 'schema'),
  });
  try {
    const runs = await Promise.all([runPgv(['apply'], { cwd: dir }), runPgv(['apply'], { cwd: dir })]);
    for (const r of runs) assert.is(r.code, 0, r.stderr);
    assert.equal((await ledgerOf(db)).map((r) => r.script), ['update1.sql', 'update2.sql']);
  } finally {
    await dropDatabase(db);
  }
});

for (const quiet of [false, true]) {
  test(`independent parts run, and a part after a failed one is skipped${quiet ? ' (-q: no task list)' : ''}`, async () => {
    const good = await createDatabase('good');
    const bad = await createDatabase('bad');
    const dir = makeProject();
    writeFiles(dir, {
      'ok/update1.sql': 'CREATE TABLE a (id int);\n',
      'broken/update1.sql': 'CREATE TABLE;\n',
      'pgv.config.yaml': schemaConfig(good, 'ok') + `  broken:\n    recipe: schema\n    dbname: ${bad}\n    schema: broken\n  later:\n    recipe: schema\n    dbname: ${good}\n    schema: ok\n    upgrades_table: pgv.later\n    after: broken\n`,
    });
    try {
      const run = await runPgv(['apply', '--json', ...(quiet ? ['-q', '--concurrency', '1'] : [])], { cwd: dir });
      assert.is(run.code, 3);
      const doc = jsonOf(run);
      assert.equal(doc.parts.map((p: { name: string; status: string }) => `${p.name}:${p.status}`), ['app:applied', 'broken:failed', 'later:skipped']);
      assert.is(doc.parts[1].error.code, 'script_failed');
      if (quiet) assert.is(run.stderr.split('\n')[0], 'pgv: error: ' + doc.parts[1].error.message, 'no progress before the error');
    } finally {
      await dropDatabase(good);
      await dropDatabase(bad);
    }
  });
}

test('--quiet prints no progress; --json keeps stdout one document and progress on stderr', async () => {
  const db = uniqueName('quiet');
  const dir = makeProject();
  copyFixture('schema/shop', dir, 'schema');
  writeFiles(dir, { 'pgv.config.yaml': schemaConfig(db, 'schema', '    create: true\n') });
  try {
    const quiet = await runPgv(['apply', '-q'], { cwd: dir });
    assert.is(quiet.code, 0, quiet.stderr);
    assert.is(quiet.stderr, '');
    await dropDatabase(db);
    const json = await runPgv(['apply', '--json'], { cwd: dir });
    assert.is(json.code, 0, json.stderr);
    const doc = jsonOf(json);
    assert.is(doc.ok, true);
    assert.equal(doc.parts[0].steps.map((s: { kind: string; status: string }) => `${s.kind}:${s.status}`), ['create-database:done', 'create-ledger:done', 'run-script:done']);
    assert.match(json.stderr, 'run init.sql');
  } finally {
    await dropDatabase(db);
  }
});

test('error positions stay right after pgv\'s own prefix, with emoji and a lock timeout set', async () => {
  const db = await createDatabase('position');
  const dir = makeProject();
  writeFiles(dir, {
    'schema/update1.sql': "-- 😀😀 comment\nSELECT 1;\nSELECT * FRM t;\n",
    'pgv.config.yaml': schemaConfig(db, 'schema', '    ddl_lock_timeout: 5s\n'),
  });
  try {
    const run = await runPgv(['apply'], { cwd: dir });
    assert.is(run.code, 3);
    assert.match(run.stderr, /update1\.sql:3:10: syntax error at or near "FRM"/);
  } finally {
    await dropDatabase(db);
  }
});

test('a -- pgv:no-transaction script runs outside a transaction; a failed one is recorded as failed and refused next time, with the exact baseline commands', async () => {
  const db = await createDatabase('notx');
  const dir = makeProject();
  writeFiles(dir, {
    'schema/update1.sql': 'CREATE TABLE a (id int, v int);\n',
    'schema/update2.sql': '-- pgv:no-transaction\nCREATE INDEX CONCURRENTLY a_id ON a (id);\nCREATE INDEX CONCURRENTLY a_v ON a (v);\n',
    'pgv.config.yaml': schemaConfig(db, 'schema'),
  });
  try {
    const run = await runPgv(['apply'], { cwd: dir });
    assert.is(run.code, 0, run.stderr);
    assert.equal((await ledgerOf(db)).map((r) => `${r.script}:${r.success}`), ['update1.sql:true', 'update2.sql:true']);

    writeFiles(dir, { 'schema/update3.sql': '-- pgv:no-transaction\nCREATE INDEX CONCURRENTLY a_both ON a (id, v);\nCREATE INDEX CONCURRENTLY broken ON missing (id);\n' });
    const failed = await runPgv(['apply'], { cwd: dir });
    assert.is(failed.code, 3);
    assert.match(failed.stderr, /update3\.sql:3:\d+: relation "missing" does not exist/);
    assert.match(failed.stderr, 'update3.sql runs outside a transaction: statement 2 of 2 failed, statement 1 before it completed and stays applied');
    assert.match(failed.stderr, 'Finish it by hand and record that with `pgv baseline app --version 3`, or undo it and record `pgv baseline app --version 2`');
    const again = await runPgv(['apply'], { cwd: dir });
    assert.is(again.code, 3);
    assert.match(again.stderr, 'part app: update3.sql failed at statement 2 of 2 (line 3: CREATE INDEX CONCURRENTLY broken ON missing (id)); 1 had completed\n');
    assert.not.match(again.stderr, 'interrupted');
    assert.match(again.stderr, 'finish it by hand and record that with `pgv baseline app --version 3`, or undo it and record `pgv baseline app --version 2`');
    assert.equal((await ledgerOf(db)).map((r) => `${r.script}:${r.success}`), ['update1.sql:true', 'update2.sql:true', 'update3.sql:false']);
  } finally {
    await dropDatabase(db);
  }
});

/** update1.sql … updateN.sql, each creating table tN; `over` replaces some of them. */
function manyUpdates(count: number, over: Record<number, string> = {}): Record<string, string> {
  const files: Record<string, string> = {};
  for (let n = 1; n <= count; n++) files[`schema/update${n}.sql`] = over[n] ?? `CREATE TABLE t${n} (id int);\n`;
  return files;
}

test('a failure in the middle of a long run: the scripts sent behind it do not run', async () => {
  const db = await createDatabase('pipefail');
  const dir = makeProject();
  writeFiles(dir, { ...manyUpdates(40, { 12: 'CREATE TABLE t12 (id int);\nINSERT INTO t12 VALUES (1 / 0);\n' }), 'pgv.config.yaml': schemaConfig(db, 'schema') });
  try {
    const run = await runPgv(['apply'], { cwd: dir });
    assert.is(run.code, 3, run.stderr);
    assert.match(run.stderr, /update12\.sql(:\d+:\d+)?: division by zero/);
    assert.match(run.stdout, 'FAILED at run update12.sql (12 steps applied before; 28 not run)');
    assert.equal((await ledgerOf(db)).map((r) => r.script), Array.from({ length: 11 }, (_, k) => `update${k + 1}.sql`));
    assert.equal(await tablesOf(db), ['pgv.upgrades', ...Array.from({ length: 11 }, (_, k) => `public.t${k + 1}`).sort()]);
    const again = await runPgv(['apply'], { cwd: dir });
    assert.is(again.code, 3, 'the same script fails again');
    assert.equal((await ledgerOf(db)).length, 11);
  } finally {
    await dropDatabase(db);
  }
});

test('a script that fails at COMMIT (a deferred constraint) stops the run there too', async () => {
  const db = await createDatabase('pipecommit');
  const dir = makeProject();
  const deferred =
    'CREATE TABLE parent (id int PRIMARY KEY);\n' +
    'CREATE TABLE child (ref int REFERENCES parent DEFERRABLE INITIALLY DEFERRED);\n' +
    'INSERT INTO child VALUES (42);\n';
  writeFiles(dir, { ...manyUpdates(30, { 5: deferred }), 'pgv.config.yaml': schemaConfig(db, 'schema') });
  try {
    const run = await runPgv(['apply'], { cwd: dir });
    assert.is(run.code, 3, run.stderr);
    assert.match(run.stderr, /update5\.sql.*violates foreign key constraint "child_ref_fkey"/);
    assert.match(run.stdout, 'FAILED at run update5.sql (5 steps applied before; 25 not run)');
    assert.equal((await ledgerOf(db)).map((r) => r.script), ['update1.sql', 'update2.sql', 'update3.sql', 'update4.sql']);
    assert.equal(await tablesOf(db), ['pgv.upgrades', 'public.t1', 'public.t2', 'public.t3', 'public.t4']);
  } finally {
    await dropDatabase(db);
  }
});

test('a precondition between scripts sees what the scripts before it did', async () => {
  const db = await createDatabase('pipepre');
  const dir = makeProject();
  writeFiles(dir, {
    ...manyUpdates(20, { 9: 'CREATE TABLE t9 (id int);\nINSERT INTO t9 VALUES (9);\n' }),
    'schema/precondition10.sql': 'SELECT count(*) = 1 FROM t9;\n',
    'schema/precondition15.sql': "SELECT to_regclass('t14') IS NOT NULL AND to_regclass('t15') IS NULL;\n",
    'pgv.config.yaml': schemaConfig(db, 'schema'),
  });
  try {
    const run = await runPgv(['apply'], { cwd: dir });
    assert.is(run.code, 0, run.stderr);
    assert.match(run.stdout, 'now at version 20');
    assert.is((await ledgerOf(db)).length, 20);
  } finally {
    await dropDatabase(db);
  }
});

test.run();
