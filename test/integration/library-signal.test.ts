/**
 * The library's `signal` cancels as Ctrl-C does: the statement running on the server is cancelled
 * (not waited for), nothing queued behind it runs, and the call ends saying it was interrupted.
 * Through lib/index.ts, the module the package exports, against the real test server.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { apply, check, isPgvError, loadConfig, testAndUpgrade } from '../../lib/index.js';
import { makeProject, schemaConfig, writeFiles } from '../helpers/cli.js';
import { createDatabase, dropDatabase, running, sleep, tablesOf, waitFor, withDb } from '../helpers/db.js';

test('apply(config, { signal }) aborted at 1 s during pg_sleep(5): returns within 2 s, cancelled on the server, no effect, no ledger row, interrupted', async () => {
  const db = await createDatabase('lib_signal_apply');
  const dir = makeProject();
  writeFiles(dir, {
    'pgv.config.yaml': schemaConfig(db, 'schema'),
    'schema/update1.sql': 'CREATE TABLE t1 (id int);\n',
    'schema/update2.sql': 'SELECT pg_sleep(5) AS lib_signal_marker;\nCREATE TABLE late (id int);\n',
    'schema/update3.sql': 'CREATE TABLE after_late (id int);\n',
  });
  try {
    const config = await loadConfig({ cwd: dir });
    const controller = new AbortController();
    const types: string[] = [];
    const t0 = Date.now();
    const run = apply(config, { signal: controller.signal, onEvent: (e) => types.push(e.type) });
    await waitFor('update2.sql to run', running('lib_signal_marker'));
    await sleep(Math.max(0, 1000 - (Date.now() - t0)));
    const aborted = Date.now();
    controller.abort();
    const result = await run;
    assert.ok(Date.now() - aborted < 2000, `apply returned ${Date.now() - aborted} ms after the abort: it waited for the script`);
    assert.is(result.ok, false);
    const part = result.parts[0]!;
    assert.is(part.status, 'failed');
    assert.ok(isPgvError(part.error) && part.error.code === 'interrupted', `the part's error is interrupted: ${String(part.error)}`);
    assert.equal(part.steps.map((s) => `${s.step.id}:${s.status}`).slice(-2), [`${part.steps.at(-2)!.step.id}:failed`, `${part.steps.at(-1)!.step.id}:not-run`]);
    assert.ok(result.interrupted && result.interrupted.length === 1, `interrupted says what is left: ${JSON.stringify(result.interrupted)}`);
    assert.match(result.interrupted[0]!, 'update2.sql: cancelled and rolled back; update1.sql applied');
    assert.is(types.at(-1), 'run-finished');
    assert.not.ok(await running('lib_signal_marker')(), 'the statement no longer runs on the server');
    await sleep(4500); // past the end of pg_sleep(5)
    const tables = await tablesOf(db);
    assert.ok(tables.includes('public.t1'));
    assert.not.ok(tables.includes('public.late'), 'update2.sql left nothing');
    assert.not.ok(tables.includes('public.after_late'), 'update3.sql did not run');
    const rows = await withDb(db, async (c) => (await c.query<{ script: string }>('SELECT script FROM pgv.upgrades ORDER BY id')).rows.map((r) => r.script));
    assert.equal(rows, ['update1.sql']);
  } finally {
    await dropDatabase(db);
  }
});

test('a signal aborted before apply starts: nothing runs, the outcome is interrupted', async () => {
  const db = await createDatabase('lib_signal_pre');
  const dir = makeProject();
  writeFiles(dir, { 'pgv.config.yaml': schemaConfig(db, 'schema'), 'schema/update1.sql': 'CREATE TABLE t1 (id int);\n' });
  try {
    const config = await loadConfig({ cwd: dir });
    const controller = new AbortController();
    controller.abort();
    const result = await apply(config, { signal: controller.signal }).catch((e: unknown) => e);
    // Refused at the first connection (observe), or by the executor: either way code interrupted.
    const code = isPgvError(result) ? result.code : (result as { parts: Array<{ error?: { code?: string } }> }).parts[0]?.error?.code;
    assert.is(code, 'interrupted');
    assert.not.ok((await tablesOf(db)).includes('public.t1'));
  } finally {
    await dropDatabase(db);
  }
});

test('check({ config, part, signal }) aborted while the reference is built: rejects with interrupted, the reference dropped', async () => {
  const db = await createDatabase('lib_signal_check');
  const dir = makeProject();
  writeFiles(dir, {
    'pgv.config.yaml': schemaConfig(db, 'schema'),
    'schema/init.sql': 'SELECT pg_sleep(5) AS lib_check_marker;\nCREATE TABLE t (id int);\n',
  });
  try {
    await withDb(db, (c) => c.query('CREATE TABLE t (id int)'));
    const config = await loadConfig({ cwd: dir });
    const controller = new AbortController();
    const run = check({ config, part: 'app', signal: controller.signal }).catch((e: unknown) => e);
    await waitFor('the reference build', running('lib_check_marker'));
    const aborted = Date.now();
    controller.abort();
    const e = await run;
    assert.ok(Date.now() - aborted < 2000, 'check waited for the script');
    assert.ok(isPgvError(e) && e.code === 'interrupted', String(e));
    assert.not.ok(await running('lib_check_marker')());
    const left = await withDb('postgres', async (c) => (await c.query<{ datname: string }>('SELECT datname FROM pg_database WHERE starts_with(datname, $1) AND datname <> $1', [db])).rows);
    assert.equal(left, [], 'the reference database was dropped');
  } finally {
    await dropDatabase(db);
  }
});

test('testAndUpgrade(config, { signal }) aborted during the rehearsal: rejects with interrupted, the copy dropped, production untouched', async () => {
  const db = await createDatabase('lib_signal_tau');
  const dir = makeProject();
  writeFiles(dir, { 'pgv.config.yaml': schemaConfig(db, 'schema'), 'schema/update1.sql': 'CREATE TABLE t1 (id int);\n' });
  try {
    assert.is((await apply(await loadConfig({ cwd: dir }))).ok, true);
    writeFiles(dir, { 'schema/update2.sql': 'SELECT pg_sleep(5) AS lib_tau_marker;\nCREATE TABLE t2 (id int);\n' });
    const config = await loadConfig({ cwd: dir });
    const controller = new AbortController();
    const run = testAndUpgrade(config, { part: 'app', signal: controller.signal }).catch((e: unknown) => e);
    await waitFor('the rehearsal', running('lib_tau_marker'));
    const aborted = Date.now();
    controller.abort();
    const e = await run;
    assert.ok(Date.now() - aborted < 2000, 'testAndUpgrade waited for the script');
    assert.ok(isPgvError(e) && e.code === 'interrupted', String(e));
    assert.not.ok(await running('lib_tau_marker')());
    await sleep(500);
    const left = await withDb('postgres', async (c) => (await c.query<{ datname: string }>('SELECT datname FROM pg_database WHERE starts_with(datname, $1) AND datname <> $1', [db])).rows);
    assert.equal(left, [], 'no throwaway left');
    assert.equal(await tablesOf(db), ['pgv.upgrades', 'public.t1'], 'production untouched');
  } finally {
    await dropDatabase(db);
  }
});

test.run();
