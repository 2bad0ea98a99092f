/** Guarded apply: `snapshot: before-apply` commits before any script and reverts a failed apply. */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { jsonOf, makeProject, runPgv, schemaConfig, writeFiles } from '../helpers/cli.js';
import { connect } from '../../lib/db/client.js';
import { specFor, uniqueName, withDb } from '../helpers/db.js';
import { dropFamily, familyOf, valuesOf } from '../helpers/snapshot.js';

const failing = ['-- pgv:no-transaction', "INSERT INTO t VALUES ('two');", 'CREATE INDEX CONCURRENTLY t_v ON t (v);', 'SELECT 1/0;', ''].join('\n');

/** A project whose part is at generation 1 (t holds 'one'), with update2.sql as given. */
async function project(db: string, update2: string, extra = '    snapshot: before-apply\n'): Promise<string> {
  const dir = makeProject('guard');
  writeFiles(dir, { 'schema/update1.sql': "CREATE TABLE t (v text); INSERT INTO t VALUES ('one');\n", 'pgv.config.yaml': schemaConfig(db, 'schema', `    create: true\n${extra}`) });
  const first = await runPgv(['apply', '-q'], { cwd: dir });
  assert.is(first.code, 0, first.stderr);
  assert.equal(await familyOf(db), [db], 'a database that apply creates is not snapshotted');
  writeFiles(dir, { 'schema/update2.sql': update2 });
  return dir;
}

async function indexes(db: string): Promise<string[]> {
  return withDb(db, async (c) => (await c.query<{ n: string }>("SELECT indexname AS n FROM pg_indexes WHERE tablename = 't'")).rows.map((r) => r.n));
}

async function ledger(db: string): Promise<string[]> {
  return withDb(db, async (c) => (await c.query<{ s: string }>("SELECT script || ':' || success AS s FROM pgv.upgrades ORDER BY id")).rows.map((r) => r.s));
}

test('a failing script outside a transaction is reverted; the failed state is kept as its own revision', async () => {
  const db = uniqueName('guard');
  try {
    const dir = await project(db, failing);
    const run = await runPgv(['apply', '--json'], { cwd: dir });
    assert.is(run.code, 3, run.stderr);
    assert.match(run.stderr, 'division by zero');
    assert.match(run.stderr, `hint: pgv reverted "${db}" to snapshot revision 0, the state before apply; the failed state is kept as revision 1 (database ${db}~1) for inspection.`);
    assert.not.match(run.stderr, 'Fix it by hand');
    const doc = jsonOf(run);
    assert.is(doc.parts[0].status, 'failed');
    assert.equal(doc.snapshots, [{ part: 'app', database: db, before: 0, reverted: true, kept: { revision: 1, database: `${db}~1` } }]);

    // The working database is exactly as before apply: no row, no index, no ledger row of update2.
    assert.equal(await valuesOf(db), ['one']);
    assert.equal(await indexes(db), []);
    assert.equal(await ledger(db), ['update1.sql:true']);
    // The failed state is there to inspect.
    assert.equal(await valuesOf(`${db}~1`), ['one', 'two']);
    assert.equal(await indexes(`${db}~1`), ['t_v']);
    assert.equal(await ledger(`${db}~1`), ['update1.sql:true', 'update2.sql:false']);

    const log = jsonOf(await runPgv(['snapshot', 'log', 'app', '--json'], { cwd: dir })).revisions;
    assert.equal(log.map((r: { revision: number; parent: number }) => [r.revision, r.parent]), [[2, 0], [1, 0], [0, 0]]);
    assert.is(log[2].message, 'before pgv apply: run update2.sql');
    assert.match(log[1].message, /^failed pgv apply: .*division by zero/);

    // Text output says what happened.
    writeFiles(dir, { 'schema/update2.sql': failing.replace('SELECT 1/0;', 'SELECT 1/0 AS again;') });
    const text = await runPgv(['apply'], { cwd: dir });
    assert.is(text.code, 3);
    assert.match(text.stdout, `app (${db}): reverted to snapshot revision 2, the state before apply; the failed state is kept as revision 3 (database ${db}~3)`);

    // Fixed: apply runs update2.sql from scratch, behind a new snapshot.
    writeFiles(dir, { 'schema/update2.sql': failing.replace('SELECT 1/0;\n', '') });
    const ok = await runPgv(['apply'], { cwd: dir });
    assert.is(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, `app (${db}): snapshot revision 4 taken before apply (pgv snapshot revert app 4 goes back)`);
    assert.equal(await valuesOf(db), ['one', 'two']);
    assert.equal(await ledger(db), ['update1.sql:true', 'update2.sql:true']);
    // Nothing to do: no snapshot.
    const idle = await runPgv(['apply'], { cwd: dir });
    assert.match(idle.stdout, 'up to date');
    assert.equal(jsonOf(await runPgv(['snapshot', 'info', '--json'], { cwd: dir })).version, 5);
  } finally {
    await dropFamily(db);
  }
});

test('--no-snapshot skips the guard for one run (and the half-applied script shows why it exists)', async () => {
  const db = uniqueName('noguard');
  try {
    const dir = await project(db, failing);
    const run = await runPgv(['apply', '--no-snapshot'], { cwd: dir });
    assert.is(run.code, 3);
    assert.not.match(run.stdout, 'snapshot');
    assert.equal(await familyOf(db), [db]);
    assert.equal(await valuesOf(db), ['one', 'two'], 'the statements before the failure stay applied');
  } finally {
    await dropFamily(db);
  }
});

test('sessions on the database: the guard refuses before anything runs, and says how to go on', async () => {
  const db = uniqueName('guardbusy');
  let other: Awaited<ReturnType<typeof connect>> | undefined;
  try {
    const dir = await project(db, failing.replace('SELECT 1/0;\n', ''));
    other = await connect({ ...specFor(db), application_name: 'web' });
    const run = await runPgv(['apply'], { cwd: dir });
    assert.is(run.code, 3);
    assert.match(run.stderr, 'part app: cannot take the snapshot before apply (snapshot: before-apply)');
    assert.match(run.stderr, 'application "web"');
    assert.match(run.stderr, 'pgv apply --no-snapshot');
    assert.equal(await valuesOf(db), ['one'], 'nothing was applied');
  } finally {
    await other?.end();
    await dropFamily(db);
  }
});

test('the config accepts snapshot: before-apply, true and false, and nothing else', async () => {
  const dir = makeProject('guardcfg');
  writeFiles(dir, { 'schema/update1.sql': 'SELECT 1;\n' });
  for (const [value, ok] of [['before-apply', true], ['true', true], ['false', true], ['always', false]] as const) {
    writeFiles(dir, { 'pgv.config.yaml': schemaConfig('x', 'schema', `    snapshot: ${value}\n`) });
    const r = await runPgv(['validate', '--json'], { cwd: dir });
    assert.is(r.code, ok ? 0 : 2, `${value}: ${r.stderr}`);
    if (ok) assert.is(jsonOf(r).parts[0].snapshot, value !== 'false');
  }
  rmSync(path.join(dir, 'schema'), { recursive: true });
});

test.run();
