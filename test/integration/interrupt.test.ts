/**
 * Ctrl-C and SIGTERM stop the work on the server: the real binary, real signals, the real server.
 * Each test sends the signal while a slow statement runs, then waits past the moment that
 * statement would have finished and checks that nothing of it (or behind it) was committed.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { jsonOf, makeProject, runPgv, schemaConfig, spawnPgv, testConnectionYaml, writeFiles } from '../helpers/cli.js';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { connect } from '../../lib/db/client.js';
import { bareDir, clusterEnv, dropFamily, familyOf } from '../helpers/snapshot.js';
import { createDatabase, dropDatabase, running, sleep, specFor, tablesOf, uniqueName, waitFor, withDb } from '../helpers/db.js';

async function scriptsOf(db: string): Promise<string[]> {
  return withDb(db, async (c) => (await c.query<{ script: string; success: boolean }>('SELECT script, success FROM pgv.upgrades ORDER BY id')).rows.map((r) => `${r.script}${r.success ? '' : ' (started)'}`));
}

async function databasesLike(prefix: string): Promise<string[]> {
  return withDb('postgres', async (c) => (await c.query<{ datname: string }>('SELECT datname FROM pg_database WHERE starts_with(datname, $1) ORDER BY 1', [prefix])).rows.map((r) => r.datname));
}

test('apply, SIGINT during update6.sql: cancelled on the server, nothing queued behind it runs, one line says what is left, exit 130', async () => {
  const db = await createDatabase('intr_apply');
  const dir = makeProject();
  const files: Record<string, string> = { 'pgv.config.yaml': schemaConfig(db, 'schema') };
  for (let k = 1; k <= 5; k++) files[`schema/update${k}.sql`] = `CREATE TABLE t${k} (id int);\n`;
  files['schema/update6.sql'] = 'SELECT pg_sleep(4) AS intr_apply_marker;\nCREATE TABLE late (id int);\n';
  files['schema/update7.sql'] = 'CREATE TABLE after_late (id int);\n';
  writeFiles(dir, files);
  try {
    const run = spawnPgv(['apply'], { cwd: dir });
    await waitFor('update6.sql to run', running('intr_apply_marker'));
    const t0 = Date.now();
    run.child.kill('SIGINT');
    const done = await run.done;
    assert.is(done.code, 130, done.stderr);
    assert.ok(Date.now() - t0 < 3000, 'pgv waits for the cancel, not for the script');
    assert.match(done.stderr, 'pgv: interrupted: app: update6.sql: cancelled and rolled back; update1.sql–update5.sql applied; at version 5, 2 scripts pending; run pgv apply again');
    assert.not.match(done.stderr, 'internal error');
    assert.not.ok(await running('intr_apply_marker')(), 'the statement is no longer running on the server');
    await sleep(4500); // past the end of pg_sleep(4): had it kept running, late would exist now
    const tables = await tablesOf(db);
    assert.not.ok(tables.includes('public.late'), 'update6.sql left nothing');
    assert.not.ok(tables.includes('public.after_late'), 'update7.sql did not run');
    assert.equal(await scriptsOf(db), ['update1.sql', 'update2.sql', 'update3.sql', 'update4.sql', 'update5.sql']);
    // And the next apply continues.
    writeFiles(dir, { 'schema/update6.sql': 'CREATE TABLE late (id int);\n' });
    const again = await runPgv(['apply'], { cwd: dir });
    assert.is(again.code, 0, again.stderr);
    assert.is((await scriptsOf(db)).length, 7);
  } finally {
    await dropDatabase(db);
  }
});

test('apply, SIGTERM during a -- pgv:no-transaction script: cancelled, the line says which statements had completed and where the ledger is; the ledger keeps it', async () => {
  const db = await createDatabase('intr_notx');
  const dir = makeProject();
  writeFiles(dir, {
    'pgv.config.yaml': schemaConfig(db, 'schema'),
    'schema/update1.sql': 'CREATE TABLE t1 (id int);\n',
    'schema/update2.sql': '-- pgv:no-transaction\nCREATE TABLE a (id int);\nSELECT pg_sleep(4) AS intr_notx_marker;\nCREATE TABLE b (id int);\n',
  });
  try {
    const run = spawnPgv(['apply'], { cwd: dir });
    await waitFor('update2.sql to run', running('intr_notx_marker'));
    run.child.kill('SIGTERM');
    const done = await run.done;
    assert.is(done.code, 130, done.stderr);
    // The database was read again: its version from the ledger, and the unfinished script (not "could not be read").
    assert.match(
      done.stderr,
      'pgv: interrupted: app: update2.sql (outside a transaction) cancelled at statement 2 of 3; statement 1 had completed and stays; update1.sql applied; at version 1, update2.sql unfinished (its ledger row records where it stopped); settle it by hand, then pgv baseline app --version 2 (finished) or pgv baseline app --version 1 (undone)',
    );
    assert.not.match(done.stderr, 'could not be read');
    assert.match(done.stdout, 'Interrupted; what each part left follows on stderr.');
    assert.not.match(done.stdout, 'Some parts failed');
    await sleep(4500);
    const tables = await tablesOf(db);
    assert.ok(tables.includes('public.a'));
    assert.not.ok(tables.includes('public.b'), 'the statement after the cancelled one did not run');
    assert.equal(await scriptsOf(db), ['update1.sql', 'update2.sql (started)']);
    // The ledger row keeps what pgv knew: cancelled (not failed) at statement 2 of 3, 1 completed.
    const failure = await withDb(db, async (c) => (await c.query<{ failure: Record<string, unknown> }>("SELECT failure FROM pgv.upgrades WHERE script = 'update2.sql'")).rows[0]!.failure);
    assert.equal(failure, { statement: 2, statements: 3, completed: 1, line: 3, text: 'SELECT pg_sleep(4) AS intr_notx_marker', error: 'pgv was interrupted (Ctrl-C, SIGTERM) and cancelled it', sqlstate: '57014', interrupted: true });
    // info and the next apply say so, instead of "started … and never finished" (as after kill -9).
    const info = await runPgv(['info'], { cwd: dir });
    assert.match(info.stdout, 'update2.sql was interrupted at statement 2 of 3 (line 3: SELECT pg_sleep(4) AS intr_notx_marker); 1 had completed (outside a transaction, started at ');
    assert.not.match(info.stdout, 'never finished');
    const json = jsonOf(await runPgv(['info', '--json'], { cwd: dir }));
    assert.is(json.parts[0].unfinished.state, 'interrupted');
    assert.is(json.parts[0].unfinished.failure.interrupted, true);
    assert.equal(json.parts[0].unfinished.settle, { finished: 'pgv baseline app --version 2', undone: 'pgv baseline app --version 1' });
    const again = await runPgv(['apply'], { cwd: dir });
    assert.is(again.code, 3, again.stderr);
    assert.match(again.stderr, 'pgv: error: part app: update2.sql was interrupted at statement 2 of 3 (line 3: SELECT pg_sleep(4) AS intr_notx_marker); 1 had completed');
    assert.match(again.stderr, ': pgv was interrupted (Ctrl-C, SIGTERM) and cancelled it (SQLSTATE 57014)');
    assert.match(again.stderr, 'hint: It ran outside a transaction and was interrupted: statement 1 stays applied.');
  } finally {
    await dropDatabase(db);
  }
});

test('apply, SIGINT during the last statement of a -- pgv:no-transaction script: the progress says INTERRUPTED, info says where it stopped', async () => {
  const db = await createDatabase('intr_notx2');
  const rep = await createDatabase('intr_notx2_rep');
  const dir = makeProject();
  writeFiles(dir, {
    'pgv.config.yaml': `${schemaConfig(db, 'schema')}  rep:\n    recipe: schema\n    dbname: ${rep}\n    schema: rep\n    after: [app]\n`,
    'schema/update1.sql': 'CREATE TABLE t1 (id int);\n',
    'schema/update2.sql': '-- pgv:no-transaction\nCREATE TABLE IF NOT EXISTS n1 (id int);\nSELECT pg_sleep(4) AS intr_notx2_marker;\n',
    'rep/update1.sql': 'CREATE TABLE r1 (id int);\n',
  });
  try {
    const run = spawnPgv(['apply', '--allow-lint-errors'], { cwd: dir });
    await waitFor('update2.sql to run', running('intr_notx2_marker'));
    run.child.kill('SIGINT');
    const done = await run.done;
    assert.is(done.code, 130, done.stderr);
    assert.match(done.stderr, `✖ app (${db}) [INTERRUPTED: update2.sql (outside a transaction) was cancelled at statement 2 of 2]`);
    assert.match(done.stderr, `↓ rep (${rep}) [SKIPPED: part app did not succeed]`);
    assert.not.match(done.stderr, `❯ rep (${rep})`, 'rep never started: no header');
    assert.match(done.stderr, 'pgv: interrupted: app: update2.sql (outside a transaction) cancelled at statement 2 of 2; statement 1 had completed and stays; update1.sql applied; at version 1, update2.sql unfinished (its ledger row records where it stopped);');
    assert.match(done.stderr, `pgv: interrupted: rep: not started; not initialised, 1 script pending; run pgv apply again`);
    assert.match(done.stdout, 'Interrupted; what each part left follows on stderr.');
    const info = jsonOf(await runPgv(['info', 'app', '--json'], { cwd: dir }));
    assert.is(info.parts[0].version, '1');
    assert.is(info.parts[0].unfinished.summary, 'update2.sql was interrupted at statement 2 of 2 (line 3: SELECT pg_sleep(4) AS intr_notx2_marker); 1 had completed');
    assert.equal(await scriptsOf(db), ['update1.sql', 'update2.sql (started)']);
  } finally {
    await dropDatabase(db);
    await dropDatabase(rep);
  }
});

test('baseline, SIGINT while it waits for the lock: exit 130 at once, nothing recorded', async () => {
  const db = await createDatabase('intr_base');
  const dir = makeProject();
  writeFiles(dir, { 'pgv.config.yaml': schemaConfig(db, 'schema'), 'schema/update1.sql': 'CREATE TABLE t1 (id int);\n' });
  const holder = await connect(specFor(db));
  try {
    await holder.query('SELECT pg_advisory_lock($1, 1)', [0x706776]);
    const run = spawnPgv(['baseline', 'app', '--version', '1'], { cwd: dir });
    await waitFor('baseline to wait for the lock', async () => run.stderr().includes('waiting for'));
    run.child.kill('SIGINT');
    const done = await run.done;
    assert.is(done.code, 130, done.stderr);
    assert.match(done.stderr, 'pgv: interrupted: app: not started;');
    assert.match(done.stderr, 'run pgv baseline again');
    await holder.query('SELECT pg_advisory_unlock_all()');
    assert.equal(await tablesOf(db), [], 'no ledger, no row');
  } finally {
    await holder.end();
    await dropDatabase(db);
  }
});

test('check PART, SIGINT while the reference is built: cancelled, the reference dropped, exit 130', async () => {
  const db = await createDatabase('intr_check');
  const dir = makeProject();
  writeFiles(dir, { 'pgv.config.yaml': schemaConfig(db, 'schema'), 'schema/init.sql': 'SELECT pg_sleep(4) AS intr_check_marker;\nCREATE TABLE t (id int);\n' });
  try {
    const run = spawnPgv(['check', 'app'], { cwd: dir });
    await waitFor('the reference build', running('intr_check_marker'));
    run.child.kill('SIGINT');
    const done = await run.done;
    assert.is(done.code, 130, done.stderr);
    assert.match(done.stderr, /pgv: interrupted: building the reference of part app was cancelled; its throwaway database \S+_pgv_ref_\S+ is dropped, nothing else was changed/);
    assert.equal(await databasesLike(`${db}_pgv_`), [], 'the reference is gone');
    assert.not.ok(await running('intr_check_marker')());
  } finally {
    await dropDatabase(db);
  }
});

test('test-and-upgrade, SIGINT during the rehearsal: cancelled, the copy dropped, production untouched, exit 130', async () => {
  const db = uniqueName('intr_tau');
  const dir = makeProject();
  writeFiles(dir, { 'pgv.config.yaml': schemaConfig(db, 'schema', '    create: true\n'), 'schema/update1.sql': 'CREATE TABLE t1 (id int);\n' });
  try {
    assert.is((await runPgv(['apply'], { cwd: dir })).code, 0);
    writeFiles(dir, { 'schema/update2.sql': 'SELECT pg_sleep(4) AS intr_tau_marker;\nCREATE TABLE t2 (id int);\n' });
    const run = spawnPgv(['test-and-upgrade', 'app'], { cwd: dir });
    await waitFor('the rehearsal', running('intr_tau_marker'));
    run.child.kill('SIGINT');
    const done = await run.done;
    assert.is(done.code, 130, done.stderr);
    assert.match(done.stderr, /pgv: interrupted: the rehearsal on \S+ was cancelled; its throwaway database \S+ is dropped, nothing else was changed/);
    await sleep(500);
    assert.equal(await databasesLike(db), [db], 'no throwaway left');
    assert.equal(await scriptsOf(db), ['update1.sql']);
    assert.equal(await tablesOf(db), ['pgv.upgrades', 'public.t1']);
  } finally {
    await dropDatabase(db);
  }
});

test('restore of a plain dump, SIGINT while it runs: psql cancels its statement on the server; nothing restored, exit 130', async () => {
  const db = await createDatabase('intr_restore');
  const dir = makeProject();
  writeFiles(dir, {
    'pgv.config.yaml': schemaConfig(db, 'schema'),
    'schema/update1.sql': 'CREATE TABLE t1 (id int);\n',
    'dump.sql': '--\n-- PostgreSQL database dump\n--\n\nCREATE TABLE early (id int);\nSELECT pg_sleep(4) AS intr_restore_marker;\nCREATE TABLE late (id int);\n',
  });
  try {
    const run = spawnPgv(['restore', 'app', '-f', 'dump.sql'], { cwd: dir });
    await waitFor('the restore', running('intr_restore_marker'));
    run.child.kill('SIGINT');
    const done = await run.done;
    assert.is(done.code, 130, done.stderr);
    assert.match(done.stderr, /pgv: interrupted: could not restore .*dump\.sql into "intr_restore_\w+": psql was stopped and its statement cancelled on the server; nothing was restored/);
    assert.not.ok(await running('intr_restore_marker')(), 'cancelled on the server, not left running');
    await sleep(4500);
    assert.equal(await tablesOf(db), [], 'the one transaction was rolled back');
  } finally {
    await dropDatabase(db);
  }
});

test('snapshot commit, SIGINT while it waits for another snapshot command: exit 130, nothing changed; a second Ctrl-C exits at once', async () => {
  const db = await createDatabase('intr_snap');
  const pause = path.join(mkdtempSync(path.join(process.env.PGV_TEST_TEMP ?? '/tmp', 'pause-')), 'paused');
  const env = { ...clusterEnv };
  try {
    assert.is((await runPgv(['snapshot', 'init', '--db', db], { cwd: bareDir(), env })).code, 0);
    // The first commit holds the snapshot lock, stopped (the test hook) before it copies anything.
    const first = spawnPgv(['snapshot', 'commit', '--db', db], { cwd: bareDir(), env: { ...env, PGV_TEST_PAUSE_AT: 'commit:journaled', PGV_TEST_PAUSE_FILE: pause } });
    await waitFor('the first commit to pause', async () => existsSync(pause));
    const second = spawnPgv(['snapshot', 'commit', '--db', db], { cwd: bareDir(), env });
    await waitFor('the second commit to wait for the lock', async () => second.stderr().includes('waiting'));
    assert.match(second.stderr(), `the snapshots of database "${db}" are locked by pid`);
    assert.match(second.stderr(), 'waiting for it up to 60 s');
    second.child.kill('SIGINT');
    const stopped = await second.done;
    assert.is(stopped.code, 130, stopped.stderr);
    assert.match(stopped.stderr, `pgv: interrupted: snapshot commit of "${db}" was cancelled; nothing changed (it was waiting for the lock)`);
    // The paused one runs no statement: the first Ctrl-C has nothing to cancel, the second exits at once.
    first.child.kill('SIGINT');
    await sleep(300);
    first.child.kill('SIGINT');
    const exited = await first.done;
    assert.is(exited.code, 130, exited.stderr);
    assert.match(exited.stderr, 'pgv: interrupted again: exiting now; nothing was running on the server');
    // The next command undoes the journaled commit: still version 0, no snapshot.
    const info = await runPgv(['snapshot', 'info', '--db', db], { cwd: bareDir(), env });
    assert.is(info.code, 0, info.stderr);
    assert.match(info.stdout, 'version : 0');
    assert.equal(await familyOf(db), [db]);
  } finally {
    await dropFamily(db);
  }
});

test('a runner that waits for the lock says at once whom it waits for and for how long', async () => {
  const db = await createDatabase('lock_say');
  const dir = makeProject();
  writeFiles(dir, { 'pgv.config.yaml': schemaConfig(db, 'schema'), 'schema/update1.sql': 'CREATE TABLE t1 (id int);\n' });
  const holder = await connect(specFor(db));
  try {
    await holder.query('SELECT pg_advisory_lock($1, 1)', [0x706776]);
    const run = spawnPgv(['apply', '--lock-timeout', '3'], { cwd: dir });
    await waitFor('the note', async () => run.stderr().includes('waiting'), 10000);
    const t0 = Date.now();
    const stderr = run.stderr();
    assert.match(stderr, new RegExp(`pgv: app: waiting: database "${db}" is locked by pid ${holder.backendPid} \\(pgv-test, user postgres, connected since \\d{4}-\\d\\d-\\d\\dT[^)]*\\); waiting for it up to 3 s \\(--lock-timeout\\)`));
    const done = await run.done;
    assert.is(done.code, 3, done.stderr);
    assert.ok(Date.now() - t0 > 1500, 'the note came well before the timeout');
    assert.is(done.stderr.split('waiting: ').length, 2, 'said once');
  } finally {
    await holder.end();
    await dropDatabase(db);
  }
});

test('snapshot commit, SIGINT after its copy: exit 130, the message says its step is left for the next command, which finishes or undoes it', async () => {
  const db = await createDatabase('intr_snap2');
  const pause = path.join(mkdtempSync(path.join(process.env.PGV_TEST_TEMP ?? '/tmp', 'pause-')), 'paused');
  const env = { ...clusterEnv };
  try {
    assert.is((await runPgv(['snapshot', 'init', '--db', db], { cwd: bareDir(), env })).code, 0);
    const commit = spawnPgv(['snapshot', 'commit', '--db', db], { cwd: bareDir(), env: { ...env, PGV_TEST_PAUSE_AT: 'commit:copied', PGV_TEST_PAUSE_FILE: pause } });
    await waitFor('the commit to pause after its copy', async () => existsSync(pause));
    commit.child.kill('SIGINT');
    await sleep(200);
    rmSync(pause); // the test hook resumes: the commit's next statement meets the interrupt
    const stopped = await commit.done;
    assert.is(stopped.code, 130, stopped.stderr);
    assert.match(stopped.stderr, `pgv: interrupted: snapshot commit of "${db}" was cancelled; its commit step is left in the journal: the next pgv snapshot command finishes or undoes it`);
    const info = await runPgv(['snapshot', 'info', '--db', db], { cwd: bareDir(), env });
    assert.is(info.code, 0, info.stderr);
    assert.match(info.stderr + info.stdout, /version : [01]/);
  } finally {
    await dropFamily(db);
  }
});

test('apply of a part with snapshot: before-apply, SIGINT during a script: cancelled, not reverted behind the user\'s back, the snapshot named', async () => {
  const db = await createDatabase('intr_guard');
  const dir = makeProject();
  writeFiles(dir, {
    'pgv.config.yaml': schemaConfig(db, 'schema', '    snapshot: before-apply\n'),
    'schema/update1.sql': 'CREATE TABLE t1 (id int);\n',
  });
  try {
    assert.is((await runPgv(['apply'], { cwd: dir })).code, 0);
    writeFiles(dir, { 'schema/update2.sql': 'CREATE TABLE t2 (id int);\n', 'schema/update3.sql': 'SELECT pg_sleep(4) AS intr_guard_marker;\nCREATE TABLE t3 (id int);\n' });
    const run = spawnPgv(['apply'], { cwd: dir });
    await waitFor('update3.sql to run', running('intr_guard_marker'));
    run.child.kill('SIGINT');
    const done = await run.done;
    assert.is(done.code, 130, done.stderr);
    assert.match(done.stderr, 'pgv: interrupted: app: update3.sql: cancelled and rolled back; update2.sql applied; at version 2, 1 script pending; run pgv apply again');
    assert.match(done.stdout, /snapshot revision \d+ taken before apply \(pgv snapshot revert app \d+ goes back\)/);
    assert.not.match(done.stdout + done.stderr, 'could NOT revert');
    assert.equal(await scriptsOf(db), ['update1.sql', 'update2.sql']);
  } finally {
    await dropFamily(db);
  }
});

test.run();
