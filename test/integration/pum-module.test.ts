/** pum 1.x modules applied as they are: `.pum.yaml`, changelogs/<version>/*.sql, {name} parameters, pum_migrations adopted. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { findServerBinDir } from '../../lib/server/binaries.js';
import { copyFixture, fixtures, jsonOf, makeProject, runPgv, testConnectionYaml, writeFiles } from '../helpers/cli.js';
import { cluster, createDatabase, dropDatabase, withDb } from '../helpers/db.js';

const module = path.join(fixtures, 'pum1', 'module');
/** The module's files in pum 1.x's order, worked out here: versions as numbers, then file names. */
function pumOrder(upTo?: string): string[] {
  const num = (v: string) => v.split('.').map(Number);
  const cmp = (a: string, b: string) => {
    const x = num(a);
    const y = num(b);
    for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
    return 0;
  };
  const versions = readdirSync(path.join(module, 'changelogs')).sort(cmp).filter((v) => upTo === undefined || cmp(v, upTo) <= 0);
  return versions.flatMap((v) => readdirSync(path.join(module, 'changelogs', v)).filter((f) => f.endsWith('.sql')).sort().map((f) => `${v}/${f}`));
}

/** What psycopg's SQL.format makes of a file with the module's defaults (by hand: the test knows its fixture). */
function formatted(file: string, values: Record<string, string>): string {
  const text = readFileSync(path.join(module, 'changelogs', file), 'utf8');
  return text
    .split('\n')
    .map((line) => (line.trimStart().startsWith('--') ? line : line.replace(/\{(\w+)\}/g, (_m, n: string) => values[n]!).replace(/\{\{/g, '{').replace(/\}\}/g, '}')))
    .join('\n');
}

