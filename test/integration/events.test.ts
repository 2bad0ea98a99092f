/** The event stream: `--json-lines` (NDJSON on stdout) for the commands that run steps, and the not-run steps after a failure. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { validateAgainst } from '../../lib/config/validate.js';
import { makeProject, runPgv, schemaConfig, spawnPgv, writeFiles } from '../helpers/cli.js';
import { connect } from '../../lib/db/client.js';
import { createDatabase, dropDatabase, specFor, waitFor, withDb } from '../helpers/db.js';

/** Every stdout line as an object, each checked against schemas/pgv.events.schema.json. */
function events(stdout: string): Array<Record<string, any>> {
  const lines = stdout.trimEnd().split('\n');
  return lines.map((line, k) => {
    const event = JSON.parse(line) as Record<string, any>;
    assert.equal(validateAgainst('pgv.events.schema.json', event), [], `line ${k + 1}: ${line}`);
    return event;
  });
}

test('apply --json-lines: one typed object per line, the failed step, the steps not run, the summary last', async () => {
  const db = await createDatabase('events_fail');
  const dir = makeProject();
  writeFiles(dir, {
    'schema/update1.sql': 'CREATE TABLE a (id int);\n',
    'schema/update2.sql': 'SELECT 1 / 0;\n',
    'schema/update3.sql': 'CREATE TABLE c (id int);\n',
    'pgv.config.yaml': schemaConfig(db, 'schema'),
  });
  try {
    const run = await runPgv(['apply', '--json-lines'], { cwd: dir });
    assert.is(run.code, 3, run.stderr);
    const all = events(run.stdout);
    assert.equal(
      all.map((e) => e.type),
      ['run-started', 'part-started', 'part-replanned', ...Array(3).fill(['step-started', 'step-finished']).flat(), 'part-finished', 'run-finished', 'summary'],
    );
    // Alone on the database: the replan under the lock changed nothing.
    const replanned = all.find((e) => e.type === 'part-replanned')!;
    assert.equal([replanned.dropped, replanned.added, replanned.current], [[], [], null]);
    assert.equal(replanned.steps.map((s: { id: string }) => s.id), all[0]!.parts[0].steps.map((s: { id: string }) => s.id));
    assert.equal(all[0]!.parts[0].steps.map((s: { id: string }) => s.id), ['app:create-ledger', 'app:run:update1.sql', 'app:run:update2.sql', 'app:run:update3.sql']);
    const failed = all.find((e) => e.type === 'step-finished' && e.status === 'failed')!;
    assert.is(failed.step.id, 'app:run:update2.sql');
    assert.is(failed.error.code, 'script_failed');
    assert.match(failed.error.message, 'division by zero');
    const part = all.find((e) => e.type === 'part-finished')!;
    assert.is(part.status, 'failed');
    assert.is(part.steps_done, 2);
    assert.equal(part.not_run, [{ id: 'app:run:update3.sql', kind: 'run-script', title: 'run update3.sql' }]);
    const summary = all.at(-1)!;
    assert.is(summary.ok, false);
    assert.equal(summary.parts[0].steps.map((s: { status: string }) => s.status), ['done', 'done', 'failed', 'not-run']);
    // The text report says so too.
    const text = await runPgv(['apply'], { cwd: dir });
    assert.match(text.stdout, 'FAILED at run update2.sql (0 steps applied before; 1 not run)');
  } finally {
    await dropDatabase(db);
  }
});

test('apply --json-lines on an up-to-date database, and a command without steps: the stream still ends with the summary', async () => {
  const db = await createDatabase('events_noop');
  const dir = makeProject();
  writeFiles(dir, { 'schema/update1.sql': 'CREATE TABLE a (id int);\n', 'pgv.config.yaml': schemaConfig(db, 'schema') });
  try {
    assert.is((await runPgv(['apply'], { cwd: dir })).code, 0);
    const again = await runPgv(['apply', '--json-lines'], { cwd: dir });
    assert.is(again.code, 0, again.stderr);
    const all = events(again.stdout);
    assert.equal(all.map((e) => e.type), ['run-started', 'part-finished', 'run-finished', 'summary']);
    assert.is(all[1]!.status, 'unchanged');
    assert.is(all[1]!.version, '1');
    const plan = await runPgv(['plan', '--json-lines'], { cwd: dir });
    const lines = events(plan.stdout);
    assert.is(lines.length, 1);
    assert.is(lines[0]!.type, 'summary');
    assert.equal(lines[0]!.parts[0].steps, []);
  } finally {
    await dropDatabase(db);
  }
});

