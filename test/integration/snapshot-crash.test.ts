/**
 * Crash windows of commit and revert: pgv is stopped at each step (PGV_TEST_PAUSE_AT) and killed
 * with SIGKILL; the working database must still be there under its name, holding either the old
 * or the new state, and the next pgv snapshot command finishes or undoes the half-done work.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cliPath, jsonOf } from '../helpers/cli.js';
import { createDatabase, databaseExists, withDb } from '../helpers/db.js';
import { bareDir, clusterEnv, dropFamily, familyOf, snap, valuesOf } from '../helpers/snapshot.js';

/** Run `pgv snapshot ARGS` until it pauses at `point`, then SIGKILL it. */
async function killAt(point: string, args: string[]): Promise<void> {
  const dir = mkdtempSync(path.join(process.env.PGV_TEST_TEMP ?? '/tmp', 'pause-'));
  const file = path.join(dir, 'paused');
  const child = spawn(process.execPath, [cliPath, 'snapshot', ...args], {
    cwd: bareDir(),
    env: { ...process.env, ...clusterEnv, PGV_TEST_PAUSE_AT: point, PGV_TEST_PAUSE_FILE: file },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | string | null>((resolve) => child.on('close', (code, signal) => resolve(signal ?? code)));
  const deadline = Date.now() + 20_000;
  try {
    while (!existsSync(file)) {
      if (child.exitCode !== null) throw new Error(`pgv exited (${child.exitCode}) before pausing at ${point}:\n${stderr}`);
      if (Date.now() > deadline) throw new Error(`pgv never paused at ${point}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.match(readFileSync(file, 'utf8'), point);
  } finally {
    // Killed whatever happened: a failed check must not leave pgv paused (and the suite waiting).
    child.kill('SIGKILL');
  }
  assert.is(await exited, 'SIGKILL');
}

/** A versioned database: snapshot 0 holds 'snapshot', the working database (version 1) holds 'working'. */
async function versioned(prefix: string): Promise<string> {
  const db = await createDatabase(prefix);
  await withDb(db, (c) => c.query("CREATE TABLE t (v text); INSERT INTO t VALUES ('snapshot')"));
  assert.is((await snap(db, 'init')).code, 0);
  assert.is((await snap(db, 'commit')).code, 0);
  await withDb(db, (c) => c.query("UPDATE t SET v = 'working'"));
  return db;
}

const revertWindows = [
  { point: 'revert:journaled', swapped: false, note: /cleaned up an interrupted revert of "[^"]+" to revision 0: the working database is unchanged/ },
  { point: 'revert:copied', swapped: false, note: /cleaned up an interrupted revert of "[^"]+" to revision 0: dropped the unfinished copy "[^"]+~revert"; the working database is unchanged/ },
  { point: 'revert:swapped', swapped: true, note: /finished an interrupted revert of "[^"]+" to revision 0: dropped the previous working database "[^"]+~discard"/ },
  { point: 'revert:dropped', swapped: true, note: /finished an interrupted revert of "[^"]+" to revision 0$/m },
];

for (const w of revertWindows) {
  test(`revert killed at ${w.point}: the working database is there (${w.swapped ? 'new' : 'old'} state) and the next run ${w.swapped ? 'finishes' : 'undoes'} the revert`, async () => {
    const db = await versioned(w.point.replace(':', '_'));
    try {
      await killAt(w.point, ['revert', '--db', db, '0']);
      assert.ok(await databaseExists(db), 'the working name always holds a database');
      assert.equal(await valuesOf(db), [w.swapped ? 'snapshot' : 'working']);

      const info = await snap(db, 'info', ['--json']);
      assert.is(info.code, 0, info.stderr);
      assert.match(info.stderr, w.note);
      assert.equal(jsonOf(info), w.swapped ? { database: db, version: 2, parent: 0, tip: 2 } : { database: db, version: 1, parent: 0, tip: 1 });
      assert.equal(await familyOf(db), [db, `${db}~0`], 'no copy or discarded database is left');
      assert.is((await snap(db, 'info')).stderr, '', 'recovery happens once');

      // And pgv works on as usual.
      const again = await snap(db, 'revert', ['0']);
      assert.is(again.code, 0, again.stderr);
      assert.equal(await valuesOf(db), ['snapshot']);
    } finally {
      await dropFamily(db);
    }
  });
}

for (const point of ['commit:journaled', 'commit:copied']) {
  test(`commit killed at ${point}: the working database is unchanged and the next run drops the unfinished snapshot`, async () => {
    const db = await versioned(point.replace(':', '_'));
    try {
      await killAt(point, ['commit', '--db', db]);
      assert.equal(await valuesOf(db), ['working']);
      assert.equal(await databaseExists(`${db}~1`), point === 'commit:copied');
      const info = await snap(db, 'info', ['--json']);
      assert.is(info.code, 0, info.stderr);
      assert.match(info.stderr, point === 'commit:copied' ? `dropped the unfinished snapshot "${db}~1"` : 'left nothing behind');
      assert.equal(jsonOf(info), { database: db, version: 1, parent: 0, tip: 1 });
      assert.equal(await familyOf(db), [db, `${db}~0`]);
      assert.is((await snap(db, 'commit')).stdout, 'Now version 2\n');
    } finally {
      await dropFamily(db);
    }
  });
}

test('a journal left in the copy step with no copy at all (killed inside CREATE DATABASE before it committed) is cleared', async () => {
  const db = await versioned('journal_only');
  try {
    const meta = await withDb('postgres', async (c) => (await c.query<{ c: string }>("SELECT shobj_description(oid, 'pg_database') AS c FROM pg_database WHERE datname = $1", [db])).rows[0]!.c);
    const doc = { ...JSON.parse(meta), journal: { op: 'revert', step: 'copy', target: 0, copy: `${db}~revert`, aside: `${db}~discard`, keep: false } };
    await withDb('postgres', (c) => c.query(`COMMENT ON DATABASE ${db} IS '${JSON.stringify(doc)}'`));
    const r = await snap(db, 'log');
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stderr, 'cleaned up an interrupted revert');
    assert.equal(await valuesOf(db), ['working']);
  } finally {
    await dropFamily(db);
  }
});

test('a second pgv waits for the first one\'s lock, then sees its work', async () => {
  const db = await versioned('lock');
  try {
    const [a, b] = await Promise.all([snap(db, 'commit'), snap(db, 'commit')]);
    assert.equal([a.code, b.code], [0, 0], a.stderr + b.stderr);
    assert.equal([a.stdout, b.stdout].sort(), ['Now version 2\n', 'Now version 3\n']);
  } finally {
    await dropFamily(db);
  }
});

test.run();
