/** `pgv test-and-upgrade` and `apply --test-first` end to end: production is touched only after a clean rehearsal. */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { jsonOf, makeProject, runPgv, spawnPgv, testConnectionYaml, writeFiles } from '../helpers/cli.js';
import { connect } from '../../lib/db/client.js';
import { clientProgram, cluster, dropDatabase, specFor, uniqueName, withDb } from '../helpers/db.js';

/** Databases whose name starts with `prefix` (the production and any throwaway left behind). */
async function databasesLike(prefix: string): Promise<string[]> {
  return withDb('postgres', async (c) => (await c.query<{ datname: string }>("SELECT datname FROM pg_database WHERE starts_with(datname, $1) ORDER BY 1", [prefix])).rows.map((r) => r.datname));
}

/** Schema (pg_dump --schema-only, normalized) and ledger of a database: what must not move. */
async function stateOf(db: string): Promise<string> {
  const pgDump = await clientProgram('pg_dump');
  const schema = execFileSync(pgDump, ['--schema-only', '-h', cluster.socketDir, '-p', String(cluster.port), '-U', 'postgres', db], { encoding: 'utf8' })
    .replace(/^\\(un)?restrict .*$/gm, '')
    .replace(/^-- Dumped (from|by) .*$/gm, '');
  const data = execFileSync(pgDump, ['--data-only', '--table', 'pgv.upgrades', '--table', 'public.*', '-h', cluster.socketDir, '-p', String(cluster.port), '-U', 'postgres', db], { encoding: 'utf8' })
    .replace(/^\\(un)?restrict .*$/gm, '')
    .replace(/^-- Dumped (from|by) .*$/gm, '');
  return schema + data;
}

function deltasProject(db: string): string {
  const dir = makeProject('tau');
  writeFiles(dir, {
    'deltas/delta_1.0.0_initial.sql': 'CREATE TABLE item (id int PRIMARY KEY, name text NOT NULL);\nINSERT INTO item VALUES (1, \'one\');\n',
    'reference.sql': 'CREATE TABLE item (id int PRIMARY KEY, name text NOT NULL);\n',
    'pgv.config.yaml': `${testConnectionYaml()}parts:\n  app:\n    recipe: deltas\n    dbname: ${db}\n    deltas: deltas\n    reference: reference.sql\n    create: true\n`,
  });
  return dir;
}

