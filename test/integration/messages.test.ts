/**
 * What pgv prints when the input is wrong, through the real binary: JSON syntax errors with
 * file:line:column and a caret, config messages that say what is expected, every problem at once.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import { makeProject, runPgv, writeFiles } from '../helpers/cli.js';
import { cluster, uniqueName, withDb } from '../helpers/db.js';

const part = { recipe: 'schema', dbname: 'x', schema: 'db' };

test('a JSON config with a missing comma names file:line:column with a caret, exit 2', async () => {
  const dir = makeProject('json');
  writeFiles(dir, { 'db/init.sql': '', 'b.json': '{\n  "parts": {\n    "a": {"recipe": "schema", "dbname": "x", "schema": "db"}\n    "b": {}\n  }\n}\n' });
  const run = await runPgv(['validate', '-c', 'b.json'], { cwd: dir });
  assert.is(run.code, 2);
  assert.match(run.stderr, `pgv: error: ${path.join(dir, 'b.json')}:4:5: a comma is missing before this`);
  assert.match(run.stderr, '  4 |     "b": {}\n    |     ^\n');
  assert.not.match(run.stderr, 'position');
});

test('a JSON config with a trailing comma says so, at its line', async () => {
  const dir = makeProject('json');
  writeFiles(dir, { 'db/init.sql': '', 'pgv.config.json': `{\n  "parts": {\n    "a": ${JSON.stringify(part)},\n  }\n}\n` });
  const run = await runPgv(['validate'], { cwd: dir });
  assert.is(run.code, 2);
  assert.match(run.stderr, 'pgv.config.json:4:3: a trailing comma before "}" (JSON allows none)');
  assert.match(run.stderr, 'hint: Fix the JSON syntax at that line');
  const end = makeProject('json');
  writeFiles(end, { 'db/init.sql': '', '.pgvrc.json': '{"parts": {"a": {"recipe": "schema"' });
  const cut = await runPgv(['validate'], { cwd: end });
  assert.is(cut.code, 2);
  assert.match(cut.stderr, '.pgvrc.json:1:36: the file ends too early');
});

test('a broken package.json is a config error at its line, not a crash', async () => {
  const dir = makeProject('json');
  writeFiles(dir, { 'package.json': '{"name": "x",\n "pgv": {},,\n}\n' });
  const run = await runPgv(['validate'], { cwd: dir });
  assert.is(run.code, 2, run.stderr);
  assert.match(run.stderr, 'package.json:2:12: expected a key in double quotes here');
  assert.not.match(run.stderr, 'internal error');
});

test('config messages say what is expected, never a regular expression, all in one run', async () => {
  const dir = makeProject('cfg');
  writeFiles(dir, {
    'db/init.sql': '',
    'pgv.config.yaml': [
      'parts:',
      '  app:',
      '    recipe: schema',
      '    dbname: a',
      '    schema: db',
      '    ddl_lock_timeout: 5 seconds',
      '    after: reportng',
      '  reporting:',
      '    recipe: schema',
      '    dbname: b',
      '    schema: db',
      '    connection:',
      '      port: "99999x"',
      '',
    ].join('\n'),
  });
  const run = await runPgv(['validate'], { cwd: dir });
  assert.is(run.code, 2);
  assert.match(run.stderr, '3 problems in the config');
  assert.match(run.stderr, '/parts/app/ddl_lock_timeout: must be a duration: milliseconds, or a whole number with ms, s, min or h (500ms, 5s, 2min), not "5 seconds"');
  assert.match(run.stderr, '/parts/reporting/connection/port: must be a port number (1 to 65535), not "99999x"');
  assert.match(run.stderr, '/parts/app/after: names part "reportng", which does not exist; did you mean "reporting"?');
  assert.not.match(run.stderr, 'pattern');
  assert.not.match(run.stderr, '^[0-9]');
});

test('connection errors in words: no socket, nothing listening, an unknown host', async () => {
  const dir = makeProject('conn');
  const cases: Array<[string, string]> = [
    ['host=/nonexistent/run port=5499 dbname=a', 'cannot connect to root@[/nonexistent/run]:5499/a: no server listening on socket /nonexistent/run/.s.PGSQL.5499 (is it running?)'],
    ['postgresql://u@127.0.0.1:1/x', 'cannot connect to u@127.0.0.1:1/x: no server listening on 127.0.0.1:1 (is it running?)'],
    ['postgresql://u@no-such-host.invalid/x', 'the host name "no-such-host.invalid" is not known (DNS)'],
  ];
  for (const [conn, message] of cases) {
    const run = await runPgv(['check', '--db1', conn, '--db2', conn], { cwd: dir, env: { USER: 'root', PGUSER: conn.includes('u@') ? undefined : 'root' } });
    assert.is(run.code, 3, run.stderr);
    assert.match(run.stderr, message);
    assert.not.match(run.stderr, /ENOENT|ECONNREFUSED|ENOTFOUND|getaddrinfo/);
  }
});

test('an empty password says so and where it came from (${env:…} in the file), not the driver\'s SASL text', async () => {
  const role = uniqueName('pw_role');
  const hba = await withDb('postgres', async (db) => (await db.query<{ f: string }>("SELECT current_setting('hba_file') AS f")).rows[0]!.f);
  const original = readFileSync(hba, 'utf8');
  try {
    await withDb('postgres', async (db) => {
      await db.query(`CREATE ROLE ${role} LOGIN PASSWORD 'right-one'`);
      // Only this role must give a password on the socket; every other test stays trusted.
      writeFileSync(hba, `local all ${role} scram-sha-256\n${original}`);
      await db.query('SELECT pg_reload_conf()');
    });
    const dir = makeProject('pw');
    writeFiles(dir, {
      'db/init.sql': '',
      'pgv.prod.yaml': `connection:\n  host: ${JSON.stringify(cluster.socketDir)}\n  port: ${cluster.port}\n  user: ${role}\n  password: \${env:PROD_DB_PASSWORD}\nparts:\n  app:\n    recipe: schema\n    dbname: postgres\n    schema: db\n`,
    });
    const run = await runPgv(['plan', '-c', 'pgv.prod.yaml'], { cwd: dir, env: { PROD_DB_PASSWORD: '' } });
    assert.is(run.code, 3, run.stderr);
    assert.match(run.stderr, 'the password is empty (from `${env:PROD_DB_PASSWORD}` in pgv.prod.yaml)');
    assert.not.match(run.stderr, 'SASL');
    const conn = `host=${cluster.socketDir} port=${cluster.port} user=${role} dbname=postgres`;
    const none = await runPgv(['check', '--db1', conn, '--db2', conn], { cwd: dir, env: { PGPASSWORD: undefined, PGPASSFILE: '/nonexistent' } });
    assert.is(none.code, 3, none.stderr);
    assert.match(none.stderr, 'the password is empty (none given: config `connection.password`, PGPASSWORD or ~/.pgpass)', none.stderr);
  } finally {
    writeFileSync(hba, original);
    await withDb('postgres', async (db) => {
      await db.query('SELECT pg_reload_conf()');
      await db.query(`DROP ROLE IF EXISTS ${role}`);
    });
  }
});

test.run();
