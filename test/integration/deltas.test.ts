/** The deltas recipe end to end: a 30+ file history, baselines, failures, ordering, and pum 0.x ledgers. */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFixture, fixtures, jsonOf, makeProject, runPgv, testConnectionYaml, writeFiles } from '../helpers/cli.js';
import { clientProgram, cluster, createDatabase, dropDatabase, withDb } from '../helpers/db.js';

const history = path.join(fixtures, 'deltas', 'waterworks');
/** The version in a delta's file name (`delta_1.2.0_x.pre.sql` → `1.2.0`). */
const versionOf = (f: string) => /^delta_(\d+(?:\.\d+)*)(?:_|\.(?:pre\.|post\.)?sql$)/.exec(f)![1]!;

/** The delta files of the fixture in pum's order, computed independently of pgv: version as numbers, then pre, main, post. */
function pumOrder(dir: string, upTo?: string): string[] {
  const num = (v: string) => v.split('.').map(Number);
  const cmp = (a: number[], b: number[]) => {
    for (let i = 0; i < Math.max(a.length, b.length); i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0);
    return 0;
  };
  const phase = (f: string) => (f.endsWith('.pre.sql') ? 0 : f.endsWith('.post.sql') ? 2 : 1);
  const files = readdirSync(dir).filter((f) => f.startsWith('delta_'));
  const version = versionOf;
  return files
    .filter((f) => upTo === undefined || cmp(num(version(f)), num(upTo)) <= 0)
    .sort((a, b) => cmp(num(version(a)), num(version(b))) || phase(a) - phase(b) || (a < b ? -1 : 1));
}

async function bin(name: 'pg_dump' | 'psql'): Promise<string> {
  return clientProgram(name);
}

