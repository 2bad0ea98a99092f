/** `pgv snapshot` end to end: the real binary against the test cluster. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { jsonOf, makeProject, runPgv, schemaConfig, writeFiles } from '../helpers/cli.js';
import { connect } from '../../lib/db/client.js';
import { createDatabase, databaseExists, specFor, uniqueName, withDb } from '../helpers/db.js';
import { dropFamily, familyOf, snap, valuesOf } from '../helpers/snapshot.js';
import { quoteIdent } from '../../lib/db/ident.js';
import { revertCopyName, snapshotDatabaseName } from '../../lib/snapshot/names.js';

async function schemasOf(dbname: string): Promise<string[]> {
  return withDb(dbname, async (db) => (await db.query<{ n: string }>("SELECT nspname AS n FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' ORDER BY 1")).rows.map((r) => r.n));
}

/** A database with table t(v) holding `values`. */
async function databaseWith(prefix: string, values: string[]): Promise<string> {
  const db = await createDatabase(prefix);
  await withDb(db, (c) => c.query(`CREATE TABLE t (v text); ${values.map((v) => `INSERT INTO t VALUES ('${v}');`).join(' ')}`));
  return db;
}

test("odb's transcript through a part: init 0, commit 1 2 3, revert 1 → 4 (parent 1, tip 4)", async () => {
  const db = uniqueName('demo8');
  const dir = makeProject();
  writeFiles(dir, { 'schema/init.sql': 'CREATE TABLE t (v text);\n', 'pgv.config.yaml': schemaConfig(db, 'schema', '    create: true\n') });
  const pgv = (...args: string[]) => runPgv(['snapshot', ...args], { cwd: dir });
  try {
    assert.is((await runPgv(['apply', '-q'], { cwd: dir })).code, 0);
    const schemasBefore = await schemasOf(db);
    const init = await pgv('init', 'app');
    assert.is(init.code, 0, init.stderr);
    assert.is(init.stdout, 'Now version 0\n');
    assert.is((await pgv('info', 'app')).stdout, `database: ${db}\nversion : 0 (parent: 0, tip: 0)\n`);
    assert.is((await pgv('commit', 'app')).stdout, 'Now version 1\n');
    assert.is((await pgv('info')).stdout, `database: ${db}\nversion : 1 (parent: 0, tip: 1)\n`, 'the only part is the default');
    assert.is((await pgv('commit')).stdout, 'Now version 2\n');
    assert.is((await pgv('commit', 'app')).stdout, 'Now version 3\n');
    const revert = await pgv('revert', 'app', '1');
    assert.is(revert.code, 0, revert.stderr);
    assert.is(revert.stdout, 'Reverted to revision 1, now at revision 4\n');
    assert.is((await pgv('info', 'app')).stdout, `database: ${db}\nversion : 4 (parent: 1, tip: 4)\n`);
    assert.equal(jsonOf(await pgv('info', 'app', '--json')), { database: db, version: 4, parent: 1, tip: 4 });

    const log = jsonOf(await pgv('log', '--json'));
    assert.equal(log.revisions.map((r: { revision: number; parent: number; database: string }) => [r.revision, r.parent, r.database]), [
      [4, 1, db],
      [2, 1, `${db}~2`],
      [1, 0, `${db}~1`],
      [0, 0, `${db}~0`],
    ]);
    for (const r of log.revisions) {
      assert.ok(Number.isInteger(r.size_bytes) && r.size_bytes > 0, 'size_bytes');
      assert.ok(!Number.isNaN(Date.parse(r.created_at)), 'created_at');
      assert.equal(Object.keys(r).sort(), ['created_at', 'database', 'parent', 'revision', 'size_bytes']);
    }
    const text = (await pgv('log')).stdout.split('\n');
    assert.match(text[0]!, new RegExp(`^@    4  ${db} `));
    assert.match(text[1]!, new RegExp(`^\\| o  2  ${db}~2 `));
    assert.is(text[2], '|/');
    assert.match(text[3]!, /^o    1 /);
    // Nothing pgv wrote lives inside the database: `pgv check` has nothing to skip.
    assert.equal(await schemasOf(db), schemasBefore);
    assert.equal(await familyOf(db), [db, `${db}~0`, `${db}~1`, `${db}~2`]);
  } finally {
    await dropFamily(db);
  }
});

