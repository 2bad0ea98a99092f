/** Transaction-mode poolers are refused before pgv takes its lock: a real PgBouncer in front of the test cluster. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { jsonOf, makeProject, runPgv, writeFiles } from '../helpers/cli.js';
import { cluster, createDatabase, dropDatabase, withDb } from '../helpers/db.js';
import { startPgbouncer } from '../helpers/pgbouncer.js';

const ledgerExists = (db: string) => withDb(db, async (c) => (await c.query<{ t: string | null }>("SELECT to_regclass('pgv.upgrades')::text AS t")).rows[0]!.t !== null);

function project(dbname: string, host: string, port: number, extra = ''): string {
  const dir = makeProject('pooler');
  writeFiles(dir, {
    'db/init.sql': 'CREATE TABLE item (id int PRIMARY KEY);\n',
    'pgv.config.yaml': `connection:\n  host: ${JSON.stringify(host)}\n  port: ${port}\n  user: postgres\nparts:\n  app:\n    recipe: schema\n    dbname: ${dbname}\n    schema: db\n${extra}`,
  });
  return dir;
}

test('behind PgBouncer in transaction mode: apply refuses before the lock (exit 3, nothing applied), says to connect directly; direct_connection works', async () => {
  const db = await createDatabase('pooler_tx');
  const bouncer = await startPgbouncer();
  try {
    const dir = project(db, bouncer.socketDir, bouncer.port);
    const run = await runPgv(['apply', '--json'], { cwd: dir });
    assert.is(run.code, 3, run.stderr);
    if (process.env.PGV_TEST_SHOW) console.log(run.stderr);
    const err = jsonOf(run).parts[0].error;
    assert.match(run.stderr, 'pgv: error:');
    assert.is(err.code, 'pooler_refused');
    assert.match(err.message, 'goes through a connection pooler in transaction mode');
    assert.match(err.hint, 'direct_connection');
    assert.match(err.details.join('\n'), /evidence: (another session's transaction ran on this session's server connection|two consecutive transactions)/);
    assert.is(await ledgerExists(db), false, 'nothing applied');
    // The part option for a direct connection: PostgreSQL itself, not the pooler.
    writeFiles(dir, { 'pgv.config.yaml': `${(await import('node:fs')).readFileSync(`${dir}/pgv.config.yaml`, 'utf8')}    direct_connection:\n      host: ${JSON.stringify(cluster.socketDir)}\n      port: ${cluster.port}\n` });
    const direct = await runPgv(['apply'], { cwd: dir });
    assert.is(direct.code, 0, direct.stderr);
    assert.is(await ledgerExists(db), true);
  } finally {
    await bouncer.stop();
    await dropDatabase(db);
  }
});

test('behind PgBouncer in session mode: accepted (a session keeps its server connection, and so its lock)', async () => {
  const db = await createDatabase('pooler_ses');
  const bouncer = await startPgbouncer({}, 'session');
  try {
    const dir = project(db, bouncer.socketDir, bouncer.port);
    const run = await runPgv(['apply'], { cwd: dir });
    assert.is(run.code, 0, run.stderr);
    assert.is(await ledgerExists(db), true);
  } finally {
    await bouncer.stop();
    await dropDatabase(db);
  }
});

test.run();