async function psqlFiles(db: string, files: string[], values: Record<string, string>): Promise<void> {
  const psql = path.join(await findServerBinDir(process.env), 'psql');
  const tmp = mkdtempSync(path.join(process.env.PGV_TEST_TEMP ?? '/tmp', 'pum1-'));
  for (const f of files) {
    const out = path.join(tmp, f.replace('/', '_'));
    writeFileSync(out, formatted(f, values));
    execFileSync(psql, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-1', '-h', cluster.socketDir, '-p', String(cluster.port), '-U', 'postgres', '-d', db, '-f', out], { stdio: 'pipe' });
  }
}

async function schemaOf(db: string): Promise<string> {
  const dump = path.join(await findServerBinDir(process.env), 'pg_dump');
  const text = execFileSync(dump, ['--schema-only', '--schema', 'pum_test_data', '-h', cluster.socketDir, '-p', String(cluster.port), '-U', 'postgres', db], { encoding: 'utf8' });
  return text.replace(/^\\(un)?restrict .*$/gm, '').replace(/^-- Dumped (from|by) .*$/gm, '');
}

const config = (db: string, extra = '') => `${testConnectionYaml()}parts:\n  app:\n    recipe: deltas\n    dbname: ${db}\n    deltas: module\n${extra}`;
const defaults = { SRID: '2056', owner_label: "'the owner''s team'" };

test('pgv apply of a pum 1.x module gives what psql gives applying its files in order with the parameters; the version is the newest changelog', async () => {
  const db = await createDatabase('pum1');
  const ref = await createDatabase('pum1_ref');
  const dir = makeProject();
  copyFixture('pum1/module', dir, 'module');
  writeFiles(dir, { 'pgv.config.yaml': config(db) });
  try {
    const order = pumOrder();
    assert.equal(order, ['1.0.0/01_create_schema.sql', '1.0.0/02_create_table.sql', '1.2.0/01_add_column.sql', '1.10.0/01_index.sql', '1.10.0/02_view.sql']);
    const plan = jsonOf(await runPgv(['plan', '--json'], { cwd: dir })).parts[0];
    assert.equal(plan.steps.filter((s: { kind: string }) => s.kind === 'run-script').map((s: { script: string }) => s.script), order);
    const run = await runPgv(['apply'], { cwd: dir });
    assert.is(run.code, 0, run.stderr);
    await psqlFiles(ref, order, defaults);
    assert.fixture(await schemaOf(db), await schemaOf(ref));
    const info = jsonOf(await runPgv(['info', '--json'], { cwd: dir })).parts[0];
    assert.is(info.version, '1.10.0');
    assert.equal(info.pending, []);
    assert.match((await runPgv(['apply'], { cwd: dir })).stdout, 'up to date');
  } finally {
    await dropDatabase(db);
    await dropDatabase(ref);
  }
});

test("the part's variables override a module parameter's default, typed as the parameter says", async () => {
  const db = await createDatabase('pum1_var');
  const dir = makeProject();
  copyFixture('pum1/module', dir, 'module');
  writeFiles(dir, { 'pgv.config.yaml': config(db, '    variables:\n      SRID: "${env:SRID}"\n') });
  try {
    const run = await runPgv(['apply'], { cwd: dir, env: { SRID: '4326' } });
    assert.is(run.code, 0, run.stderr);
    const dflt = await withDb(db, async (c) => (await c.query("SELECT pg_get_expr(adbin, adrelid) AS d FROM pg_attrdef WHERE adrelid = 'pum_test_data.some_table'::regclass AND adnum = 3")).rows[0]!.d);
    assert.is(dflt, '4326');
  } finally {
    await dropDatabase(db);
  }
});

test('adopting a database that pum 1.x manages: pgv continues from the version its pum_migrations table records', async () => {
  const db = await createDatabase('pum1_adopt');
  const dir = makeProject();
  copyFixture('pum1/module', dir, 'module');
  writeFiles(dir, { 'pgv.config.yaml': config(db) });
  try {
    // What pum 1.x leaves behind after `pum install --max-version 1.2.0`: the schema and one row per changelog.
    await psqlFiles(db, pumOrder('1.2.0'), defaults);
    await withDb(db, (c) =>
      c.query(`CREATE SCHEMA pum_test_app;
        CREATE TABLE pum_test_app.pum_migrations (id uuid DEFAULT gen_random_uuid() PRIMARY KEY, date_installed timestamp NOT NULL DEFAULT now(), module varchar(50) NOT NULL,
          version varchar(50) NOT NULL, beta_testing boolean NOT NULL DEFAULT false, changelog_files text[], parameters jsonb, migration_table_version integer NOT NULL DEFAULT 3, pum_version varchar(50));
        INSERT INTO pum_test_app.pum_migrations (module, version, changelog_files, parameters) VALUES ('pum_test', '1.0.0', ARRAY['changelogs/1.0.0/01_create_schema.sql'], '{}'), ('pum_test', '1.2.0', ARRAY['changelogs/1.2.0/01_add_column.sql'], '{}')`),
    );
    const info = jsonOf(await runPgv(['info', '--json'], { cwd: dir })).parts[0];
    assert.is(info.version, '1.2.0');
    assert.equal(info.pending.map((p: { script: string }) => p.script), ['1.10.0/01_index.sql', '1.10.0/02_view.sql']);
    const run = await runPgv(['apply'], { cwd: dir });
    assert.is(run.code, 0, run.stderr);
    assert.is(jsonOf(await runPgv(['info', '--json'], { cwd: dir })).parts[0].version, '1.10.0');
    assert.ok(await withDb(db, async (c) => (await c.query("SELECT to_regclass('pum_test_data.some_view') IS NOT NULL AS v")).rows[0]!.v));
  } finally {
    await dropDatabase(db);
  }
});

test('a module with a lone brace or an undefined {name} is refused before anything runs, naming file and line', async () => {
  const dir = makeProject();
  copyFixture('pum1/module', dir, 'module');
  writeFiles(dir, { 'pgv.config.yaml': config('nodb', '    create: true\n'), 'module/changelogs/1.2.0/02_bad.sql': "SELECT {missing};\nSELECT '{a}';\n" });
  const run = await runPgv(['plan'], { cwd: dir });
  assert.is(run.code, 2, run.stderr);
  assert.match(run.stderr, '1.2.0/02_bad.sql:1: {missing} is not defined');
  assert.match(run.stderr, "1.2.0/02_bad.sql:2: {a} is not defined");
});

test.run();