test('revert really brings the data back; the working database keeps its name; commit -m is logged', async () => {
  const db = await databaseWith('data', ['a', 'b']);
  try {
    assert.is((await snap(db, 'init')).code, 0);
    assert.is((await snap(db, 'commit', ['-m', 'a and b'])).code, 0);
    await withDb(db, (c) => c.query("DELETE FROM t WHERE v = 'a'; INSERT INTO t VALUES ('c'); ALTER TABLE t ADD COLUMN extra int"));
    assert.equal(await valuesOf(db), ['b', 'c']);
    const r = await snap(db, 'revert');
    assert.is(r.code, 0, r.stderr);
    assert.is(r.stdout, 'Reverted to revision 0, now at revision 2\n');
    assert.equal(await valuesOf(db), ['a', 'b']);
    const cols = await withDb(db, async (c) => (await c.query("SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 't'")).rows[0]);
    assert.equal(cols, { n: 1 });
    const log = jsonOf(await snap(db, 'log', ['--json']));
    assert.is(log.revisions.find((x: { revision: number }) => x.revision === 0).message, 'a and b');
    assert.not.ok(await databaseExists(revertCopyName(db)));
    assert.not.ok(await databaseExists(`${db}~discard`));
  } finally {
    await dropFamily(db);
  }
});

test('revert --keep keeps the replaced state as a snapshot of its version', async () => {
  const db = await databaseWith('keep', ['one']);
  try {
    await snap(db, 'init');
    await snap(db, 'commit');
    await withDb(db, (c) => c.query("UPDATE t SET v = 'two'"));
    const r = await snap(db, 'revert', ['0', '--keep']);
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stdout, `The replaced state is kept as revision 1 (database ${db}~1).`);
    assert.equal(await valuesOf(db), ['one']);
    assert.equal(await valuesOf(`${db}~1`), ['two']);
    const back = await snap(db, 'revert', ['1']);
    assert.is(back.stdout, 'Reverted to revision 1, now at revision 3\n');
    assert.equal(await valuesOf(db), ['two']);
  } finally {
    await dropFamily(db);
  }
});

test('reverting to a snapshot that does not exist fails (exit 3) and changes nothing', async () => {
  const db = await databaseWith('missing', ['x']);
  try {
    await snap(db, 'init');
    const fromInit = await snap(db, 'revert');
    assert.is(fromInit.code, 3);
    assert.match(fromInit.stderr, 'the parent of version 0, revision 0, has no snapshot');
    await snap(db, 'commit');
    const before = await familyOf(db);
    const r = await snap(db, 'revert', ['7', '--json']);
    assert.is(r.code, 3);
    const err = jsonOf(r).error;
    assert.is(err.code, 'snapshot_missing');
    assert.is(err.message, `cannot revert "${db}": revision 7 has no snapshot`);
    assert.match(err.hint, `Snapshots of "${db}": 0`);
    assert.equal(await familyOf(db), before);
    assert.equal(jsonOf(await snap(db, 'info', ['--json'])), { database: db, version: 1, parent: 0, tip: 1 });
    // A snapshot dropped behind pgv's back is missing too.
    await withDb('postgres', (c) => c.query(`DROP DATABASE ${quoteIdent(`${db}~0`)}`));
    const gone = await snap(db, 'revert', ['0']);
    assert.is(gone.code, 3);
    assert.match(gone.stderr, 'revision 0 has no snapshot');
    assert.equal(await valuesOf(db), ['x']);
  } finally {
    await dropFamily(db);
  }
});

