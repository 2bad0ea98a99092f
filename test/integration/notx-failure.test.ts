/**
 * A failed `-- pgv:no-transaction` script, after the run that failed: the ledger holds which
 * statement failed (column `failure`, ledger format 2), and apply, info and baseline say it. An
 * older ledger is upgraded in place when pgv writes to it; a pum upgrades table is left as it is.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { validateAgainst } from '../../lib/config/validate.js';
import { jsonOf, makeProject, runPgv, schemaConfig, testConnectionYaml, writeFiles } from '../helpers/cli.js';
import { createDatabase, dropDatabase, withDb } from '../helpers/db.js';

/** update1–3 transactional; update4.sql runs outside a transaction and its statement 3 of 5 (line 9) fails. */
const failingProject = (db: string) => ({
  'schema/update1.sql': 'CREATE TABLE a (id int, v int);\n',
  'schema/update2.sql': 'CREATE TABLE b (id int);\n',
  'schema/update3.sql': 'CREATE TABLE c (id int);\n',
  'schema/update4.sql': [
    '-- pgv:no-transaction',
    'CREATE INDEX CONCURRENTLY a_id ON a (id);',
    '',
    'CREATE INDEX CONCURRENTLY a_v',
    '  ON a (v);',
    '/* the broken one:',
    '   table missing does not exist */',
    '',
    'CREATE INDEX CONCURRENTLY broken_on_a_table_whose_name_is_long ON missing (id, v, something_else);',
    'CREATE INDEX CONCURRENTLY a_both ON a (id, v);',
    'CREATE INDEX CONCURRENTLY b_id ON b (id);',
    '',
  ].join('\n'),
  'pgv.config.yaml': schemaConfig(db, 'schema').replace('  app:', '  music:'),
});

const summary = 'update4.sql failed at statement 3 of 5 (line 9: CREATE INDEX CONCURRENTLY broken_on_a_table_whose_name_is_l …); 2 had completed';

async function failureOf(db: string, table = 'pgv.upgrades'): Promise<unknown> {
  return withDb(db, async (c) => (await c.query<{ failure: unknown }>(`SELECT failure FROM ${table} WHERE NOT success`)).rows.map((r) => r.failure));
}

async function ledgerLayout(db: string, table = 'pgv.upgrades'): Promise<{ comment: string | null; columns: string[] }> {
  return withDb(db, async (c) => {
    const { rows } = await c.query<{ comment: string | null; columns: string[] }>(
      `SELECT obj_description($1::regclass, 'pg_class') AS comment,
              ARRAY(SELECT attname::text FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum) AS columns`,
      [table],
    );
    return rows[0]!;
  });
}