test('a release whose deltas do not produce the reference: exit 1, the differing objects named, production byte-for-byte unchanged', async () => {
  const db = uniqueName('tau_diff');
  const dir = deltasProject(db);
  try {
    assert.is((await runPgv(['apply'], { cwd: dir })).code, 0);
    // Release 1.1.0: the reference says price is numeric(10,2) and there is an index; the delta forgot both.
    writeFiles(dir, {
      'deltas/delta_1.1.0_price.sql': 'ALTER TABLE item ADD COLUMN price integer;\n',
      'reference.sql': 'CREATE TABLE item (id int PRIMARY KEY, name text NOT NULL, price numeric(10,2));\nCREATE INDEX item_name_idx ON item (name);\n',
    });
    const before = await stateOf(db);
    const run = await runPgv(['test-and-upgrade', 'app', '--json'], { cwd: dir });
    assert.is(run.code, 1, run.stderr);
    const out = jsonOf(run);
    assert.is(out.ok, false);
    assert.equal(out.check.differences.map((d: { kind: string; name: string; change: string }) => `${d.kind} ${d.name} ${d.change}`).sort(), ['columns public.item.price different', 'indexes public.item_name_idx only-in-2']);
    assert.equal(out.phases.map((p: { name: string }) => p.name.replace(/ to \S+$/, '')), ['plan production', 'copy production', 'apply the pending scripts to the copy', 'build the reference', 'compare the upgraded copy with the reference']);
    assert.is(await stateOf(db), before, 'production untouched');
    assert.equal(await databasesLike(db), [db], 'no throwaway database left');
    const text = await runPgv(['test-and-upgrade', 'app'], { cwd: dir });
    assert.is(text.code, 1);
    assert.match(text.stdout, 'public.item.price');
    assert.match(text.stdout, 'production is untouched');
    assert.match(text.stderr, /✔ copy production to \S+_pgv_rehearsal_[0-9a-f]{8}: by template \(/);
  } finally {
    await dropDatabase(db);
  }
});

test('a good release upgrades production, which then equals the reference; nothing left behind', async () => {
  const db = uniqueName('tau_good');
  const dir = deltasProject(db);
  try {
    assert.is((await runPgv(['apply'], { cwd: dir })).code, 0);
    writeFiles(dir, {
      'deltas/delta_1.1.0_price.sql': 'ALTER TABLE item ADD COLUMN price numeric(10,2);\nCREATE INDEX item_name_idx ON item (name);\n',
      'reference.sql': 'CREATE TABLE item (id int PRIMARY KEY, name text NOT NULL, price numeric(10,2));\nCREATE INDEX item_name_idx ON item (name);\n',
    });
    const run = await runPgv(['test-and-upgrade', 'app'], { cwd: dir });
    assert.is(run.code, 0, run.stderr);
    assert.match(run.stdout, 'production upgraded');
    assert.match(run.stderr, '✔ upgrade production');
    const info = jsonOf(await runPgv(['info', '--json'], { cwd: dir })).parts[0];
    assert.is(info.version, '1.1.0');
    const check = await runPgv(['check', 'app'], { cwd: dir });
    assert.is(check.code, 0, check.stdout);
    assert.equal(await databasesLike(db), [db]);
    const again = await runPgv(['test-and-upgrade', 'app'], { cwd: dir });
    assert.is(again.code, 0);
    assert.match(again.stdout, 'nothing to rehearse');
  } finally {
    await dropDatabase(db);
  }
});

test('a busy production is copied with pg_dump | pg_restore (auto), --copy template refuses it, --copy dump works when idle', async () => {
  const db = uniqueName('tau_busy');
  const dir = deltasProject(db);
  try {
    assert.is((await runPgv(['apply'], { cwd: dir })).code, 0);
    writeFiles(dir, {
      'deltas/delta_1.1.0_price.sql': 'ALTER TABLE item ADD COLUMN price numeric(10,2);\n',
      'reference.sql': 'CREATE TABLE item (id int PRIMARY KEY, name text NOT NULL, price numeric(10,2));\n',
    });
    const app = await connect(specFor(db));
    try {
      const template = await runPgv(['test-and-upgrade', 'app', '--copy', 'template'], { cwd: dir });
      assert.is(template.code, 3);
      assert.match(template.stderr, '--copy template needs it idle');
      const busy = await runPgv(['test-and-upgrade', 'app', '--json'], { cwd: dir });
      assert.is(busy.code, 0, busy.stderr);
      assert.equal(jsonOf(busy).phases[1].detail, 'by dump');
      assert.equal((await app.query<{ n: number }>('SELECT count(*)::int AS n FROM item')).rows[0]!.n, 1, 'the data is still there');
    } finally {
      await app.end();
    }
    writeFiles(dir, {
      'deltas/delta_1.2.0_note.sql': 'ALTER TABLE item ADD COLUMN note text;\n',
      'reference.sql': 'CREATE TABLE item (id int PRIMARY KEY, name text NOT NULL, price numeric(10,2), note text);\n',
    });
    const dump = await runPgv(['test-and-upgrade', 'app', '--copy', 'dump'], { cwd: dir });
    assert.is(dump.code, 0, dump.stderr);
    assert.match(dump.stderr, 'by dump');
    assert.equal(await databasesLike(db), [db]);
  } finally {
    await dropDatabase(db);
  }
});

test('a script failing on the copy: exit 3 with the file and line, production untouched; --keep keeps the copy', async () => {
  const db = uniqueName('tau_fail');
  const dir = deltasProject(db);
  try {
    assert.is((await runPgv(['apply'], { cwd: dir })).code, 0);
    writeFiles(dir, { 'deltas/delta_1.1.0_bad.sql': 'ALTER TABLE item ADD COLUMN price int;\nUPDATE item SET price = 1 / 0;\n' });
    const before = await stateOf(db);
    const run = await runPgv(['test-and-upgrade', 'app'], { cwd: dir });
    assert.is(run.code, 3);
    assert.match(run.stderr, 'delta_1.1.0_bad.sql:2:');
    assert.match(run.stderr, 'division by zero');
    assert.match(run.stdout, 'production is untouched');
    assert.is(await stateOf(db), before);
    assert.equal(await databasesLike(db), [db]);
    const kept = await runPgv(['test-and-upgrade', 'app', '--keep'], { cwd: dir });
    assert.is(kept.code, 3);
    const left = (await databasesLike(db)).filter((n) => n !== db);
    assert.is(left.length, 1);
    assert.match(kept.stderr, `kept for inspection: ${left[0]}`);
    await dropDatabase(left[0]!);
  } finally {
    await dropDatabase(db);
  }
});

test('Ctrl-C in the middle of a rehearsal drops the throwaway databases; apply --test-first rehearses too', async () => {
  const db = uniqueName('tau_int');
  const dir = deltasProject(db);
  try {
    assert.is((await runPgv(['apply'], { cwd: dir })).code, 0);
    writeFiles(dir, { 'deltas/delta_1.1.0_slow.sql': 'SELECT pg_sleep(30);\n' });
    const run = spawnPgv(['test-and-upgrade', 'app'], { cwd: dir });
    const deadline = Date.now() + 15000;
    while (!run.stderr().includes('✔ copy production') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 300));
    run.child.kill('SIGINT');
    await run.done;
    const end = Date.now() + 10000;
    while ((await databasesLike(db)).length > 1 && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    assert.equal(await databasesLike(db), [db], 'the rehearsal copy is gone');

    writeFiles(dir, { 'deltas/delta_1.1.0_slow.sql': 'CREATE TABLE other (id int);\n', 'reference.sql': 'CREATE TABLE item (id int PRIMARY KEY, name text NOT NULL);\nCREATE TABLE other (id int);\n' });
    const first = await runPgv(['apply', '--test-first'], { cwd: dir });
    assert.is(first.code, 0, first.stderr);
    assert.match(first.stderr, '✔ compare the upgraded copy with the reference: identical');
    assert.is(jsonOf(await runPgv(['info', '--json'], { cwd: dir })).parts[0].version, '1.1.0');
  } finally {
    await dropDatabase(db);
  }
});


test('throwaways of a killed run are dropped by the next run; kept ones and those of other databases are spared', async () => {
  const db = uniqueName('tau_sweep');
  const dir = deltasProject(db);
  const leftover = `${db}_pgv_rehearsal_deadbeef`;
  const kept = `${db}_pgv_ref_0badcafe`;
  const other = `${db}x_pgv_ref_12345678`;
  try {
    assert.is((await runPgv(['apply'], { cwd: dir })).code, 0);
    writeFiles(dir, { 'deltas/delta_1.1.0_more.sql': 'ALTER TABLE item ADD COLUMN note text;\n', 'reference.sql': 'CREATE TABLE item (id int PRIMARY KEY, name text NOT NULL, note text);\n' });
    await withDb('postgres', async (c) => {
      for (const d of [leftover, kept, other]) await c.query(`CREATE DATABASE "${d}"`);
      await c.query(`COMMENT ON DATABASE "${kept}" IS 'pgv: kept by test-and-upgrade --keep'`);
    });
    const run = await runPgv(['test-and-upgrade', 'app'], { cwd: dir });
    assert.is(run.code, 0, run.stderr);
    assert.match(run.stderr, `dropped ${leftover}, left behind by an interrupted test-and-upgrade`);
    assert.equal(await databasesLike(db), [db, kept, other].sort());
  } finally {
    for (const d of [db, leftover, kept, other]) await dropDatabase(d);
  }
});

test.run();
