/**
 * pgv killed in the middle of a run, connections lost, and pg_dump's own output as init.sql:
 * the real binary against the real server.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fixtures, makeProject, runPgv, schemaConfig, spawnPgv, writeFiles } from '../helpers/cli.js';
import { clientProgram, cluster, createDatabase, dropDatabase, tablesOf, withDb } from '../helpers/db.js';

type Row = { script: string; success: boolean };

async function ledgerOf(db: string): Promise<Row[]> {
  return withDb(db, async (c) => (await c.query<Row>('SELECT script, success FROM pgv.upgrades ORDER BY id')).rows);
}

/** Wait until `probe` returns true (polling); fails the test after `ms`. */
async function waitFor(what: string, probe: () => Promise<boolean>, ms = 15000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Is a statement containing `marker` running in `db` (other than this probe)? */
function running(db: string, marker: string): () => Promise<boolean> {
  return () =>
    withDb('postgres', async (c) => (await c.query(`SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND query LIKE '%' || $2 || '%' AND pid <> pg_backend_pid()`, [db, marker])).rowCount > 0);
}

test('pgv killed with SIGKILL in the middle of a script: the rerun records every script exactly once, iff its effect is there', async () => {
  const db = await createDatabase('kill9');
  const dir = makeProject();
  writeFiles(dir, {
    'schema/update1.sql': 'CREATE TABLE t (id int);\n',
    'schema/update2.sql': "SELECT pg_sleep(1.5) AS kill_me_here;\nCREATE TABLE u (id int);\n",
    'schema/update3.sql': 'ALTER TABLE u ADD COLUMN note text;\n',
    'pgv.config.yaml': schemaConfig(db, 'schema'),
  });
  try {
    const first = spawnPgv(['apply'], { cwd: dir });
    await waitFor('update2.sql to run', running(db, 'kill_me_here'));
    first.child.kill('SIGKILL');
    const killed = await first.done;
    assert.is(killed.code, -1, 'pgv was killed');
    // The orphaned backend may still finish its query; either way the script and its row are one
    // transaction. Check the invariant at this point, then rerun (it waits for the lock if needed).
    await waitFor('the orphaned session to end', async () => !(await running(db, 'kill_me_here')()));
    const rows = await ledgerOf(db);
    const tables = await tablesOf(db);
    assert.is(rows.some((r) => r.script === 'update2.sql'), tables.includes('public.u'), 'update2 recorded iff table u exists');

    const rerun = await runPgv(['apply'], { cwd: dir });
    assert.is(rerun.code, 0, rerun.stderr);
    assert.equal((await ledgerOf(db)).map((r) => `${r.script}:${r.success}`), ['update1.sql:true', 'update2.sql:true', 'update3.sql:true']);
    assert.equal(await tablesOf(db), ['pgv.upgrades', 'public.t', 'public.u']);
    const again = await runPgv(['apply'], { cwd: dir });
    assert.match(again.stdout, 'up to date');
  } finally {
    await dropDatabase(db);
  }
});

test('pgv killed inside a no-transaction script: the next run refuses, naming it, instead of retrying', async () => {
  const db = await createDatabase('kill9notx');
  const dir = makeProject();
  writeFiles(dir, {
    'schema/update1.sql': 'CREATE TABLE t (id int);\n',
    'schema/update2.sql': '-- pgv:no-transaction\nSELECT pg_sleep(1.5) AS kill_me_here;\nCREATE INDEX CONCURRENTLY t_id ON t (id);\n',
    'pgv.config.yaml': schemaConfig(db, 'schema'),
  });
  try {
    const first = spawnPgv(['apply'], { cwd: dir });
    await waitFor('update2.sql to run', running(db, 'kill_me_here'));
    first.child.kill('SIGKILL');
    await first.done;
    await waitFor('the orphaned session to end', async () => !(await running(db, 'kill_me_here')()));
    assert.equal(await ledgerOf(db), [{ script: 'update1.sql', success: true }, { script: 'update2.sql', success: false }]);
    const rerun = await runPgv(['apply'], { cwd: dir });
    assert.is(rerun.code, 3);
    assert.match(rerun.stderr, 'update2.sql started at');
    assert.match(rerun.stderr, 'never finished');
    assert.not.match(rerun.stderr, '    at ', 'no stack trace');
  } finally {
    await dropDatabase(db);
  }
});

test('a connection lost in the middle of a script is exit 3 with a clear message, and nothing is recorded', async () => {
  const db = await createDatabase('lostconn');
  const dir = makeProject();
  writeFiles(dir, {
    'schema/update1.sql': 'CREATE TABLE t (id int);\n',
    'schema/update2.sql': 'CREATE TABLE u (id int);\nSELECT pg_sleep(30) AS cut_me_here;\n',
    'pgv.config.yaml': schemaConfig(db, 'schema'),
  });
  try {
    const run = spawnPgv(['apply'], { cwd: dir });
    await waitFor('update2.sql to run', running(db, 'cut_me_here'));
    await withDb('postgres', (c) => c.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND query LIKE '%cut_me_here%' AND pid <> pg_backend_pid()`, [db]));
    const result = await run.done;
    assert.is(result.code, 3, result.stderr);
    assert.match(result.stderr, /update2\.sql/);
    assert.match(result.stderr, /terminat|connection/i);
    assert.not.match(result.stderr, '    at ', 'no stack trace');
    assert.equal(await ledgerOf(db), [{ script: 'update1.sql', success: true }]);
    assert.equal(await tablesOf(db), ['pgv.upgrades', 'public.t']);
    // The next run picks up where it stopped (the sleep is the only thing left to wait for).
    writeFiles(dir, { 'schema/update2.sql': 'CREATE TABLE u (id int);\n' });
    const rerun = await runPgv(['apply'], { cwd: dir });
    assert.is(rerun.code, 0, rerun.stderr);
  } finally {
    await dropDatabase(db);
  }
});

test('a script that ends its own session is exit 3 naming the script, not a crash', async () => {
  const db = await createDatabase('selfkill');
  const dir = makeProject();
  writeFiles(dir, {
    'schema/update1.sql': 'CREATE TABLE t (id int);\nSELECT pg_terminate_backend(pg_backend_pid());\n',
    'pgv.config.yaml': schemaConfig(db, 'schema'),
  });
  try {
    const result = await runPgv(['apply'], { cwd: dir });
    assert.is(result.code, 3, result.stderr);
    assert.match(result.stderr, 'update1.sql');
    assert.not.match(result.stderr, '    at ', 'no stack trace');
    assert.equal(await tablesOf(db), ['pgv.upgrades']);
  } finally {
    await dropDatabase(db);
  }
});

test('pg_dump --schema-only output works as init.sql and rebuilds the same schema', async () => {
  const source = await createDatabase('dumpsrc');
  const target = await createDatabase('dumpdst');
  const dir = makeProject();
  try {
    await withDb(source, (c) => c.query(readFileSync(path.join(fixtures, 'pgdump', 'source.sql'), 'utf8')));
    const pgDump = await clientProgram('pg_dump');
    const dump = (db: string, ...extra: string[]) =>
      execFileSync(pgDump, ['--schema-only', '-h', cluster.socketDir, '-p', String(cluster.port), '-U', 'postgres', ...extra, db], { encoding: 'utf8' });
    const initSql = dump(source);
    assert.match(initSql, /^\\restrict /m, 'this pg_dump writes psql meta-commands');
    writeFiles(dir, { 'schema/init.sql': initSql, 'pgv.config.yaml': schemaConfig(target, 'schema') });
    const applied = await runPgv(['apply'], { cwd: dir });
    assert.is(applied.code, 0, applied.stderr);
    // pg_dump reads the catalogs: the same dump (minus its random \restrict keys and pgv's ledger) is the same schema.
    const normal = (text: string) => text.replace(/^\\(un)?restrict .*$/gm, '').replace(/^-- Dumped (from|by) .*$/gm, '');
    assert.fixture(normal(dump(target, '--exclude-schema', 'pgv')), normal(initSql));
    assert.equal(await ledgerOf(target), [{ script: 'init.sql', success: true }]);
    // pg_dump's set_config('search_path', '', false) did not break the bookkeeping of the next run.
    const again = await runPgv(['apply'], { cwd: dir });
    assert.is(again.code, 0, again.stderr);
    assert.match(again.stdout, 'up to date');
  } finally {
    await dropDatabase(source);
    await dropDatabase(target);
  }
});

test.run();