test('tags: default to the parent, --rev, unique, --delete, revert --tag', async () => {
  const db = await databaseWith('tags', ['v0']);
  try {
    await snap(db, 'init');
    await snap(db, 'commit');
    await withDb(db, (c) => c.query("UPDATE t SET v = 'v1'"));
    await snap(db, 'commit');
    assert.is((await snap(db, 'tag', ['release-1'])).stdout, 'Tagged revision 1 as release-1\n');
    assert.is((await snap(db, 'tag', ['first', '--rev', '0'])).stdout, 'Tagged revision 0 as first\n');
    const dup = await snap(db, 'tag', ['first', '--rev', '1']);
    assert.is(dup.code, 3);
    assert.match(dup.stderr, 'tag "first" is already on revision 0');
    assert.is((await snap(db, 'tag', ['12'])).code, 2);
    const missing = await snap(db, 'tag', ['x', '--rev', '9']);
    assert.is(missing.code, 3);
    const log = jsonOf(await snap(db, 'log', ['--json']));
    assert.equal(log.revisions.map((r: { revision: number; tag?: string }) => [r.revision, r.tag ?? null]), [[2, null], [1, 'release-1'], [0, 'first']]);
    assert.match((await snap(db, 'log')).stdout, /\[first\]/);

    await withDb(db, (c) => c.query("UPDATE t SET v = 'later'"));
    const r = await snap(db, 'revert', ['--tag', 'first']);
    assert.is(r.stdout, 'Reverted to revision 0, now at revision 3\n');
    assert.equal(await valuesOf(db), ['v0']);
    assert.is((await snap(db, 'tag', ['first', '--delete'])).stdout, 'Deleted tag first (revision 0)\n');
    const untagged = await snap(db, 'revert', ['--tag', 'first']);
    assert.is(untagged.code, 3);
    assert.match(untagged.stderr, 'no snapshot is tagged "first" (tags: release-1)');
  } finally {
    await dropFamily(db);
  }
});

test('purge lists without --yes (exit 0, nothing dropped), then drops by filter', async () => {
  const db = await databaseWith('purge', ['x']);
  try {
    await snap(db, 'init');
    for (let i = 0; i < 3; i++) await snap(db, 'commit');
    await snap(db, 'tag', ['keepme', '--rev', '1']);
    const none = await snap(db, 'purge');
    assert.is(none.code, 2);
    assert.match(none.stderr, 'needs --all, --keep-tags or --older-than');
    const dry = await snap(db, 'purge', ['--keep-tags']);
    assert.is(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, `Would drop 2 snapshots of "${db}"`);
    assert.match(dry.stdout, 'Run again with --yes to drop them.');
    assert.equal(await familyOf(db), [db, `${db}~0`, `${db}~1`, `${db}~2`]);
    assert.equal(jsonOf(await snap(db, 'purge', ['--older-than', '1h', '--json'])).snapshots, []);
    const yes = await snap(db, 'purge', ['--keep-tags', '--yes', '--json']);
    assert.is(yes.code, 0, yes.stderr);
    const doc = jsonOf(yes);
    assert.is(doc.dry_run, false);
    assert.equal(doc.snapshots.map((s: { revision: number }) => s.revision), [0, 2]);
    assert.equal(await familyOf(db), [db, `${db}~1`]);
    await snap(db, 'purge', ['--all', '--yes']);
    assert.equal(await familyOf(db), [db]);
    // The log still shows where the working database came from.
    assert.match((await snap(db, 'log')).stdout, '(parent 2 purged)');
  } finally {
    await dropFamily(db);
  }
});

test('sessions on the database: refused (exit 3) naming pid, user, application and since; --force terminates them', async () => {
  const db = await databaseWith('busy', ['x']);
  const other = await connect({ ...specFor(db), application_name: 'busy-app' });
  try {
    await snap(db, 'init');
    const r = await snap(db, 'commit');
    assert.is(r.code, 3);
    assert.match(r.stderr, `database "${db}" has 1 other session`);
    assert.match(r.stderr, new RegExp(`pid ${other.backendPid}, user postgres, application "busy-app", since \\d{4}-`));
    assert.match(r.stderr, '--force');
    assert.equal(await familyOf(db), [db], 'nothing was created');
    assert.equal(jsonOf(await snap(db, 'info', ['--json'])).version, 0);
    const forced = await snap(db, 'commit', ['--force']);
    assert.is(forced.code, 0, forced.stderr);
    assert.is(forced.stdout, 'Now version 1\n');
    await other.query('SELECT 1').then(
      () => assert.unreachable('the session should have been terminated'),
      () => undefined,
    );
    // A revert needs the snapshot idle too.
    const onSnapshot = await connect({ ...specFor(`${db}~0`), application_name: 'peek' });
    try {
      const rv = await snap(db, 'revert');
      assert.is(rv.code, 3);
      assert.match(rv.stderr, `database "${db}~0" has 1 other session`);
      assert.match(rv.stderr, 'application "peek"');
    } finally {
      await onSnapshot.end();
    }
  } finally {
    await other.end();
    await dropFamily(db);
  }
});