test('a failed no-transaction script: the ledger records the statement; apply, info (text, --json) and baseline say it, with the exact commands', async () => {
  const db = await createDatabase('notxfail');
  const dir = makeProject();
  writeFiles(dir, failingProject(db));
  try {
    const failed = await runPgv(['apply'], { cwd: dir });
    assert.is(failed.code, 3, failed.stderr);
    assert.match(failed.stderr, /update4\.sql:9:1: relation "missing" does not exist/);
    assert.equal(await failureOf(db), [
      { statement: 3, statements: 5, completed: 2, line: 9, text: 'CREATE INDEX CONCURRENTLY broken_on_a_table_whose_name_is_long ON missing (id, v, something_else)', error: 'relation "missing" does not exist', sqlstate: '42P01' },
    ]);
    assert.equal(await ledgerLayout(db), {
      comment: 'pgv ledger format 2',
      columns: ['id', 'version', 'script', 'kind', 'checksum', 'installed_by', 'installed_at', 'duration_ms', 'success', 'pgv_version', 'failure'],
    });

    const again = await runPgv(['apply'], { cwd: dir });
    assert.is(again.code, 3);
    assert.match(again.stderr, `pgv: error: part music: ${summary}\n`);
    assert.match(again.stderr, /failed at \d{4}-\d\d-\d\dT[\d:.]+Z: relation "missing" does not exist \(SQLSTATE 42P01\)/);
    assert.match(again.stderr, 'It ran outside a transaction: statements 1–2 stay applied.');
    assert.match(again.stderr, 'finish it by hand and record that with `pgv baseline music --version 4`, or undo it and record `pgv baseline music --version 3`');
    assert.not.match(again.stderr, 'interrupted');

    const text = await runPgv(['info'], { cwd: dir });
    assert.is(text.code, 0, text.stderr);
    assert.match(text.stdout, `  ! ${summary} (outside a transaction, at `);
    assert.match(text.stdout, 'settle it with `pgv baseline music --version 4` (finished by hand) or `pgv baseline music --version 3` (undone)');
    const json = jsonOf(await runPgv(['info', '--json'], { cwd: dir }));
    assert.equal(validateAgainst('pgv.info.schema.json', json), []);
    const u = json.parts[0].unfinished;
    assert.is(u.state, 'failed');
    assert.is(u.script, 'update4.sql');
    assert.is(u.summary, summary);
    assert.equal(u.failure, { statement: 3, statements: 5, completed: 2, line: 9, text: 'CREATE INDEX CONCURRENTLY broken_on_a_table_whose_name_is_long ON missing (id, v, something_else)', error: 'relation "missing" does not exist', sqlstate: '42P01' });
    assert.equal(u.settle, { finished: 'pgv baseline music --version 4', undone: 'pgv baseline music --version 3' });

    // The operator undoes what update4.sql did and records generation 3; apply then runs it again.
    await withDb(db, (c) => c.query('DROP INDEX a_id; DROP INDEX a_v'));
    const settle = await runPgv(['baseline', 'music', '--version', '3'], { cwd: dir });
    assert.is(settle.code, 0, settle.stderr);
    assert.match(settle.stdout, `music: ${summary}: settled as undone`);
    assert.match(settle.stderr, 'record version 3 as applied (settles update4.sql as undone)');
    const settled = jsonOf(await runPgv(['info', '--json'], { cwd: dir }));
    assert.equal(validateAgainst('pgv.info.schema.json', settled), []);
    assert.is(settled.parts[0].unfinished, null);
    assert.equal(settled.parts[0].problems, []);
    writeFiles(dir, { 'schema/update4.sql': '-- pgv:no-transaction\nCREATE INDEX CONCURRENTLY a_id ON a (id);\n' });
    const fixed = await runPgv(['apply'], { cwd: dir });
    assert.is(fixed.code, 0, fixed.stderr);
    assert.match(fixed.stdout, 'now at version 4');
  } finally {
    await dropDatabase(db);
  }
});

test('a format 1 ledger is upgraded in place (under the lock, once) by the first run that writes to it; a no-op run leaves it as it is', async () => {
  const db = await createDatabase('ledgerv1');
  const dir = makeProject();
  const files = failingProject(db);
  writeFiles(dir, { ...files, 'schema/update4.sql': 'CREATE TABLE d (id int);\n' });
  try {
    // The ledger as pgv 0.1 (format 1) created it, with generation 3 recorded.
    await withDb(db, async (c) => {
      await c.query(`CREATE SCHEMA pgv; CREATE TABLE pgv.upgrades (
        id bigserial PRIMARY KEY, version text NOT NULL, script text NOT NULL, kind text NOT NULL, checksum text,
        installed_by text NOT NULL DEFAULT current_user, installed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        duration_ms integer, success boolean NOT NULL, pgv_version text);
        COMMENT ON TABLE pgv.upgrades IS 'pgv ledger format 1';
        CREATE TABLE a (id int, v int); CREATE TABLE b (id int); CREATE TABLE c (id int);
        INSERT INTO pgv.upgrades (version, script, kind, success) VALUES ('3', 'baseline', 'baseline', true)`);
    });
    const v1 = { comment: 'pgv ledger format 1', columns: ['id', 'version', 'script', 'kind', 'checksum', 'installed_by', 'installed_at', 'duration_ms', 'success', 'pgv_version'] };
    const info = jsonOf(await runPgv(['info', '--json'], { cwd: dir }));
    assert.is(info.parts[0].version, '3', 'pgv reads a format 1 ledger');
    assert.equal(info.parts[0].pending, [{ version: '4', script: 'update4.sql' }]);
    assert.equal(await ledgerLayout(db), v1, 'info changes nothing');
    writeFiles(dir, { 'schema/update4.sql': files['schema/update4.sql'] });
    assert.is((await runPgv(['plan'], { cwd: dir })).code, 0);
    assert.equal(await ledgerLayout(db), v1, 'plan changes nothing');

    const failed = await runPgv(['apply'], { cwd: dir });
    assert.is(failed.code, 3, failed.stderr);
    assert.equal((await ledgerLayout(db)).comment, 'pgv ledger format 2');
    assert.is((await failureOf(db) as Array<{ statement: number }>)[0]!.statement, 3, 'the upgraded ledger records the statement');
    const again = await runPgv(['apply'], { cwd: dir });
    assert.match(again.stderr, `part music: ${summary}\n`);
    assert.equal((await ledgerLayout(db)).columns.filter((c) => c === 'failure'), ['failure'], 'upgraded once');
  } finally {
    await dropDatabase(db);
  }
});