/** Run files with psql as a user would: `psql -1 -f` each (no -1 for a no-transaction file). */
async function psqlFiles(db: string, dir: string, files: string[]): Promise<void> {
  const psql = await bin('psql');
  for (const f of files) {
    const text = readFileSync(path.join(dir, f), 'utf8');
    const single = text.startsWith('-- pgv:no-transaction') ? [] : ['-1'];
    execFileSync(psql, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-v', 'srid=2056', ...single, '-h', cluster.socketDir, '-p', String(cluster.port), '-U', 'postgres', '-d', db, '-f', path.join(dir, f)], { stdio: 'pipe' });
  }
}

/** The schema as pg_dump sees it, without pgv's ledger and pg_dump's random \restrict keys. */
async function schemaOf(db: string, ...exclude: string[]): Promise<string> {
  const text = execFileSync(await bin('pg_dump'), ['--schema-only', '--exclude-schema', 'pgv', ...exclude.flatMap((t) => ['--exclude-table', t]), '-h', cluster.socketDir, '-p', String(cluster.port), '-U', 'postgres', db], { encoding: 'utf8' });
  return text.replace(/^\\(un)?restrict .*$/gm, '').replace(/^-- Dumped (from|by) .*$/gm, '');
}

function deltasConfig(db: string, extra = ''): string {
  return `${testConnectionYaml()}parts:\n  ww:\n    recipe: deltas\n    dbname: ${JSON.stringify(db)}\n    deltas: deltas\n    ignore_files: ["*.md"]\n    variables:\n      srid: "2056"\n${extra}`;
}

async function ledgerScripts(db: string, table = 'pgv.upgrades'): Promise<string[]> {
  return withDb(db, async (c) => (await c.query<{ script: string }>(`SELECT script FROM ${table} ORDER BY id`)).rows.map((r) => r.script));
}

test('a 36-delta history applied by pgv gives the same catalog as psql -1 -f of each file in version order', async () => {
  const order = pumOrder(history);
  assert.ok(order.length >= 30, `${order.length} deltas`);
  const byPgv = await createDatabase('ww_pgv');
  const byPsql = await createDatabase('ww_psql');
  const dir = makeProject();
  copyFixture('deltas/waterworks', dir, 'deltas');
  writeFiles(dir, { 'pgv.config.yaml': deltasConfig(byPgv) });
  try {
    const run = await runPgv(['apply'], { cwd: dir });
    assert.is(run.code, 0, run.stderr);
    assert.match(run.stdout, 'now at version 10.0.0');
    assert.equal(await ledgerScripts(byPgv), [...order, 'post-all.sql'], 'every delta recorded once, in version order; post-all.sql recorded as the upgrade\'s end');
    await psqlFiles(byPsql, history, ['pre-all.sql', ...order, 'post-all.sql']);
    assert.fixture(await schemaOf(byPgv), await schemaOf(byPsql));
    const again = await runPgv(['apply'], { cwd: dir });
    assert.is(again.code, 0);
    assert.match(again.stdout, 'up to date');
    const info = jsonOf(await runPgv(['info', '--json'], { cwd: dir })).parts[0];
    assert.is(info.version, '10.0.0');
    assert.equal(info.pending, []);
    assert.equal(info.skipped, []);
  } finally {
    await dropDatabase(byPgv);
    await dropDatabase(byPsql);
  }
});

test('baseline then apply runs exactly the deltas at or above the baseline (pum: greater or equal); a second apply does nothing', async () => {
  const db = await createDatabase('ww_base');
  const reference = await createDatabase('ww_ref');
  const dir = makeProject();
  copyFixture('deltas/waterworks', dir, 'deltas');
  writeFiles(dir, { 'pgv.config.yaml': deltasConfig(db) + `  ref:\n    recipe: deltas\n    dbname: ${reference}\n    deltas: deltas\n    ignore_files: ["*.md"]\n    variables:\n      srid: "2056"\n` });
  try {
    // A database built by hand up to 1.9.1, views included.
    await psqlFiles(db, history, ['pre-all.sql', ...pumOrder(history, '1.9.1'), 'post-all.sql']);
    const refused = await runPgv(['apply', 'ww'], { cwd: dir });
    assert.is(refused.code, 3);
    assert.match(refused.stderr, 'pgv baseline ww --version V');
    const bad = await runPgv(['baseline', 'ww', '--version', 'v1.9'], { cwd: dir });
    assert.is(bad.code, 2);
    assert.match(bad.stderr, '--version must be a version like 1.2.0, not "v1.9"');
    const base = await runPgv(['baseline', 'ww', '--version', '1.9.1'], { cwd: dir });
    assert.is(base.code, 0, base.stderr);
    const info = jsonOf(await runPgv(['info', 'ww', '--json'], { cwd: dir })).parts[0];
    assert.is(info.version, '1.9.1');
    // Seed 003: "only the delta files with version greater or equal than the current version are
    // applied": the unrecorded 1.9.1 delta runs again (it is written to be repeatable), 1.9.0 does not.
    const above = pumOrder(history).filter((f) => !pumOrder(history, '1.9.0').includes(f));
    assert.equal(above[0], 'delta_1.9.1_meter_bigint.sql');
    assert.equal(info.pending.map((p: { script: string }) => p.script), ['pre-all.sql', ...above, 'post-all.sql']);
    assert.equal(info.skipped.length, pumOrder(history, '1.9.0').length);
    const run = await runPgv(['apply'], { cwd: dir });
    assert.is(run.code, 0, run.stderr);
    assert.equal(await ledgerScripts(db), ['baseline', ...above, 'post-all.sql']);
    assert.fixture(await schemaOf(db), await schemaOf(reference));
    const again = await runPgv(['apply', 'ww'], { cwd: dir });
    assert.match(again.stdout, 'up to date');
    const back = await runPgv(['baseline', 'ww', '--version', '2.0.0'], { cwd: dir });
    assert.is(back.code, 3);
    assert.match(back.stderr, 'says the database is at version 10.0.0; a baseline cannot move it back to 2.0.0');
  } finally {
    await dropDatabase(db);
    await dropDatabase(reference);
  }
});

test('pre/main/post order, pre-all and post-all once per upgrade, and a failing delta leaves no trace of itself', async () => {
  const db = await createDatabase('ww_order');
  const dir = makeProject();
  const log = (what: string) => `INSERT INTO public.log (what) VALUES ('${what}');\n`;
  writeFiles(dir, {
    'deltas/pre-all.sql': "CREATE TABLE IF NOT EXISTS public.log (id serial, what text);\n" + log('pre-all'),
    'deltas/post-all.sql': log('post-all'),
    'deltas/delta_1.0.0_first.sql': log('1.0.0'),
    'deltas/delta_1.1.0.pre.sql': log('1.1.0 pre'),
    'deltas/delta_1.1.0.sql': 'CREATE TABLE half (id int);\n' + log('1.1.0') + 'SELECT 1/0;\n',
    'deltas/delta_1.1.0.post.sql': log('1.1.0 post'),
    'pgv.config.yaml': `${testConnectionYaml()}parts:\n  d:\n    recipe: deltas\n    dbname: ${db}\n    deltas: deltas\n`,
  });
  const logged = () => withDb(db, async (c) => (await c.query<{ what: string }>('SELECT what FROM public.log ORDER BY id')).rows.map((r) => r.what));
  try {
    const failed = await runPgv(['apply'], { cwd: dir });
    assert.is(failed.code, 3);
    assert.match(failed.stderr, 'delta_1.1.0.sql:3:');
    assert.match(failed.stderr, 'division by zero');
    assert.equal(await ledgerScripts(db), ['delta_1.0.0_first.sql', 'delta_1.1.0.pre.sql']);
    assert.not.ok(await withDb(db, async (c) => (await c.query("SELECT to_regclass('public.half') AS t")).rows[0]!.t), 'the failed delta left no table');
    assert.equal(await logged(), ['pre-all', '1.0.0', '1.1.0 pre']);

    writeFiles(dir, { 'deltas/delta_1.1.0.sql': 'CREATE TABLE half (id int);\n' + log('1.1.0') });
    const fixed = await runPgv(['apply'], { cwd: dir });
    assert.is(fixed.code, 0, fixed.stderr);
    assert.equal(await logged(), ['pre-all', '1.0.0', '1.1.0 pre', 'pre-all', '1.1.0', '1.1.0 post', 'post-all']);
    const noop = await runPgv(['apply'], { cwd: dir });
    assert.is(noop.code, 0);
    assert.equal((await logged()).length, 7, 'nothing pending: pre-all and post-all do not run');
  } finally {
    await dropDatabase(db);
  }
});

test('a post-all.sql that fails after the deltas committed runs again (after pre-all.sql) on the next apply', async () => {
  const db = await createDatabase('ww_postall');
  const dir = makeProject();
  writeFiles(dir, {
    'deltas/pre-all.sql': 'DROP VIEW IF EXISTS v;\n',
    'deltas/post-all.sql': 'CREATE VIEW v AS SELECT id, nme FROM t;\n',
    'deltas/delta_1.0.0.sql': 'CREATE TABLE t (id int, name text);\n',
    'pgv.config.yaml': `${testConnectionYaml()}parts:\n  d:\n    recipe: deltas\n    dbname: ${db}\n    deltas: deltas\n`,
  });
  try {
    const failed = await runPgv(['apply'], { cwd: dir });
    assert.is(failed.code, 3);
    assert.match(failed.stderr, 'post-all.sql:1:');
    assert.match(failed.stderr, 'run apply again');
    const plan = await runPgv(['plan'], { cwd: dir });
    assert.match(plan.stdout, 'post-all.sql of the last upgrade did not finish');
    writeFiles(dir, { 'deltas/post-all.sql': 'CREATE VIEW v AS SELECT id, name FROM t;\n' });
    const fixed = await runPgv(['apply'], { cwd: dir });
    assert.is(fixed.code, 0, fixed.stderr);
    assert.ok(await withDb(db, async (c) => (await c.query("SELECT to_regclass('public.v') AS v")).rows[0]!.v), 'the view exists');
    assert.equal(await ledgerScripts(db), ['delta_1.0.0.sql', 'post-all.sql']);
    assert.match((await runPgv(['apply'], { cwd: dir })).stdout, 'up to date');
  } finally {
    await dropDatabase(db);
  }
});

test('a file that is not a delta is an error naming it, unless ignore_files matches it; undefined variables too', async () => {
  const dir = makeProject();
  writeFiles(dir, {
    'deltas/delta_1.0.0.sql': "SELECT :'who';\n",
    'deltas/notes.txt': 'x',
    'pgv.config.yaml': `${testConnectionYaml()}parts:\n  d:\n    recipe: deltas\n    dbname: nodb\n    deltas: deltas\n`,
  });
  const run = await runPgv(['plan'], { cwd: dir });
  assert.is(run.code, 2);
  assert.match(run.stderr, 'notes.txt: not a delta file name');
  assert.match(run.stderr, "delta_1.0.0.sql:1: :'who' is not defined (the part's variables: none)");
  writeFiles(dir, { 'pgv.config.yaml': `${testConnectionYaml()}parts:\n  d:\n    recipe: deltas\n    dbname: nodb\n    deltas: deltas\n    ignore_files: ["*.txt"]\n    variables: { who: me }\n    create: true\n` });
  const ok = await runPgv(['plan'], { cwd: dir });
  assert.is(ok.code, 0, ok.stderr);
});

/** pum 0.x's upgrades table, as its create_upgrades_table() makes it. */
const pumTable = (t: string) => `CREATE TABLE ${t} (
  id serial NOT NULL, version character varying(50), description character varying(200) NOT NULL, type integer NOT NULL,
  script character varying(1000) NOT NULL, checksum character varying(32) NOT NULL, installed_by character varying(100) NOT NULL,
  installed_on timestamp without time zone NOT NULL DEFAULT now(), execution_time integer NOT NULL, success boolean NOT NULL, PRIMARY KEY (id))`;

test('adopting a pum 0.x upgrades table: pgv continues from its version and writes rows pum reads the same way', async () => {
  const db = await createDatabase('ww_pum');
  const dir = makeProject();
  copyFixture('deltas/waterworks', dir, 'deltas');
  writeFiles(dir, { 'pgv.config.yaml': deltasConfig(db, '    upgrades_table: ww_sys.upgrades\n') });
  const md5 = (f: string) => createHash('md5').update(readFileSync(path.join(history, f))).digest('hex');
  const done = pumOrder(history, '1.5.1');
  try {
    // What pum 0.x leaves behind: the schema up to 1.5.1, a baseline row, one row per delta file.
    await psqlFiles(db, history, ['pre-all.sql', ...done, 'post-all.sql']);
    await withDb(db, async (c) => {
      await c.query(pumTable('ww_sys.upgrades'));
      await c.query(`INSERT INTO ww_sys.upgrades (version, description, type, script, checksum, installed_by, execution_time, success) VALUES ('1.0.0', 'baseline', 0, '', '', 'postgres', 1, true)`);
      for (const f of done.filter((x) => x !== 'delta_1.0.0_initial.sql')) {
        const m = /^delta_(\d+(?:\.\d+)*)(?:_+(\w*))?\.(pre\.sql|sql|post\.sql)$/.exec(f)!;
        const type = m[3] === 'pre.sql' ? 1 : m[3] === 'post.sql' ? 5 : 3;
        await c.query(`INSERT INTO ww_sys.upgrades (version, description, type, script, checksum, installed_by, execution_time, success) VALUES ($1, $2, $3, $4, $5, 'postgres', 1, true)`, [m[1], m[2] ?? '', type, `delta/${f}`, md5(f)]);
      }
    });
    const before = jsonOf(await runPgv(['info', '--json'], { cwd: dir })).parts[0];
    assert.is(before.version, '1.5.1');
    assert.equal(before.changed, []);
    const run = await runPgv(['apply'], { cwd: dir });
    assert.is(run.code, 0, run.stderr);
    const rows = await withDb(db, async (c) => (await c.query('SELECT * FROM ww_sys.upgrades ORDER BY id')).rows as Array<Record<string, unknown>>);
    const pgvRows = rows.slice(done.length);
    const above = pumOrder(history).filter((f) => !done.includes(f));
    assert.equal(pgvRows.map((r) => r.script), above, 'one row per delta above 1.5.1, nothing else');
    for (const r of pgvRows) {
      const f = String(r.script);
      assert.equal(Object.keys(r).sort(), ['checksum', 'description', 'execution_time', 'id', 'installed_by', 'installed_on', 'script', 'success', 'type', 'version'], 'pum\'s columns only');
      assert.is(r.checksum, md5(f), `${f}: pum's md5 checksum`);
      assert.is(r.type, f.endsWith('.pre.sql') ? 1 : f.endsWith('.post.sql') ? 5 : 3, `${f}: pum's type`);
      assert.is(r.version, versionOf(f));
      assert.is(r.description, /^delta_\d+(?:\.\d+)*(?:_+(\w*))?\.(?:pre\.|post\.)?sql$/.exec(f)![1] ?? '');
      assert.is(r.success, true);
      assert.is(r.installed_by, 'postgres');
      assert.ok(Number.isInteger(r.execution_time));
    }
    // pum's own test of "already applied": version and md5 checksum of the file, success (1.0.0 is the baseline).
    for (const f of pumOrder(history).filter((x) => x !== 'delta_1.0.0_initial.sql')) {
      const version = versionOf(f);
      const applied = await withDb(db, async (c) => (await c.query('SELECT id FROM ww_sys.upgrades WHERE version = $1 AND checksum = $2 AND success', [version, md5(f)])).rowCount);
      assert.ok(applied > 0, `pum sees ${f} as applied`);
    }
    const after = jsonOf(await runPgv(['info', '--json'], { cwd: dir })).parts[0];
    assert.is(after.version, '10.0.0');
    assert.equal(after.pending, []);
    assert.equal((await runPgv(['apply'], { cwd: dir })).stdout.includes('up to date'), true);
  } finally {
    await dropDatabase(db);
  }
});

/** pum 0.10's `type` of a delta file (bit flags: PRE 1, POST 2, PYTHON 4, SQL 8). */
const pum010Type = (f: string) => (f.endsWith('.py') ? 4 : 8) | (/\.pre\.(sql|py)$/.test(f) ? 1 : /\.post\.(sql|py)$/.test(f) ? 2 : 0);
const descriptionOf = (f: string) => /^delta_\d+(?:\.\d+)*(?:_+(\w*))?\./.exec(f)![1] ?? '';

test('a pum 0.10 upgrades table (bit-flag types): pgv reads the version pum does, plans nothing applied, writes 8/9/10', async () => {
  const db = await createDatabase('ww_pum010');
  const dir = makeProject();
  copyFixture('deltas/waterworks', dir, 'deltas');
  writeFiles(dir, { 'pgv.config.yaml': deltasConfig(db, '    upgrades_table: ww_sys.upgrades\n') });
  const md5 = (f: string) => createHash('md5').update(readFileSync(path.join(history, f))).digest('hex');
  const done = pumOrder(history, '1.2.0');
  try {
    // What pum 0.10 leaves behind: a baseline at 1.0.0, then one row per delta it ran, `script` the
    // file's path, `description` the name's description, `type` in bit flags.
    await psqlFiles(db, history, ['pre-all.sql', ...done, 'post-all.sql']);
    await withDb(db, async (c) => {
      await c.query(pumTable('ww_sys.upgrades'));
      await c.query(`INSERT INTO ww_sys.upgrades (version, description, type, script, checksum, installed_by, execution_time, success) VALUES ('1.0.0', 'baseline', 0, '', '', 'postgres', 1, true)`);
      for (const f of done.filter((x) => x !== 'delta_1.0.0_initial.sql')) {
        await c.query(`INSERT INTO ww_sys.upgrades (version, description, type, script, checksum, installed_by, execution_time, success) VALUES ($1, $2, $3, $4, $5, 'postgres', 1, true)`, [versionOf(f), descriptionOf(f), pum010Type(f), `/srv/ww/deltas/${f}`, md5(f)]);
      }
    });
    const before = jsonOf(await runPgv(['info', '--json'], { cwd: dir })).parts[0];
    // pum's current_db_version(): the highest version of a successful row (1.2.0 has a pre, a main and a post row).
    assert.is(before.version, '1.2.0');
    const above = pumOrder(history).filter((f) => !done.includes(f));
    assert.equal(before.pending.map((p: { script: string }) => p.script), ['pre-all.sql', ...above, 'post-all.sql'], 'nothing pum applied is planned again');
    assert.equal(before.changed, []);
    assert.equal(before.skipped, [{ version: '1.0.0', script: 'delta_1.0.0_initial.sql' }]);
    const run = await runPgv(['apply'], { cwd: dir });
    assert.is(run.code, 0, run.stderr);
    const rows = await withDb(db, async (c) => (await c.query('SELECT * FROM ww_sys.upgrades ORDER BY id')).rows as Array<Record<string, unknown>>);
    const pgvRows = rows.slice(done.length);
    assert.equal(pgvRows.map((r) => r.script), above);
    for (const r of pgvRows) assert.is(r.type, pum010Type(String(r.script)), `${r.script}: pum 0.10's type`);
    // pum 0.10's "already applied": version, description, type and success.
    for (const f of above) {
      const found = await withDb(db, async (c) => (await c.query('SELECT id FROM ww_sys.upgrades WHERE version = $1 AND description = $2 AND type = $3 AND success', [versionOf(f), descriptionOf(f), pum010Type(f)])).rowCount);
      assert.is(found, 1, `pum 0.10 sees ${f} as applied`);
    }
    assert.match((await runPgv(['apply'], { cwd: dir })).stdout, 'up to date');
  } finally {
    await dropDatabase(db);
  }
});

test('a pum table holding only a baseline row gets pum 0.10 codes', async () => {
  const db = await createDatabase('ww_pumbase');
  const dir = makeProject();
  copyFixture('deltas/waterworks', dir, 'deltas');
  writeFiles(dir, { 'pgv.config.yaml': deltasConfig(db, '    upgrades_table: ww_sys.upgrades\n') });
  try {
    await psqlFiles(db, history, ['pre-all.sql', ...pumOrder(history, '1.1.0'), 'post-all.sql']);
    await withDb(db, async (c) => {
      await c.query(pumTable('ww_sys.upgrades'));
      await c.query(`INSERT INTO ww_sys.upgrades (version, description, type, script, checksum, installed_by, execution_time, success) VALUES ('1.1.1', 'baseline', 0, '', '', 'postgres', 1, true)`);
    });
    const run = await runPgv(['apply', '--to', '1.2.0'], { cwd: dir });
    assert.is(run.code, 0, run.stderr);
    const rows = await withDb(db, async (c) => (await c.query<{ script: string; type: number }>('SELECT script, type FROM ww_sys.upgrades WHERE id > 1 ORDER BY id')).rows);
    assert.equal(rows, [
      { script: 'delta_1.1.1_valve_installed.sql', type: 8 },
      { script: 'delta_1.1.2_pipe_year_check.sql', type: 8 },
      { script: 'delta_1.2.0_status.pre.sql', type: 9 },
      { script: 'delta_1.2.0_status.sql', type: 8 },
      { script: 'delta_1.2.0_status.post.sql', type: 10 },
    ]);
  } finally {
    await dropDatabase(db);
  }
});

test.run();