test('a revert keeps the database-level grants, settings and owner of the working database', async () => {
  const db = await databaseWith('container', ['x']);
  const role = uniqueName('snaprole');
  try {
    await withDb('postgres', (c) =>
      c.query(`CREATE ROLE ${role} LOGIN; ALTER DATABASE ${db} OWNER TO ${role}; REVOKE ALL ON DATABASE ${db} FROM PUBLIC; GRANT CONNECT ON DATABASE ${db} TO ${role};
               ALTER DATABASE ${db} SET search_path = "$user", app, public; ALTER DATABASE ${db} SET work_mem = '12MB'; ALTER ROLE ${role} IN DATABASE ${db} SET statement_timeout = '5s'`),
    );
    const props = (name: string) =>
      withDb('postgres', async (c) => {
        const { rows } = await c.query(
          `SELECT pg_get_userbyid(d.datdba) AS owner, d.datacl::text AS acl,
                  (SELECT array_agg(coalesce(pg_get_userbyid(nullif(s.setrole, 0)), '') || ':' || array_to_string(s.setconfig, ';') ORDER BY s.setrole) FROM pg_db_role_setting s WHERE s.setdatabase = d.oid) AS settings
             FROM pg_database d WHERE datname = $1`,
          [name],
        );
        return { ...rows[0], acl: String(rows[0]!.acl).replaceAll(db, 'DB') };
      });
    const before = await props(db);
    await snap(db, 'init');
    await snap(db, 'commit');
    const r = await snap(db, 'revert');
    assert.is(r.code, 0, r.stderr);
    assert.equal(await props(db), before);
    assert.equal((before as unknown as { settings: string[] }).settings, [':search_path="$user", app, public;work_mem=12MB', `${role}:statement_timeout=5s`]);
  } finally {
    await dropFamily(db);
    await withDb('postgres', (c) => c.query(`DROP ROLE IF EXISTS ${role}`));
  }
});

test('names at the 63-byte limit, multibyte included: snapshots and reverts work with shortened names', async () => {
  let multibyte = `é${process.pid}`;
  while (Buffer.byteLength(multibyte) <= 60) multibyte += 'é';
  multibyte = multibyte.padEnd(multibyte.length + 63 - Buffer.byteLength(multibyte), 'z');
  for (const name of [`l${process.pid}_`.padEnd(63, 'x'), multibyte]) {
    assert.is(Buffer.byteLength(name), 63, name);
    await withDb('postgres', (c) => c.query(`CREATE DATABASE ${quoteIdent(name)}`));
    await withDb(name, (c) => c.query("CREATE TABLE t (v text); INSERT INTO t VALUES ('first')"));
    try {
      assert.is((await snap(name, 'init')).code, 0);
      const c = await snap(name, 'commit', ['--json']);
      assert.is(c.code, 0, c.stderr);
      const snapshot = jsonOf(c).snapshot.database;
      assert.is(snapshot, snapshotDatabaseName(name, 0));
      assert.ok(Buffer.byteLength(snapshot) <= 63);
      assert.ok(await databaseExists(snapshot), 'the server kept the name as pgv computed it');
      await withDb(name, (db) => db.query("UPDATE t SET v = 'second'"));
      const r = await snap(name, 'revert');
      assert.is(r.code, 0, r.stderr);
      assert.equal(await valuesOf(name), ['first']);
      assert.equal(jsonOf(await snap(name, 'info', ['--json'])), { database: name, version: 2, parent: 0, tip: 2 });
    } finally {
      for (const d of [name, snapshotDatabaseName(name, 0), snapshotDatabaseName(name, 1), revertCopyName(name)]) {
        await withDb('postgres', (c) => c.query(`DROP DATABASE IF EXISTS ${quoteIdent(d)} WITH (FORCE)`));
      }
    }
  }
});

