/** `pgv test-and-upgrade` with pgv check's options, its report's names, and gocept's init.sql rule in the hint. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { jsonOf, makeProject, runPgv, testConnectionYaml, writeFiles } from '../helpers/cli.js';
import { dropDatabase, uniqueName, withDb } from '../helpers/db.js';

function schemaProject(db: string): string {
  const dir = makeProject('rehearse');
  writeFiles(dir, {
    'schema/init.sql': 'CREATE TABLE item (id int PRIMARY KEY);\n',
    'pgv.config.yaml': `${testConnectionYaml()}parts:\n  app:\n    recipe: schema\n    dbname: ${db}\n    schema: schema\n    create: true\n`,
  });
  return dir;
}

test('a schema part whose init.sql lacks an update: the copy is named as a copy, the hint names the update', async () => {
  const db = uniqueName('rh_init');
  const dir = schemaProject(db);
  try {
    assert.is((await runPgv(['apply', '-q'], { cwd: dir })).code, 0);
    // update1 adds two columns; init.sql was not brought up to date.
    writeFiles(dir, { 'schema/update1.sql': '-- the audit columns\nALTER TABLE item ADD COLUMN usr_note text, ADD COLUMN usr_by text;\n' });
    const run = await runPgv(['test-and-upgrade', 'app'], { cwd: dir });
    assert.is(run.code, 1, run.stderr);
    assert.match(run.stdout, /db1: .*_pgv_rehearsal_[0-9a-f]{8} \(a copy of rh_init_\S+, upgraded\)/);
    assert.match(run.stdout, /db2: .* \(a fresh build of part app's scripts\)/);
    assert.not.match(run.stdout, 'production upgraded');
    assert.match(run.stdout, `app: the upgraded copy of ${db} differs from a fresh build; production is untouched.`);
    assert.match(run.stdout, "hint: gocept's rule: init.sql describes the schema after the newest update (a fresh build runs init.sql alone); init.sql probably lacks the effect of update1.sql (usr_by, usr_note): add it there.", run.stdout);
    const version = await withDb(db, async (c) => (await c.query<{ n: string }>('SELECT count(*)::text AS n FROM information_schema.columns WHERE table_name = $1', ['item'])).rows[0]!.n);
    assert.is(version, '1', 'production untouched');
  } finally {
    await dropDatabase(db);
  }
});

test('the init.sql hint names applied updates too, and a missing table, not its columns', async () => {
  const db = uniqueName('rh_init2');
  const dir = schemaProject(db);
  try {
    assert.is((await runPgv(['apply', '-q'], { cwd: dir })).code, 0);
    // update1 runs on production as an update; init.sql is not brought up to date.
    writeFiles(dir, { 'schema/update1.sql': 'CREATE TABLE n3 (id int PRIMARY KEY, label text);\n' });
    assert.is((await runPgv(['apply', '-q'], { cwd: dir })).code, 0);
    // init.sql lacks update1 (applied) and update2 (pending).
    writeFiles(dir, { 'schema/update2.sql': 'CREATE TABLE n4 (id int PRIMARY KEY, at timestamptz);\n' });
    const run = await runPgv(['test-and-upgrade', 'app'], { cwd: dir });
    assert.is(run.code, 1, run.stderr);
    assert.match(run.stdout, 'init.sql probably lacks the effect of update1.sql (n3), update2.sql (n4): add it there.', run.stdout);
  } finally {
    await dropDatabase(db);
  }
});

test('test-and-upgrade takes --exclude-column and --ignore as pgv check does; a bad kind is exit 2 before anything runs', async () => {
  const db = uniqueName('rh_opts');
  const dir = schemaProject(db);
  try {
    assert.is((await runPgv(['apply', '-q'], { cwd: dir })).code, 0);
    writeFiles(dir, { 'schema/update1.sql': 'ALTER TABLE item ADD COLUMN usr_note text;\nCREATE VIEW item_ids AS SELECT id FROM item;\n' });
    const bad = await runPgv(['test-and-upgrade', 'app', '--ignore', 'veiws'], { cwd: dir });
    assert.is(bad.code, 2);
    assert.match(bad.stderr, 'unknown kind "veiws" in --ignore');
    assert.match(bad.stderr, 'Did you mean "views"?');
    const still = await runPgv(['test-and-upgrade', 'app', '--exclude-column', 'usr_%', '--json'], { cwd: dir });
    assert.is(still.code, 1, still.stderr);
    assert.equal(jsonOf(still).check.differences.map((d: { kind: string; name: string }) => `${d.kind} ${d.name}`), ['views public.item_ids']);
    const run = await runPgv(['test-and-upgrade', 'app', '--exclude-column', 'usr_%', '--ignore', 'views'], { cwd: dir });
    assert.is(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, 'app: rehearsed on a copy, identical to a fresh build, production upgraded.');
  } finally {
    await dropDatabase(db);
  }
});

test.run();
