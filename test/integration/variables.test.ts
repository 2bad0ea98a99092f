/** Typed variables end to end: pum's %(name)s and psql's :name render numbers as numbers, text quoted. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFixture, jsonOf, makeProject, runPgv, testConnectionYaml, writeFiles } from '../helpers/cli.js';
import { createDatabase, dropDatabase, withDb } from '../helpers/db.js';

const config = (db: string, variables: string) =>
  `${testConnectionYaml()}parts:\n  pum:\n    recipe: deltas\n    dbname: ${db}\n    deltas: deltas\n    pum_placeholders: true\n    variables:\n${variables}`;

test("pum's `ALTER … TYPE varchar(%(my_field_length)s)` with a YAML number, and with {type: int} from ${env:…}", async () => {
  for (const [label, variables, env] of [
    ['yaml number', '      my_field_length: 20\n      ratio: 0.5\n      comment: "it\'s data"\n      owner_table: { type: identifier, value: Owner }\n', {}],
    ['typed from env', '      my_field_length: { type: int, value: "${env:FIELD_LENGTH}" }\n      ratio: { type: float, value: "${env:RATIO}" }\n      comment: "it\'s data"\n      owner_table: { type: identifier, value: Owner }\n', { FIELD_LENGTH: '20', RATIO: '0.5' }],
  ] as const) {
    const db = await createDatabase('typed');
    const dir = makeProject();
    copyFixture('pum/typed-variables', dir, 'deltas');
    writeFiles(dir, { 'pgv.config.yaml': config(db, variables) });
    try {
      const run = await runPgv(['apply'], { cwd: dir, env });
      assert.is(run.code, 0, `${label}: ${run.stderr}`);
      const columns = await withDb(db, async (c) =>
        (await c.query<{ column_name: string; t: string }>(`SELECT column_name, format_type(atttypid, atttypmod) AS t FROM information_schema.columns JOIN pg_attribute ON attrelid = 'pum_test_data.some_table'::regclass AND attname = column_name WHERE table_name = 'some_table' ORDER BY ordinal_position`)).rows,
      );
      assert.equal(columns.map((r) => `${r.column_name} ${r.t}`), ['id integer', 'name character varying(20)', 'ratio numeric', 'code character varying(20)'], label);
      const facts = await withDb(db, async (c) => (await c.query(`SELECT obj_description('pum_test_data.some_table'::regclass) AS comment, pg_get_expr(adbin, adrelid) AS ratio, to_regclass('pum_test_data."Owner"') IS NOT NULL AS owner FROM pg_attrdef WHERE adrelid = 'pum_test_data.some_table'::regclass AND adnum = 3`)).rows[0]);
      assert.equal(facts, { comment: "it's data", ratio: '0.5', owner: true }, label);
    } finally {
      await dropDatabase(db);
    }
  }
});

test('a typed value that is not of its type is a config error at its path, exit 2', async () => {
  const dir = makeProject();
  copyFixture('pum/typed-variables', dir, 'deltas');
  writeFiles(dir, { 'pgv.config.yaml': config('nodb', '      my_field_length: { type: int, value: "${env:FIELD_LENGTH}" }\n      ratio: { type: real, value: 1 }\n') });
  const run = await runPgv(['validate'], { cwd: dir, env: { FIELD_LENGTH: 'twenty' } });
  assert.is(run.code, 2);
  assert.match(run.stderr, '/parts/pum/variables/ratio');
  const fixed = await runPgv(['validate', '--json'], { cwd: dir, env: { FIELD_LENGTH: 'twenty' } });
  assert.is(fixed.code, 2);
  writeFiles(dir, { 'pgv.config.yaml': config('nodb', '      my_field_length: { type: int, value: "${env:FIELD_LENGTH}" }\n') });
  const bad = await runPgv(['validate'], { cwd: dir, env: { FIELD_LENGTH: 'twenty' } });
  assert.is(bad.code, 2);
  assert.match(bad.stderr, '/parts/pum/variables/my_field_length: "twenty" is not an integer (type: int)');
  const good = await runPgv(['validate', '--json'], { cwd: dir, env: { FIELD_LENGTH: '20' } });
  assert.is(good.code, 0, good.stderr);
  assert.equal(jsonOf(good).parts[0].variables, { my_field_length: 20 });
});

test.run();