test('not versioned, a missing database, a snapshot used as working database, usage errors', async () => {
  const db = await databaseWith('plain', ['x']);
  try {
    const info = await snap(db, 'info');
    assert.is(info.code, 3);
    assert.match(info.stderr, `database "${db}" is not versioned`);
    assert.match(info.stderr, 'pgv snapshot init');
    const missing = await snap(`${db}_nope`, 'init');
    assert.is(missing.code, 3);
    assert.match(missing.stderr, 'does not exist');
    assert.is((await snap(db, 'init', ['--user-comment'])).code, 2);
    assert.is((await snap(db, 'frobnicate')).code, 2);
    assert.match((await snap(db, 'comit')).stderr, 'Did you mean pgv snapshot commit?');
    assert.match((await snap(db, 'info', ['-m', 'x'])).stderr, '--message does not apply to pgv snapshot info');
    assert.match((await snap(db, 'revert', ['abc'])).stderr, '"abc" is not a revision number');
    await withDb('postgres', (c) => c.query(`COMMENT ON DATABASE ${db} IS 'the production copy'`));
    assert.is((await snap(db, 'init')).stdout, 'Now version 0\n');
    assert.is((await snap(db, 'init')).stdout, 'Already versioned: now version 0\n');
    await snap(db, 'commit');
    const onSnapshot = await snap(`${db}~0`, 'commit');
    assert.is(onSnapshot.code, 3);
    assert.match(onSnapshot.stderr, `is snapshot 0 of "${db}", not a working database`);
    const comment = await withDb('postgres', async (c) => (await c.query<{ c: string }>("SELECT shobj_description(oid, 'pg_database') AS c FROM pg_database WHERE datname = $1", [db])).rows[0]!.c);
    assert.is(JSON.parse(comment).user_comment, 'the production copy');
  } finally {
    await dropFamily(db);
  }
});

test('init continues the history of snapshots that outlived their working database', async () => {
  const db = await databaseWith('reborn', ['x']);
  try {
    await snap(db, 'init');
    await snap(db, 'commit');
    await snap(db, 'commit');
    await withDb('postgres', (c) => c.query(`DROP DATABASE ${db}`));
    const gone = await snap(db, 'info');
    assert.is(gone.code, 3);
    assert.match(gone.stderr, 'Its snapshots remain (revisions 0, 1)');
    await withDb('postgres', (c) => c.query(`CREATE DATABASE ${db}`));
    const init = await snap(db, 'init');
    assert.is(init.stdout, 'Now version 2\n');
    assert.match(init.stderr, 'continuing the history of 2 existing snapshots');
    const r = await snap(db, 'revert', ['1']);
    assert.is(r.stdout, 'Reverted to revision 1, now at revision 3\n');
    assert.equal(await valuesOf(db), ['x']);
  } finally {
    await dropFamily(db);
  }
});

test('--strategy: explicit choices work; a bad one is a usage error', async () => {
  const db = await databaseWith('strategy', ['x']);
  try {
    await snap(db, 'init');
    const version = await withDb(db, async (c) => Number((await c.query<{ v: string }>("SELECT current_setting('server_version_num') AS v")).rows[0]!.v));
    if (version < 150000) {
      // Before PostgreSQL 15 CREATE DATABASE has no STRATEGY: auto sends none, a choice is refused.
      assert.is(jsonOf(await snap(db, 'commit', ['--json'])).snapshot.strategy, null, 'no STRATEGY clause');
      const refused = await snap(db, 'commit', ['--strategy', 'file_copy']);
      assert.is(refused.code, 2);
      assert.match(refused.stderr, `--strategy file_copy needs PostgreSQL 15 or newer (the server is ${Math.floor(version / 10000)})`);
      return;
    }
    assert.is(jsonOf(await snap(db, 'commit', ['--json'])).snapshot.strategy, 'wal_log', 'a small database: auto picks wal_log');
    assert.is(jsonOf(await snap(db, 'commit', ['--strategy', 'file_copy', '--json'])).snapshot.strategy, 'file_copy');
    const r = await snap(db, 'revert', ['--strategy', 'FILE-COPY', '--json']);
    assert.is(r.code, 0, r.stderr);
    assert.is(jsonOf(r).strategy, 'file_copy');
    assert.is((await snap(db, 'commit', ['--strategy', 'fast'])).code, 2);
  } finally {
    await dropFamily(db);
  }
});

test.run();