test('a format 1 ledger with nothing to run is not altered; a failure recorded by pgv 0.1 reads as failed, saying the ledger did not record the statement', async () => {
  const db = await createDatabase('ledgerv1old');
  const dir = makeProject();
  writeFiles(dir, failingProject(db));
  try {
    // What pgv 0.1 left after update4.sql failed: the row with success = false and its duration.
    await withDb(db, async (c) => {
      await c.query(`CREATE SCHEMA pgv; CREATE TABLE pgv.upgrades (
        id bigserial PRIMARY KEY, version text NOT NULL, script text NOT NULL, kind text NOT NULL, checksum text,
        installed_by text NOT NULL DEFAULT current_user, installed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        duration_ms integer, success boolean NOT NULL, pgv_version text);
        COMMENT ON TABLE pgv.upgrades IS 'pgv ledger format 1';
        CREATE TABLE a (id int, v int); CREATE TABLE b (id int); CREATE TABLE c (id int);
        INSERT INTO pgv.upgrades (version, script, kind, success) VALUES ('3', 'baseline', 'baseline', true);
        INSERT INTO pgv.upgrades (version, script, kind, success, duration_ms) VALUES ('4', 'update4.sql', 'update', false, 12)`);
    });
    const refused = await runPgv(['apply'], { cwd: dir });
    assert.is(refused.code, 3);
    assert.match(refused.stderr, /part music: update4\.sql failed at \S+Z\n/);
    assert.match(refused.stderr, 'this ledger (pgv ledger format 1, not upgraded) has no place to record which statement failed');
    assert.match(refused.stderr, '`pgv baseline music --version 4`, or undo it and record `pgv baseline music --version 3`');
    const json = jsonOf(await runPgv(['info', '--json'], { cwd: dir }));
    assert.equal(validateAgainst('pgv.info.schema.json', json), []);
    assert.is(json.parts[0].unfinished.state, 'failed');
    assert.is(json.parts[0].unfinished.failure, null);
    assert.equal((await ledgerLayout(db)).comment, 'pgv ledger format 1', 'a refused run writes nothing');
  } finally {
    await dropDatabase(db);
  }
});

test('a role that may write the ledger but not alter it: the ledger stays at format 1, and both runs say it has no place for the statement', async () => {
  const db = await createDatabase('ledgerv1role');
  const role = `${db}_deploy`;
  const dir = makeProject();
  writeFiles(dir, { ...failingProject(db), 'pgv.config.yaml': schemaConfig(db, 'schema').replace('  app:', '  music:').replace('user: postgres', `user: ${role}`) });
  try {
    await withDb(db, async (c) => {
      await c.query(`CREATE ROLE ${role} LOGIN; GRANT CREATE, USAGE ON SCHEMA public TO ${role};
        CREATE SCHEMA pgv; GRANT USAGE ON SCHEMA pgv TO ${role};
        CREATE TABLE pgv.upgrades (
        id bigserial PRIMARY KEY, version text NOT NULL, script text NOT NULL, kind text NOT NULL, checksum text,
        installed_by text NOT NULL DEFAULT current_user, installed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        duration_ms integer, success boolean NOT NULL, pgv_version text);
        COMMENT ON TABLE pgv.upgrades IS 'pgv ledger format 1';
        GRANT SELECT, INSERT, UPDATE, DELETE ON pgv.upgrades TO ${role}; GRANT USAGE ON SEQUENCE pgv.upgrades_id_seq TO ${role}`);
    });
    const failed = await runPgv(['apply'], { cwd: dir });
    assert.is(failed.code, 3, failed.stderr);
    assert.match(failed.stderr, 'statement 3 of 5 failed, statements 1–2 before it completed and stay applied (this ledger could not be upgraded to record which statement failed: the next run only says that it failed)');
    assert.equal((await ledgerLayout(db)).comment, 'pgv ledger format 1');
    const again = await runPgv(['apply'], { cwd: dir });
    assert.is(again.code, 3);
    assert.match(again.stderr, /part music: update4\.sql failed at \S+Z\n/);
    assert.match(again.stderr, 'this ledger (pgv ledger format 1, not upgraded) has no place to record which statement failed');
  } finally {
    await dropDatabase(db);
    await withDb('postgres', (c) => c.query(`DROP ROLE IF EXISTS ${role}`));
  }
});

