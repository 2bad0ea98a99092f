/** `pgv trace` and `test-and-upgrade --trace`: measured locks and rewrites on the rehearsal copy, production untouched. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { validateAgainst } from '../../lib/config/validate.js';
import { jsonOf, makeProject, runPgv, schemaConfig, writeFiles } from '../helpers/cli.js';
import { dropDatabase, uniqueName, withDb } from '../helpers/db.js';

const databasesLike = (prefix: string) => withDb('postgres', async (c) => (await c.query<{ datname: string }>('SELECT datname FROM pg_database WHERE starts_with(datname, $1) ORDER BY 1', [prefix])).rows.map((r) => r.datname));
const generation = (db: string) => withDb(db, async (c) => (await c.query<{ v: string }>('SELECT max(version::int)::text AS v FROM pgv.upgrades')).rows[0]!.v);
const relfilenode = (db: string) => withDb(db, async (c) => (await c.query<{ n: string }>("SELECT relfilenode::text AS n FROM pg_class WHERE oid = 'item'::regclass")).rows[0]!.n);

async function project(db: string, extra = ''): Promise<string> {
  const dir = makeProject('trace');
  writeFiles(dir, {
    'db/init.sql': 'CREATE TABLE item (id int PRIMARY KEY, qty int NOT NULL);\nINSERT INTO item SELECT g, g % 7 FROM generate_series(1, 200000) g;\nANALYZE item;\n',
    'pgv.config.yaml': schemaConfig(db, 'db', `    create: true\n${extra}`),
  });
  const init = await runPgv(['apply'], { cwd: dir });
  assert.is(init.code, 0, init.stderr);
  writeFiles(dir, {
    // The release: init.sql builds the new schema, the updates bring production there.
    'db/init.sql': 'CREATE TABLE item (id int PRIMARY KEY, qty bigint NOT NULL, note text);\nCREATE INDEX item_qty_idx ON item (qty);\n',
    'db/update1.sql': 'ALTER TABLE item ADD COLUMN note text;\nALTER TABLE item ALTER COLUMN qty TYPE bigint;\n',
    'db/update2.sql': '-- pgv:no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS item_qty_idx ON item (qty);\n',
  });
  return dir;
}

test('pgv trace: per statement the locks (mode × relation, size, rows), the real table rewrite, strong lock hold times; production untouched', async () => {
  const db = uniqueName('trace');
  const dir = await project(db);
  try {
    const node = await relfilenode(db);
    const run = await runPgv(['trace', 'app', '--json'], { cwd: dir });
    assert.is(run.code, 0, run.stderr);
    const { trace } = jsonOf(run);
    assert.equal(validateAgainst('pgv.trace.schema.json', trace), []);
    assert.equal(trace.statements.map((s: any) => `${s.script}:${s.line}`), ['update1.sql:1', 'update1.sql:2', 'update2.sql:2']);
    const [add, retype, index] = trace.statements;
    // ADD COLUMN without a default: ACCESS EXCLUSIVE, but no rewrite.
    assert.ok(add.locks.some((l: any) => l.mode === 'AccessExclusiveLock' && l.relation === 'public.item'), JSON.stringify(add.locks));
    assert.equal(add.rewrites, []);
    // ALTER COLUMN TYPE: the table and its primary key index get new files.
    assert.equal(retype.rewrites.map((r: any) => r.relation).sort(), ['public.item', 'public.item_pkey']);
    const item = retype.rewrites.find((r: any) => r.relation === 'public.item');
    assert.ok(item.size_bytes > 4_000_000, `size of item: ${item.size_bytes}`);
    const lock = add.locks.find((l: any) => l.mode === 'AccessExclusiveLock' && l.relation === 'public.item');
    assert.is(lock.rows_estimate, 200000);
    // Held from the first statement until the commit: at least both statements' durations.
    assert.ok(lock.held_ms >= add.duration_ms + retype.duration_ms, JSON.stringify({ lock, add: add.duration_ms, retype: retype.duration_ms }));
    // Outside a transaction: sampled while it ran (200,000 rows: the build outlasts a few samples even on a busy machine); CONCURRENTLY takes SHARE UPDATE EXCLUSIVE, no strong lock.
    assert.is(index.sampled, true);
    assert.ok(index.locks.some((l: any) => l.mode === 'ShareUpdateExclusiveLock' && l.relation === 'public.item'), JSON.stringify(index.locks));
    assert.is(index.blocking_ms, 0);
    assert.equal(trace.worst[0], 'update1.sql:1', 'blocking first');
    assert.equal(trace.policy, { ok: true, violations: [] });
    assert.is(await generation(db), '0', 'production not upgraded');
    assert.is(await relfilenode(db), node, 'production not rewritten');
    assert.equal(await databasesLike(db), [db], 'the copy is dropped');
    const text = await runPgv(['trace', 'app'], { cwd: dir });
    assert.is(text.code, 0, text.stderr);
    assert.match(text.stdout, /update1\.sql:1  ALTER TABLE item ADD COLUMN note text\n\s+\d+ ms; holds a strong lock for \d+ ms until commit\n\s+lock AccessExclusiveLock on public\.item \(table, [\d.]+ [kM]B, ~200,000 rows\), held \d+ ms/, text.stdout);
    assert.match(text.stdout, /rewrote public\.item \(table, [\d.]+ [kM]B/);
    assert.match(text.stdout, 'traced on a copy; production is untouched.');
  } finally {
    await dropDatabase(db);
  }
});

test('test-and-upgrade --trace with lint.max_lock_ms over the limit: exit 1 before production is touched; within it, production upgraded', async () => {
  const db = uniqueName('trace_pol');
  const dir = await project(db, '    lint:\n      max_lock_ms:\n        access_exclusive: 0\n');
  try {
    const run = await runPgv(['test-and-upgrade', 'app', '--trace', '--json'], { cwd: dir });
    assert.is(run.code, 1, run.stderr);
    const out = jsonOf(run);
    assert.equal(validateAgainst('pgv.trace.schema.json', out.trace), []);
    assert.is(out.trace.policy.ok, false);
    const violations = out.trace.policy.violations.map((v: any) => `${v.script}:${v.line} ${v.policy} ${v.relation} ${v.limit_ms}`);
    assert.equal(violations, ['update1.sql:1 access_exclusive public.item 0', 'update1.sql:2 access_exclusive public.item_pkey 0'], 'the table from the first statement, its index from the second');
    assert.is(await generation(db), '0', 'production untouched');
    assert.equal(await databasesLike(db), [db]);
    const text = await runPgv(['test-and-upgrade', 'app', '--trace'], { cwd: dir });
    assert.is(text.code, 1);
    assert.match(text.stdout, /policy: AccessExclusiveLock on public\.item held \d+ ms, over lint\.max_lock_ms\.access_exclusive = 0 ms \(update1\.sql:1\)/);
    writeFiles(dir, { 'pgv.config.yaml': schemaConfig(db, 'db', '    lint:\n      max_lock_ms:\n        access_exclusive: 60s\n') });
    const ok = await runPgv(['test-and-upgrade', 'app', '--trace'], { cwd: dir });
    assert.is(ok.code, 0, ok.stderr);
    assert.is(await generation(db), '2', 'production upgraded after a clean traced rehearsal');
  } finally {
    await dropDatabase(db);
  }
});

test.run();
