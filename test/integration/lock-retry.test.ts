/** Lock timeouts are retried: a script blocked for 6 s by ACCESS SHARE lands once the blocker leaves, and never queues other sessions for long. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connect } from '../../lib/db/client.js';
import { makeProject, runPgv, schemaConfig, spawnPgv, writeFiles } from '../helpers/cli.js';
import { dropDatabase, specFor, uniqueName, withDb } from '../helpers/db.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('ddl_lock_timeout 500ms, a 6 s ACCESS SHARE blocker: apply retries with backoff, lands after the blocker leaves; a probe query waits at most about one ddl_lock_timeout', async () => {
  const db = uniqueName('retry');
  const dir = makeProject('retry');
  writeFiles(dir, {
    'db/init.sql': 'CREATE TABLE item (id int PRIMARY KEY);\nINSERT INTO item VALUES (1), (2);\n',
    'pgv.config.yaml': schemaConfig(db, 'db', '    create: true\n    ddl_lock_timeout: 500ms\n'),
  });
  try {
    assert.is((await runPgv(['apply'], { cwd: dir })).code, 0);
    writeFiles(dir, { 'db/update1.sql': 'ALTER TABLE item ADD COLUMN note text;\n' });
    const blocker = await connect(specFor(db));
    await blocker.query('BEGIN; SELECT * FROM item');
    const pgv = spawnPgv(['apply', '-v'], { cwd: dir });
    // The 6 s of blocking count from pgv's first wait for the lock (on a loaded machine pgv may
    // take seconds to get there): a lock request on item that is not granted.
    const waiting = await connect(specFor(db));
    try {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const { rows } = await waiting.query("SELECT 1 FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'item' AND NOT l.granted");
        if (rows.length) break;
        if (Date.now() > deadline) throw new Error('pgv never waited for the lock on item');
        await sleep(20);
      }
    } finally {
      await waiting.end();
    }
    const released = Date.now() + 6000;
    const t0 = Date.now();
    const leave = sleep(6000).then(() => blocker.query('COMMIT')).finally(() => blocker.end());
    // Probes while pgv retries: each is a new query on the table, queued behind pgv's ALTER at worst.
    await sleep(800);
    const waits: number[] = [];
    const probe = await connect(specFor(db));
    try {
      while (Date.now() < released - 300) {
        const p0 = performance.now();
        await probe.query('SELECT count(*) FROM item');
        waits.push(performance.now() - p0);
        await sleep(150);
      }
    } finally {
      await probe.end();
    }
    await leave;
    const run = await pgv.done;
    const took = Date.now() - t0;
    assert.is(run.code, 0, run.stderr);
    assert.ok(took >= 5500, `landed after the blocker left (${took} ms)`);
    const tries = [...run.stderr.matchAll(/update1\.sql: lock not granted within ddl_lock_timeout 500 ms \(try (\d+) of 12\); trying again in (\d+) ms/g)];
    assert.ok(tries.length >= 5, `each try reported:\n${run.stderr}`);
    assert.equal(tries.map((m) => Number(m[1])), tries.map((_, k) => k + 1));
    assert.match(run.stderr, new RegExp(`app: update1\\.sql: applied on try ${tries.length + 1}`));
    assert.ok(waits.length >= 10, `probes ran: ${waits.length}`);
    const worst = Math.max(...waits);
    if (process.env.PGV_TEST_SHOW) console.log(`probe waits (ms): ${waits.map(Math.round).join(", ")}; pgv took ${took} ms\n${run.stderr}`);
    assert.ok(worst < 900, `a probe waited ${Math.round(worst)} ms; the worst should be about one ddl_lock_timeout (500 ms): ${waits.map(Math.round).join(', ')}`);
    assert.ok(worst > 100, `some probe did queue behind pgv's ALTER (${Math.round(worst)} ms), so the probe can see the difference`);
    const cols = await withDb(db, async (c) => (await c.query<{ n: string }>("SELECT count(*)::text AS n FROM information_schema.columns WHERE table_name = 'item' AND column_name = 'note'")).rows[0]!.n);
    assert.is(cols, '1');
  } finally {
    await dropDatabase(db);
  }
});

test('ddl_lock_retries: 0 gives up at the first lock timeout (exit 3), nothing applied', async () => {
  const db = uniqueName('retry0');
  const dir = makeProject('retry0');
  writeFiles(dir, {
    'db/init.sql': 'CREATE TABLE item (id int PRIMARY KEY);\n',
    'pgv.config.yaml': schemaConfig(db, 'db', '    create: true\n    ddl_lock_timeout: 200ms\n    ddl_lock_retries: 0\n'),
  });
  try {
    assert.is((await runPgv(['apply'], { cwd: dir })).code, 0);
    writeFiles(dir, { 'db/update1.sql': 'ALTER TABLE item ADD COLUMN note text;\n' });
    const blocker = await connect(specFor(db));
    try {
      await blocker.query('BEGIN; SELECT * FROM item');
      const run = await runPgv(['apply'], { cwd: dir });
      assert.is(run.code, 3, run.stderr);
      assert.match(run.stderr, 'canceling statement due to lock timeout');
      assert.not.match(run.stderr, 'trying again');
    } finally {
      await blocker.query('COMMIT');
      await blocker.end();
    }
  } finally {
    await dropDatabase(db);
  }
});

test.run();
