/** odb's habits with `pgv snapshot`: `init demo8` names a database; without a config it works through PG*. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFixture, makeProject, runPgv, schemaConfig, writeFiles } from '../helpers/cli.js';
import { createDatabase, withDb } from '../helpers/db.js';
import { bareDir, clusterEnv, dropFamily, familyOf } from '../helpers/snapshot.js';

test('with a config, `pgv snapshot init demo8` (not a part) points at --db demo8', async () => {
  const dir = makeProject('snapmig');
  copyFixture('schema/shop', dir, 'schema');
  writeFiles(dir, { 'pgv.config.yaml': schemaConfig('whatever', 'schema') });
  const run = await runPgv(['snapshot', 'init', 'demo8'], { cwd: dir });
  assert.is(run.code, 2);
  assert.match(run.stderr, 'no part named "demo8"');
  assert.match(run.stderr, 'For a database that is not a part, use --db: `pgv snapshot init --db demo8`. Parts: app.');
  const tag = await runPgv(['snapshot', 'tag', 'demo8', 'v1'], { cwd: dir });
  assert.is(tag.code, 2);
  assert.match(tag.stderr, '`pgv snapshot tag --db demo8 v1`');
});

test('without a config, odb\'s `init demo8`, `commit`, `tag`, `revert` work on the database PG* points to, and say so', async () => {
  const db = await createDatabase('demo8');
  const run = (...args: string[]) => runPgv(['snapshot', ...args], { cwd: bareDir(), env: clusterEnv });
  try {
    await withDb(db, (c) => c.query('CREATE TABLE t (n int); INSERT INTO t VALUES (1)'));
    const init = await run('init', db);
    assert.is(init.code, 0, init.stderr);
    assert.is(init.stdout.trim(), 'Now version 0');
    assert.match(init.stderr, `pgv: note: no pgv config here: "${db}" is a database name, postgres@[`);
    assert.match(init.stderr, `(from libpq's PGHOST, PGPORT, PGUSER…; --db ${db} says the same)`);
    assert.is((await run('commit', db, '-m', 'one row')).code, 0);
    assert.is((await run('tag', db, 'one')).code, 0);
    await withDb(db, (c) => c.query('INSERT INTO t VALUES (2)'));
    const revert = await run('revert', db, '--tag', 'one');
    assert.is(revert.code, 0, revert.stderr);
    assert.is(await withDb(db, async (c) => (await c.query<{ n: string }>('SELECT count(*)::text AS n FROM t')).rows[0]!.n), '1');
    const info = await run('info', db);
    assert.is(info.code, 0);
    assert.ok((await familyOf(db)).length > 1);
  } finally {
    await dropFamily(db);
  }
});

test.run();