test('a second runner plans again under the lock and finds nothing to do: part-replanned says what was done meanwhile; plan --json shows the replan step', async () => {
  const db = await createDatabase('events_replan');
  const dir = makeProject();
  writeFiles(dir, {
    // update1.sql waits for the test's advisory lock 4242: the first runner holds pgv's lock until the test lets it go on.
    'schema/update1.sql': 'SELECT pg_advisory_xact_lock(4242);\nCREATE TABLE a (id int);\n',
    'schema/update2.sql': 'CREATE TABLE b (id int);\n',
    'pgv.config.yaml': schemaConfig(db, 'schema'),
  });
  const gate = await connect(specFor(db));
  try {
    const plan = await runPgv(['plan', '--json'], { cwd: dir });
    assert.is(plan.code, 0, plan.stderr);
    assert.equal(validateAgainst('pgv.plan.schema.json', JSON.parse(plan.stdout)), []);
    assert.equal(JSON.parse(plan.stdout).parts[0].replan, { planner: 'apply', accept: [] });
    await gate.query('SELECT pg_advisory_lock(4242)');
    const first = spawnPgv(['apply'], { cwd: dir });
    await waitFor('update1.sql to wait for the gate', () => withDb(db, async (c) => (await c.query('SELECT 1 FROM pg_locks WHERE locktype = $1 AND objid = 4242 AND NOT granted', ['advisory'])).rowCount > 0));
    // Two more runners plan both scripts, then wait for pgv's lock (polling pg_try_advisory_lock).
    const others = Promise.all([runPgv(['apply', '--json-lines'], { cwd: dir }), runPgv(['apply'], { cwd: dir })]);
    await waitFor('both to wait for the lock', () =>
      withDb(db, async (c) => Number((await c.query<{ n: string }>(`SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '%pg_try_advisory_lock%' AND pid <> pg_backend_pid()`)).rows[0]!.n) >= 2),
    );
    await gate.query('SELECT pg_advisory_unlock(4242)');
    const [second, third] = await others;
    assert.is((await first.done).code, 0);
    assert.is(second.code, 0, second.stderr);
    const all = events(second.stdout);
    assert.equal(all[0]!.parts[0].steps.map((s: { id: string }) => s.id), ['app:run:update1.sql', 'app:run:update2.sql'], 'planned before the lock (the ledger was created by then)');
    const replanned = all.find((e) => e.type === 'part-replanned')!;
    assert.equal(replanned.steps, []);
    assert.equal(replanned.dropped, ['app:run:update1.sql', 'app:run:update2.sql']);
    assert.equal(replanned.added, []);
    assert.is(replanned.current, '2');
    assert.not.ok(all.some((e) => e.type === 'step-started'), 'the second runner ran nothing');
    const part = all.find((e) => e.type === 'part-finished')!;
    assert.equal([part.status, part.version, part.not_run], ['unchanged', '2', []]);
    // The plain progress lines say it in words.
    assert.is(third.code, 0, third.stderr);
    assert.match(third.stderr, 'pgv: app: planned again under the lock: 2 steps done meanwhile by another runner; nothing left to do (at version 2)');
    const rows = await withDb(db, async (c) => (await c.query<{ script: string }>('SELECT script FROM pgv.upgrades ORDER BY id')).rows.map((r) => r.script));
    assert.equal(rows, ['update1.sql', 'update2.sql'], 'each script once');
  } finally {
    await gate.end();
    await dropDatabase(db);
  }
});

test('--json-lines: an error before any result is the one line, typed error', async () => {
  const dir = makeProject();
  writeFiles(dir, { 'pgv.config.yaml': 'parts: {}\nbogus: 1\n' });
  const run = await runPgv(['apply', '--json-lines'], { cwd: dir });
  assert.is(run.code, 2);
  const all = events(run.stdout);
  assert.is(all.length, 1);
  assert.is(all[0]!.type, 'error');
  assert.is(all[0]!.error.code, 'config_invalid');
});

test.run();
