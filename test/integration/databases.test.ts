/** lib/db/databases.ts against the real server, including the paths older servers take. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connect } from '../../lib/db/client.js';
import { copyDatabase, dropDatabase, serverVersionOf, sessionsOn } from '../../lib/db/databases.js';
import { createDatabase, databaseExists, dropDatabase as dropTestDatabase, specFor, uniqueName, withDb } from '../helpers/db.js';

test('serverVersionOf reads server_version_num', async () => {
  const version = await withDb('postgres', serverVersionOf);
  const shown = await withDb('postgres', async (db) => (await db.query<{ server_version_num: string }>('SHOW server_version_num')).rows[0]!.server_version_num);
  assert.is(version, Number(shown));
});

for (const version of [150000, 120000]) {
  test(`dropDatabase with force on a server reported as ${version}: the sessions on it are terminated, the database dropped`, async () => {
    const name = await createDatabase('drop_force');
    const squatter = await connect(specFor(name));
    try {
      await withDb('postgres', async (db) => {
        assert.is((await sessionsOn(db, name)).length, 1);
        await dropDatabase(db, name, true, version);
      });
      assert.not.ok(await databaseExists(name));
    } finally {
      await squatter.end().catch(() => undefined);
      await dropTestDatabase(name);
    }
  });
}

test('dropDatabase without force refuses a database in use, naming the session', async () => {
  const name = await createDatabase('drop_busy');
  const squatter = await connect({ ...specFor(name), application_name: 'squatter' });
  try {
    const e = await withDb('postgres', (db) => dropDatabase(db, name, false, 150000)).catch((x: unknown) => x as { code?: string; message?: string; detailLines?: string[] });
    assert.is(e?.code, 'database_busy');
    assert.match(e?.message ?? '', `database "${name}" has 1 other session; it cannot be dropped while in use`);
    assert.match((e?.detailLines ?? []).join('\n'), 'application "squatter"');
    assert.ok(await databaseExists(name));
  } finally {
    await squatter.end().catch(() => undefined);
    await dropTestDatabase(name);
  }
});

for (const version of [150000, 140000]) {
  test(`copyDatabase on a server reported as ${version} copies the template`, async () => {
    const source = await createDatabase('copy_src');
    const target = uniqueName('copy_dst');
    try {
      await withDb(source, (db) => db.query('CREATE TABLE t (id int); INSERT INTO t VALUES (7)'));
      await withDb('postgres', (db) => copyDatabase(db, { source, target, strategy: 'wal_log', force: false, serverVersion: version }));
      const rows = await withDb(target, async (db) => (await db.query<{ id: number }>('SELECT id FROM t')).rows);
      assert.equal(rows, [{ id: 7 }]);
    } finally {
      await dropTestDatabase(target);
      await dropTestDatabase(source);
    }
  });
}

test.run();
