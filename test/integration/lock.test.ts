/** The advisory lock and DDL lock timeouts, against the real server. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connect } from '../../lib/db/client.js';
import { acquireLock } from '../../lib/db/lock.js';
import { makeProject, runPgv, schemaConfig, writeFiles } from '../helpers/cli.js';
import { createDatabase, dropDatabase, specFor, tablesOf } from '../helpers/db.js';

test('a runner that cannot get the lock in --lock-timeout fails with exit 3, naming the holder', async () => {
  const db = await createDatabase('locked');
  const dir = makeProject();
  writeFiles(dir, { 'schema/update1.sql': 'CREATE TABLE a (id int);\n', 'pgv.config.yaml': schemaConfig(db, 'schema') });
  const holder = await connect({ ...specFor(db), application_name: 'deploy-bot' });
  try {
    await acquireLock(holder, 0);
    const pid = holder.backendPid;
    const t0 = Date.now();
    const run = await runPgv(['apply', '--lock-timeout', '1'], { cwd: dir });
    assert.is(run.code, 3, run.stderr);
    assert.ok(Date.now() - t0 >= 1000, 'it waited for the timeout');
    assert.match(run.stderr, `database "${db}" is locked by pid ${pid} (deploy-bot, user postgres, connected since `);
    assert.match(run.stderr, 'gave up after 1 s');
    assert.match(run.stderr, 'raise --lock-timeout');
    assert.equal(await tablesOf(db), [], 'nothing ran');
    // Released: the same command goes through.
    await holder.end();
    const after = await runPgv(['apply', '--lock-timeout', '1'], { cwd: dir });
    assert.is(after.code, 0, after.stderr);
  } finally {
    await holder.end().catch(() => undefined);
    await dropDatabase(db);
  }
});

test('ddl_lock_timeout with ddl_lock_retries: 0: a script blocked by another session fails fast with SQLSTATE 55P03, nothing kept', async () => {
  const db = await createDatabase('ddllock');
  const dir = makeProject();
  writeFiles(dir, { 'schema/update1.sql': 'CREATE TABLE busy (id int);\n', 'pgv.config.yaml': schemaConfig(db, 'schema', '    ddl_lock_timeout: 300ms\n    ddl_lock_retries: 0\n') });
  const reader = await connect(specFor(db));
  try {
    assert.is((await runPgv(['apply'], { cwd: dir })).code, 0);
    writeFiles(dir, { 'schema/update2.sql': 'CREATE TABLE other (id int);\nALTER TABLE busy ADD COLUMN note text;\n' });
    await reader.query('BEGIN; SELECT * FROM busy');
    const t0 = Date.now();
    const run = await runPgv(['apply'], { cwd: dir });
    assert.is(run.code, 3, run.stderr);
    assert.ok(Date.now() - t0 < 10000, 'it did not wait for the reader');
    assert.match(run.stderr, 'update2.sql:2:1');
    assert.match(run.stderr, 'SQLSTATE 55P03');
    assert.match(run.stderr, 'lock timeout');
    assert.equal(await tablesOf(db), ['pgv.upgrades', 'public.busy'], 'update2 left nothing behind');
    await reader.query('COMMIT');
    assert.is((await runPgv(['apply'], { cwd: dir })).code, 0);
  } finally {
    await reader.end();
    await dropDatabase(db);
  }
});


test('eight runners creating the same missing database at once: every one ends 0, each script recorded once', async () => {
  const { uniqueName, withDb } = await import('../helpers/db.js');
  const db = uniqueName('create_race');
  const dir = makeProject();
  writeFiles(dir, { 'schema/update1.sql': 'CREATE TABLE t (id int);\n', 'pgv.config.yaml': schemaConfig(db, 'schema', '    create: true\n') });
  try {
    const runs = await Promise.all(Array.from({ length: 8 }, () => runPgv(['apply', '-q'], { cwd: dir })));
    for (const run of runs) assert.is(run.code, 0, run.stderr);
    const rows = await withDb(db, async (c) => (await c.query('SELECT script FROM pgv.upgrades')).rows);
    assert.equal(rows, [{ script: 'update1.sql' }]);
  } finally {
    await dropDatabase(db);
  }
});

test.run();
