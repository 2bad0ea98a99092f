/**
 * Python hooks against the real server with a real Python and driver: gocept.rdbmanagement's
 * preconditionN.py and pum 0.x's DeltaPy deltas (.pre.py, .py, .post.py, pre-all.py, post-all.py).
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cliPath, copyFixture, jsonOf, makeProject, runPgv, spawnPgv, testConnectionYaml, writeFiles, type PgvRun } from '../helpers/cli.js';
import { createDatabase, dropDatabase, uniqueName, withDb } from '../helpers/db.js';

const schemaPart = (db: string, extra = '') => `${testConnectionYaml()}parts:\n  shop:\n    recipe: schema\n    dbname: ${db}\n    schema: schema\n    create: true\n${extra}`;
const deltasPart = (db: string, extra = '') =>
  `${testConnectionYaml()}parts:\n  ww:\n    recipe: deltas\n    dbname: ${db}\n    deltas: deltas\n    create: true\n    ignore_files: ["*.md", "*.txt"]\n    variables: { srid: 2056 }\n${extra}`;
const ledger = (db: string, table = 'pgv.upgrades') => withDb(db, async (c) => (await c.query<{ script: string }>(`SELECT script FROM ${table} ORDER BY id`)).rows.map((r) => r.script));
const databaseExists = (db: string) => withDb('postgres', async (c) => (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [db])).rowCount === 1);

test('preconditionN.py: raising vetoes update N (exit 3, file and message, nothing after it); returning lets it run', async () => {
  const db = uniqueName('gocept');
  const dir = makeProject();
  copyFixture('schema/gocept-python', dir, 'schema');
  writeFiles(dir, { 'pgv.config.yaml': schemaPart(db) });
  try {
    const vetoed = await runPgv(['apply'], { cwd: dir });
    assert.is(vetoed.code, 3, vetoed.stderr);
    assert.match(vetoed.stderr, 'pgv: error: precondition2.py vetoed update 2: 1 customer(s) without an email; fill them in before update 2');
    assert.match(vetoed.stderr, `${path.join(dir, 'schema', 'precondition2.py')}", line 9, in precondition`);
    assert.equal(await ledger(db), ['update1.sql'], 'update2 and update3 did not run');
    await withDb(db, (c) => c.query("UPDATE customer SET email = 'b@example.org' WHERE email IS NULL"));
    const ok = await runPgv(['apply'], { cwd: dir });
    assert.is(ok.code, 0, ok.stderr);
    assert.equal(await ledger(db), ['update1.sql', 'update2.sql', 'update3.sql'], 'precondition3.py returned: update 3 ran');
    assert.equal(jsonOf(await runPgv(['plan', '--json'], { cwd: dir })).parts[0].steps, []);
  } finally {
    await dropDatabase(db);
  }
});

test('no Python that can import psycopg or psycopg2: exit 3 before anything runs, naming the file and what to install', async () => {
  const db = uniqueName('nopython');
  const dir = makeProject();
  copyFixture('schema/gocept-python', dir, 'schema');
  writeFiles(dir, { 'pgv.config.yaml': schemaPart(db, '    python: /nonexistent/python3\n'), 'fake-python': '#!/bin/sh\nexit 1\n' });
  // Hide the system's /usr/bin/python3 (and so python3 on a Debian PATH) behind a failing stand-in,
  // in a mount namespace of this one run.
  const fake = path.join(dir, 'fake-python');
  const run = await new Promise<PgvRun>((resolve) => {
    execFile(
      'unshare',
      ['-m', 'sh', '-c', `chmod 755 '${fake}' && mount --bind '${fake}' /usr/bin/python3 && exec "$0" "$@"`, process.execPath, cliPath, 'apply'],
      { cwd: dir, env: { ...process.env, NO_COLOR: '1', PGV_PYTHON: '/nonexistent/pgv-python', PATH: `${dir}:/usr/bin:/bin` } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    );
  });
  assert.is(run.code, 3, run.stderr);
  assert.match(run.stderr, `${path.join(dir, 'schema', 'precondition2.py')}: no Python with a PostgreSQL driver to run it (tried /nonexistent/python3, /nonexistent/pgv-python, python3, /usr/bin/python3)`);
  assert.match(run.stderr, 'apt-get install python3-psycopg2');
  assert.not.ok(await databaseExists(db), 'nothing ran: not even the database was created');
});

test('discovery: the `python` option first, then PGV_PYTHON, …: the first that imports a driver runs the hooks', async () => {
  const db = uniqueName('pyorder');
  const dir = makeProject();
  copyFixture('schema/gocept-python', dir, 'schema');
  const probed = path.join(dir, 'probed');
  // A configured interpreter without a driver: asked first, then passed over.
  writeFiles(dir, { 'pgv.config.yaml': schemaPart(db, `    python: ${path.join(dir, 'no-driver')}\n`), 'no-driver': `#!/bin/sh\necho "$0" >> '${probed}'\nexit 1\n` });
  execFileSync('chmod', ['755', path.join(dir, 'no-driver')]);
  try {
    await withDb('postgres', (c) => c.query(`CREATE DATABASE ${db}`));
    await withDb(db, (c) => c.query('CREATE TABLE customer (id serial PRIMARY KEY, email text NOT NULL)'));
    await runPgv(['baseline', 'shop', '--version', '2'], { cwd: dir });
    const run = await runPgv(['apply'], { cwd: dir, env: { PGV_PYTHON: '/usr/bin/python3' } });
    assert.is(run.code, 0, run.stderr);
    assert.is(readFileSync(probed, 'utf8').trim(), path.join(dir, 'no-driver'), 'the configured one was tried first');
    assert.equal(await ledger(db), ['baseline', 'update3.sql']);
  } finally {
    await dropDatabase(db);
  }
});

test('a hook that runs past hook_timeout is stopped: exit 3 naming it, the update does not run', async () => {
  const db = uniqueName('slowhook');
  const dir = makeProject();
  copyFixture('schema/gocept-python', dir, 'schema');
  writeFiles(dir, { 'pgv.config.yaml': schemaPart(db, '    hook_timeout: 1s\n'), 'schema/precondition3.py': 'import time\n\n\ndef precondition(db):\n    time.sleep(60)\n' });
  try {
    await withDb('postgres', (c) => c.query(`CREATE DATABASE ${db}`));
    await withDb(db, (c) => c.query("CREATE TABLE customer (id serial PRIMARY KEY, email text NOT NULL);"));
    await runPgv(['baseline', 'shop', '--version', '2'], { cwd: dir });
    const t0 = Date.now();
    const run = await runPgv(['apply'], { cwd: dir });
    assert.is(run.code, 3, run.stderr);
    assert.ok(Date.now() - t0 < 30_000, 'stopped at the timeout, not after the sleep');
    assert.match(run.stderr, 'precondition3.py vetoed update 3: did not finish within 1 s (hook_timeout) and was stopped');
    assert.equal(await ledger(db), ['baseline']);
  } finally {
    await dropDatabase(db);
  }
});

test('the password reaches the hook in its environment only: not in its arguments, not in the service file, which is removed', async () => {
  const db = await createDatabase('hookpw');
  const dir = makeProject();
  const secret = 'pw-' + 'x7Q9'.repeat(4);
  const report = path.join(dir, 'report.json');
  writeFiles(dir, {
    'schema/update1.sql': 'CREATE TABLE t (id int);\n',
    'schema/precondition1.py': [
      'import json, os',
      '',
      'def precondition(db):',
      '    service_file = os.environ["PGSERVICEFILE"]',
      '    with open("/proc/self/cmdline", "rb") as f:',
      '        argv = f.read().decode()',
      '    with open(service_file) as f:',
      '        service = f.read()',
      '    cur = db.cursor()',
      '    cur.execute("SELECT current_database()")',
      '    with open(os.environ["HOOK_REPORT"], "w") as out:',
      '        json.dump({"password": os.environ.get("PGPASSWORD"), "argv": argv, "service": service, "service_file": service_file, "db": cur.fetchone()[0]}, out)',
      '',
    ].join('\n'),
    'pgv.config.yaml': `${testConnectionYaml().replace('user: postgres\n', `user: postgres\n  password: ${secret}\n`)}parts:\n  p:\n    recipe: schema\n    dbname: ${db}\n    schema: schema\n`,
  });
  try {
    const run = await runPgv(['apply'], { cwd: dir, env: { HOOK_REPORT: report } });
    assert.is(run.code, 0, run.stderr);
    const seen = JSON.parse(readFileSync(report, 'utf8'));
    assert.is(seen.password, secret, 'PGPASSWORD carries it');
    assert.is(seen.db, db, 'the service entry reaches the part\'s database');
    assert.not.match(seen.argv, secret);
    assert.not.match(seen.service, secret);
    assert.match(seen.service, `dbname=${db}`);
    assert.not.ok(existsSync(seen.service_file), 'the service file is gone');
    assert.not.match(run.stdout + run.stderr, secret);
  } finally {
    await dropDatabase(db);
  }
});

test('pum DeltaPy deltas run in order with pgv\'s pum.core.deltapy and service=…; a pum 0.10 table records them as types 5, 4, 6', async () => {
  const db = await createDatabase('deltapy');
  const dir = makeProject();
  copyFixture('deltas/pum-python', dir, 'deltas');
  writeFiles(dir, { 'pgv.config.yaml': deltasPart(db, '    upgrades_table: ww_sys.upgrades\n') });
  try {
    // An existing pum 0.10 table, as `pum baseline` leaves it.
    await withDb(db, (c) =>
      c.query(`CREATE SCHEMA ww_sys; CREATE TABLE ww_sys.upgrades (id serial PRIMARY KEY, version varchar(50), description varchar(200) NOT NULL, type integer NOT NULL, script varchar(1000) NOT NULL,
        checksum varchar(32) NOT NULL, installed_by varchar(100) NOT NULL, installed_on timestamp NOT NULL DEFAULT now(), execution_time integer NOT NULL, success boolean NOT NULL);
        INSERT INTO ww_sys.upgrades (version, description, type, script, checksum, installed_by, execution_time, success) VALUES ('1.0.0', 'baseline', 0, '', '', 'postgres', 1, true)`),
    );
    // pum's greater-or-equal: 1.0.0 is the baseline, so its delta runs too.
    const run = await runPgv(['apply'], { cwd: dir });
    assert.is(run.code, 0, run.stderr);
    const log = await withDb(db, async (c) => (await c.query<{ what: string }>('SELECT what FROM pum_py.log ORDER BY id')).rows.map((r) => r.what));
    assert.equal(log, ['pre 1.0.1 at 1.0.0', '1.0.1', 'post 1.0.1', '1.0.2']);
    const settings = await withDb(db, async (c) => (await c.query('SELECT name, value FROM public.settings_view ORDER BY name')).rows);
    assert.equal(settings, [
      { name: 'currency', value: 'CHF' },
      { name: 'language', value: 'de' },
      { name: 'srid', value: '2056' },
      { name: 'upgrades_table', value: 'ww_sys.upgrades' },
    ], 'delta_dir, variables and upgrades_table reached the delta; post-all.py recreated the view');
    const rows = await withDb(db, async (c) => (await c.query('SELECT version, description, type, script, success FROM ww_sys.upgrades WHERE id > 1 ORDER BY id')).rows);
    assert.equal(rows, [
      { version: '1.0.0', description: 'init', type: 8, script: 'delta_1.0.0_init.sql', success: true },
      { version: '1.0.1', description: 'settings', type: 5, script: 'delta_1.0.1_settings.pre.py', success: true },
      { version: '1.0.1', description: 'settings', type: 4, script: 'delta_1.0.1_settings.py', success: true },
      { version: '1.0.1', description: 'settings', type: 6, script: 'delta_1.0.1_settings.post.py', success: true },
      { version: '1.0.2', description: 'view', type: 8, script: 'delta_1.0.2_view.sql', success: true },
    ]);
    assert.match((await runPgv(['apply'], { cwd: dir })).stdout, 'up to date');
  } finally {
    await dropDatabase(db);
  }
});

test('a DeltaPy that raises: exit 3 naming the file and the exception, not recorded, nothing after it runs; fixed, it runs', async () => {
  const db = uniqueName('deltapy_fail');
  const dir = makeProject();
  copyFixture('deltas/pum-python', dir, 'deltas');
  const broken = 'from pum.core.deltapy import DeltaPy\n\n\nclass Broken(DeltaPy):\n    def run(self):\n        raise RuntimeError("the pipes table is locked by the night job")\n';
  writeFiles(dir, { 'pgv.config.yaml': deltasPart(db), 'deltas/delta_1.0.1_settings.py': broken });
  try {
    const run = await runPgv(['apply'], { cwd: dir });
    assert.is(run.code, 3, run.stderr);
    assert.match(run.stderr, 'pgv: error: delta_1.0.1_settings.py failed: RuntimeError: the pipes table is locked by the night job');
    assert.match(run.stderr, 'delta_1.0.1_settings.py", line 6, in run');
    assert.equal(await ledger(db), ['delta_1.0.0_init.sql', 'delta_1.0.1_settings.pre.py'], 'the failed delta is not recorded, not even as started');
    const log = await withDb(db, async (c) => (await c.query<{ what: string }>('SELECT what FROM pum_py.log ORDER BY id')).rows.map((r) => r.what));
    assert.equal(log, ['pre 1.0.1 at 1.0.0'], 'nothing after it ran');
    copyFixture('deltas/pum-python/delta_1.0.1_settings.py', dir, 'deltas/delta_1.0.1_settings.py');
    const fixed = await runPgv(['apply'], { cwd: dir });
    assert.is(fixed.code, 0, fixed.stderr);
    assert.equal((await ledger(db)).slice(2), ['delta_1.0.1_settings.py', 'delta_1.0.1_settings.post.py', 'delta_1.0.2_view.sql', 'post-all.py']);
  } finally {
    await dropDatabase(db);
  }
});

test('pgv killed while a DeltaPy runs: its start row stays, and the next apply refuses instead of running it again', async () => {
  const db = uniqueName('deltapy_kill');
  const dir = makeProject();
  copyFixture('deltas/pum-python', dir, 'deltas');
  const slow = 'import time\n\nfrom pum.core.deltapy import DeltaPy\n\n\nclass Slow(DeltaPy):\n    def run(self):\n        time.sleep(2)\n';
  writeFiles(dir, { 'pgv.config.yaml': deltasPart(db), 'deltas/delta_1.0.1_settings.py': slow });
  try {
    const running = spawnPgv(['apply', '-q'], { cwd: dir });
    const started = async () => (await databaseExists(db)) && (await withDb(db, async (c) => (await c.query("SELECT 1 FROM pg_tables WHERE schemaname = 'pgv' AND tablename = 'upgrades'")).rowCount === 1 && (await c.query("SELECT 1 FROM pgv.upgrades WHERE script = 'delta_1.0.1_settings.py' AND NOT success")).rowCount === 1));
    const t0 = Date.now();
    while (!(await started())) {
      assert.ok(Date.now() - t0 < 30_000, 'the delta started');
      await new Promise((r) => setTimeout(r, 50));
    }
    running.child.kill('SIGKILL');
    await running.done;
    await new Promise((r) => setTimeout(r, 2500)); // the orphaned hook finishes its sleep
    const next = await runPgv(['apply'], { cwd: dir });
    assert.is(next.code, 3, next.stderr);
    assert.match(next.stderr, 'delta_1.0.1_settings.py started at');
    assert.match(next.stderr, 'and never finished');
    assert.equal(await ledger(db), ['delta_1.0.0_init.sql', 'delta_1.0.1_settings.pre.py', 'delta_1.0.1_settings.py']);
  } finally {
    await dropDatabase(db);
  }
});

test.run();
