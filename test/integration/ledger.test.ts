/** `pgv info`, `pgv baseline`, changed scripts and `--accept-changed`, end to end against the real server. */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { validateAgainst } from '../../lib/config/validate.js';
import { copyFixture, jsonOf, makeProject, runPgv, schemaConfig, writeFiles } from '../helpers/cli.js';
import { createDatabase, dropDatabase, tablesOf, uniqueName, withDb } from '../helpers/db.js';

type Row = { version: string; script: string; kind: string; checksum: string | null; success: boolean };

async function ledgerOf(db: string): Promise<Row[]> {
  return withDb(db, async (c) => (await c.query<Row>('SELECT version, script, kind, checksum, success FROM pgv.upgrades ORDER BY id')).rows);
}

/** A project with the shop fixture as part `app` on database `db`. */
function shopProject(db: string, extra = ''): string {
  const dir = makeProject();
  copyFixture('schema/shop', dir, 'schema');
  writeFiles(dir, { 'pgv.config.yaml': schemaConfig(db, 'schema', extra) });
  return dir;
}

test('info --json: versions as strings, null before init, pending and applied; it follows its schema', async () => {
  const db = uniqueName('info');
  const dir = shopProject(db, '    create: true\n');
  try {
    const before = jsonOf(await runPgv(['info', '--json'], { cwd: dir }));
    assert.equal(validateAgainst('pgv.info.schema.json', before), []);
    const p0 = before.parts[0];
    assert.is(p0.version, null);
    assert.equal(p0.applied, []);
    assert.equal(p0.pending, [{ version: '3', script: 'init.sql' }]);
    assert.match(p0.problems[0], `database "${db}" does not exist; apply creates it`);

    assert.is((await runPgv(['apply'], { cwd: dir })).code, 0);
    const after = jsonOf(await runPgv(['info', '--json'], { cwd: dir }));
    assert.equal(validateAgainst('pgv.info.schema.json', after), []);
    const p1 = after.parts[0];
    assert.is(p1.version, '3');
    assert.is(p1.applied.length, 1);
    assert.equal({ ...p1.applied[0], installed_at: 'x', duration_ms: 0 }, {
      version: '3', script: 'init.sql', kind: 'init', checksum: (await ledgerOf(db))[0]!.checksum, installed_at: 'x', installed_by: 'postgres', duration_ms: 0,
    });
    assert.match(p1.applied[0].installed_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    assert.equal(p1.pending, []);
    assert.equal(p1.changed, []);

    const text = await runPgv(['info'], { cwd: dir });
    assert.is(text.code, 0);
    assert.match(text.stdout, 'version: 3');
    assert.match(text.stdout, /3 {2}init\.sql {2}init/);
    assert.match(text.stdout, 'pending: none');
  } finally {
    await dropDatabase(db);
  }
});

test('a changed applied script: info and plan report it, apply refuses with exit 3 until --accept-changed records it', async () => {
  const db = await createDatabase('changed');
  const dir = shopProject(db);
  try {
    // From generation 0 through update1..3.
    await runPgv(['baseline', 'app', '--version', '0'], { cwd: dir });
    const original = readFileSync(path.join(dir, 'schema', 'update2.sql'));
    assert.is((await runPgv(['apply'], { cwd: dir })).code, 0);
    assert.equal((await ledgerOf(db)).map((r) => r.script), ['baseline', 'update1.sql', 'update2.sql', 'update3.sql']);

    writeFiles(dir, { 'schema/update2.sql': readFileSync(path.join(dir, 'schema', 'update2.sql'), 'utf8') + '\n-- reformatted\n' });
    const info = jsonOf(await runPgv(['info', '--json'], { cwd: dir })).parts[0];
    assert.equal(info.changed, [{ version: '2', script: 'update2.sql', change: 'modified' }]);
    assert.match(info.problems.join('\n'), 'apply refuses');
    const plan = await runPgv(['plan'], { cwd: dir });
    assert.match(plan.stdout, 'update2.sql (version 2) changed since it was applied');

    const refused = await runPgv(['apply'], { cwd: dir });
    assert.is(refused.code, 3, refused.stderr);
    assert.match(refused.stderr, 'part app: 1 applied script has changed since it ran');
    assert.match(refused.stderr, 'update2.sql (version 2)');
    assert.match(refused.stderr, '--accept-changed update2.sql');

    const typo = await runPgv(['apply', '--accept-changed', 'update9.sql'], { cwd: dir });
    assert.is(typo.code, 2);
    assert.match(typo.stderr, '--accept-changed update9.sql: no applied script of that name has changed');
    assert.match(typo.stderr, 'Changed scripts: app:update2.sql');

    const accepted = await runPgv(['apply', '--accept-changed', 'app:update2.sql'], { cwd: dir });
    assert.is(accepted.code, 0, accepted.stderr);
    const rows = await ledgerOf(db);
    const accept = rows.find((r) => r.kind === 'accept')!;
    assert.is(accept.script, 'update2.sql');
    assert.is(accept.version, '2');
    assert.is.not(accept.checksum, rows.find((r) => r.script === 'update2.sql' && r.kind === 'update')!.checksum);
    // Nothing ran again, and apply is quiet now.
    assert.is(rows.filter((r) => r.script === 'update2.sql' && r.kind === 'update').length, 1);
    const again = await runPgv(['apply'], { cwd: dir });
    assert.is(again.code, 0, again.stderr);
    assert.match(again.stdout, 'up to date');
    assert.equal(jsonOf(await runPgv(['info', '--json'], { cwd: dir })).parts[0].changed, []);

    // Restoring the original content is also fine (it matches the applied checksum).
    writeFileSync(path.join(dir, 'schema', 'update2.sql'), original);
    assert.is((await runPgv(['apply'], { cwd: dir })).code, 0);
  } finally {
    await dropDatabase(db);
  }
});

test('baseline adopts a database built without pgv; apply then runs only the updates above it', async () => {
  const db = await createDatabase('baseline');
  const dir = shopProject(db);
  try {
    // The schema of generation 2, built by hand.
    await withDb(db, (c) => c.query(readFileSync(path.join(dir, 'schema', 'update1.sql'), 'utf8') + readFileSync(path.join(dir, 'schema', 'update2.sql'), 'utf8')));
    const refused = await runPgv(['apply'], { cwd: dir });
    assert.is(refused.code, 3);
    assert.match(refused.stderr, 'pgv baseline app --version N');

    const base = await runPgv(['baseline', 'app', '--version', '2'], { cwd: dir });
    assert.is(base.code, 0, base.stderr);
    assert.match(base.stdout, 'now at version 2');
    assert.equal(await ledgerOf(db), [{ version: '2', script: 'baseline', kind: 'baseline', checksum: null, success: true }]);

    const same = await runPgv(['baseline', 'app', '--version', '2'], { cwd: dir });
    assert.is(same.code, 0);
    assert.match(same.stdout, 'already at version 2; nothing recorded');
    assert.is((await ledgerOf(db)).length, 1);

    const plan = jsonOf(await runPgv(['plan', '--json'], { cwd: dir })).parts[0];
    assert.equal(plan.steps.map((s: { title: string }) => s.title), ['check precondition3.mjs', 'run update3.sql']);
    const applied = await runPgv(['apply'], { cwd: dir });
    assert.is(applied.code, 0, applied.stderr);
    assert.equal((await ledgerOf(db)).map((r) => r.script), ['baseline', 'update3.sql']);
    assert.equal(await tablesOf(db), ['pgv.upgrades', 'public.product', 'public.stock']);

    const back = await runPgv(['baseline', 'app', '--version', '1'], { cwd: dir });
    assert.is(back.code, 3);
    assert.match(back.stderr, 'says the database is at version 3; a baseline cannot move it back to 1');
  } finally {
    await dropDatabase(db);
  }
});

test('baseline usage errors say what is expected; a missing database is exit 3 naming it', async () => {
  const db = uniqueName('nobase');
  const dir = shopProject(db);
  const none = await runPgv(['baseline', 'app'], { cwd: dir });
  assert.is(none.code, 2);
  assert.match(none.stderr, 'pgv baseline needs --version V');
  const word = await runPgv(['baseline', 'app', '--version', 'two'], { cwd: dir });
  assert.is(word.code, 2);
  assert.match(word.stderr, '--version must be a generation number (0, 1, 2, …), not "two"');
  const high = await runPgv(['baseline', 'app', '--version', '9'], { cwd: dir });
  assert.is(high.code, 2);
  assert.match(high.stderr, 'there is no generation 9');
  assert.match(high.stderr, 'the latest is 3');
  const two = await runPgv(['baseline', '--version', '1'], { cwd: dir });
  assert.is(two.code, 2);
  assert.match(two.stderr, 'pgv baseline takes exactly one part');
  const missing = await runPgv(['baseline', 'app', '--version', '1'], { cwd: dir });
  assert.is(missing.code, 3);
  assert.match(missing.stderr, `database "${db}" does not exist`);
});

test('baseline settles a no-transaction script that never finished, and apply goes on', async () => {
  const db = await createDatabase('settle');
  const dir = makeProject();
  writeFiles(dir, {
    'schema/update1.sql': 'CREATE TABLE t (id int);\n',
    'schema/update2.sql': '-- pgv:no-transaction\nCREATE INDEX CONCURRENTLY t_id ON t (id);\n',
    'schema/update3.sql': 'ALTER TABLE t ADD COLUMN note text;\n',
    'pgv.config.yaml': schemaConfig(db, 'schema'),
  });
  try {
    assert.is((await runPgv(['apply'], { cwd: dir })).code, 0);
    // Simulate a crash in update2: its start row stays success = false, as pgv leaves it.
    await withDb(db, async (c) => {
      await c.query('DROP INDEX t_id; ALTER TABLE t DROP COLUMN note');
      await c.query("DELETE FROM pgv.upgrades WHERE script = 'update3.sql'; UPDATE pgv.upgrades SET success = false, duration_ms = NULL WHERE script = 'update2.sql'");
    });
    const refused = await runPgv(['apply'], { cwd: dir });
    assert.is(refused.code, 3);
    assert.match(refused.stderr, 'update2.sql started at');
    assert.match(refused.stderr, 'finish it by hand and record that with `pgv baseline app --version 2`, or undo it and record `pgv baseline app --version 1`');
    const info = jsonOf(await runPgv(['info', '--json'], { cwd: dir })).parts[0];
    assert.match(info.problems.join('\n'), 'update2.sql started at');

    // The operator finishes the index by hand and records generation 2.
    await withDb(db, (c) => c.query('CREATE INDEX t_id ON t (id)'));
    const settle = await runPgv(['baseline', 'app', '--version', '2'], { cwd: dir });
    assert.is(settle.code, 0, settle.stderr);
    const applied = await runPgv(['apply'], { cwd: dir });
    assert.is(applied.code, 0, applied.stderr);
    assert.equal((await ledgerOf(db)).map((r) => `${r.script}:${r.success}`), ['update1.sql:true', 'update2.sql:false', 'baseline:true', 'update3.sql:true']);
  } finally {
    await dropDatabase(db);
  }
});

test('a JS precondition that returns false or throws vetoes its update with exit 3 and its message', async () => {
  const db = await createDatabase('jsveto');
  const dir = makeProject();
  writeFiles(dir, {
    'schema/update1.sql': 'CREATE TABLE t (id int);\n',
    'schema/update2.sql': 'ALTER TABLE t ADD COLUMN x int;\n',
    'schema/precondition2.js': "exports.precondition = async (client) => { const { rows } = await client.query('SELECT count(*)::int AS n FROM t'); if (rows[0].n === 0) throw new Error('t is empty: load the data first'); return rows[0].n < 100; };\n",
    'pgv.config.yaml': schemaConfig(db, 'schema'),
  });
  try {
    const empty = await runPgv(['apply'], { cwd: dir });
    assert.is(empty.code, 3, empty.stderr);
    assert.match(empty.stderr, 'precondition2.js vetoed update 2: t is empty: load the data first');
    assert.equal((await ledgerOf(db)).map((r) => r.script), ['update1.sql']);

    await withDb(db, (c) => c.query('INSERT INTO t SELECT generate_series(1, 150)'));
    const big = await runPgv(['apply'], { cwd: dir });
    assert.is(big.code, 3);
    assert.match(big.stderr, 'precondition2.js vetoed update 2');

    await withDb(db, (c) => c.query('DELETE FROM t WHERE id > 10'));
    const ok = await runPgv(['apply'], { cwd: dir });
    assert.is(ok.code, 0, ok.stderr);
    assert.equal((await ledgerOf(db)).map((r) => r.script), ['update1.sql', 'update2.sql']);
  } finally {
    await dropDatabase(db);
  }
});

test.run();