/** pum 0.x's upgrades table, as its create_upgrades_table() makes it. */
const pumTable = (t: string) => `CREATE TABLE ${t} (
  id serial NOT NULL, version character varying(50), description character varying(200) NOT NULL, type integer NOT NULL,
  script character varying(1000) NOT NULL, checksum character varying(32) NOT NULL, installed_by character varying(100) NOT NULL,
  installed_on timestamp without time zone NOT NULL DEFAULT now(), execution_time integer NOT NULL, success boolean NOT NULL, PRIMARY KEY (id))`;

test('a pum upgrades table is never altered: a failed no-transaction delta is recorded as failed, and the messages say pum\'s table has no place for the statement', async () => {
  const db = await createDatabase('notxpum');
  const dir = makeProject();
  writeFiles(dir, {
    'deltas/delta_1.1.0_index.sql': '-- pgv:no-transaction\nCREATE INDEX CONCURRENTLY t_id ON t (id);\nCREATE INDEX CONCURRENTLY broken ON missing (id);\n',
    'pgv.config.yaml': `${testConnectionYaml()}parts:\n  ww:\n    recipe: deltas\n    dbname: ${JSON.stringify(db)}\n    deltas: deltas\n    upgrades_table: ww_sys.upgrades\n`,
  });
  try {
    await withDb(db, async (c) => {
      await c.query(`CREATE SCHEMA ww_sys; ${pumTable('ww_sys.upgrades')}; CREATE TABLE t (id int)`);
      await c.query(`INSERT INTO ww_sys.upgrades (version, description, type, script, checksum, installed_by, execution_time, success) VALUES ('1.0.0', 'baseline', 0, '', '', 'postgres', 1, true)`);
    });
    const before = await ledgerLayout(db, 'ww_sys.upgrades');
    const failed = await runPgv(['apply'], { cwd: dir });
    assert.is(failed.code, 3, failed.stderr);
    assert.match(failed.stderr, 'statement 2 of 2 failed, statement 1 before it completed and stays applied (pum\'s upgrades table has no place to record which statement failed: the next run only says that it failed)');
    assert.equal(await ledgerLayout(db, 'ww_sys.upgrades'), before, 'pum\'s table keeps its columns and comment');
    const rows = await withDb(db, async (c) => (await c.query<{ script: string; success: boolean }>('SELECT script, success FROM ww_sys.upgrades ORDER BY id')).rows);
    assert.equal(rows, [{ script: '', success: true }, { script: 'delta_1.1.0_index.sql', success: false }]);
    const again = await runPgv(['apply'], { cwd: dir });
    assert.is(again.code, 3);
    assert.match(again.stderr, /part ww: delta_1\.1\.0_index\.sql failed at \S+\n/);
    assert.match(again.stderr, "pum's upgrades table has no place to record which statement failed");
    assert.match(again.stderr, '`pgv baseline ww --version 1.1.0`, or undo it and record `pgv baseline ww --version 1.0.0`');
    const json = jsonOf(await runPgv(['info', '--json'], { cwd: dir }));
    assert.equal(validateAgainst('pgv.info.schema.json', json), []);
    assert.is(json.parts[0].unfinished.failure, null);
  } finally {
    await dropDatabase(db);
  }
});

test.run();
