/** Guarded applies keep the newest few guard snapshots (`snapshot: {mode: before-apply, keep: N}`, default 3). */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { jsonOf, makeProject, runPgv, schemaConfig, writeFiles } from '../helpers/cli.js';
import { uniqueName } from '../helpers/db.js';
import { dropFamily, familyOf } from '../helpers/snapshot.js';

async function applyUpdates(db: string, snapshot: string, count: number): Promise<{ dir: string; stderr: string[] }> {
  const dir = makeProject('guardkeep');
  writeFiles(dir, { 'schema/update1.sql': 'CREATE TABLE t (n int);\n', 'pgv.config.yaml': schemaConfig(db, 'schema', `    create: true\n    snapshot: ${snapshot}\n`) });
  assert.is((await runPgv(['apply', '-q'], { cwd: dir })).code, 0);
  const stderr: string[] = [];
  for (let n = 2; n < 2 + count; n++) {
    writeFiles(dir, { [`schema/update${n}.sql`]: `INSERT INTO t VALUES (${n});\n` });
    const run = await runPgv(['apply'], { cwd: dir });
    assert.is(run.code, 0, run.stderr);
    stderr.push(run.stderr);
  }
  return { dir, stderr };
}

test('keep: 2 drops older guard snapshots after each new one, and says so; tagged ones stay', async () => {
  const db = uniqueName('gkeep');
  try {
    const { dir, stderr } = await applyUpdates(db, '{mode: before-apply, keep: 2}', 2);
    assert.equal(await familyOf(db), [db, `${db}~0`, `${db}~1`]);
    assert.is((await runPgv(['snapshot', 'tag', 'app', 'keepme', '--rev', '0'], { cwd: dir })).code, 0);
    for (const n of [4, 5, 6]) {
      writeFiles(dir, { [`schema/update${n}.sql`]: `INSERT INTO t VALUES (${n});\n` });
      const run = await runPgv(['apply'], { cwd: dir });
      assert.is(run.code, 0, run.stderr);
      stderr.push(run.stderr);
    }
    // Revisions 0 (tagged), 3 and 4 (the newest two guards) remain; 1 and 2 were dropped.
    assert.equal(await familyOf(db), [db, `${db}~0`, `${db}~3`, `${db}~4`]);
    assert.is(stderr.slice(0, 3).some((e) => e.includes('dropped guard snapshot')), false, 'nothing beyond the newest 2 untagged yet');
    assert.match(stderr[3]!, `pgv: note: app: dropped guard snapshot 1 of "${db}" (keeping the newest 2; snapshot: {keep: N} changes it)`);
    assert.match(stderr[4]!, 'dropped guard snapshot 2 of');
    const log = jsonOf(await runPgv(['snapshot', 'log', 'app', '--json'], { cwd: dir })).revisions;
    assert.equal(log.map((r: { revision: number }) => r.revision), [5, 4, 3, 0]);
  } finally {
    await dropFamily(db);
  }
});

test('snapshot: before-apply keeps the newest 3 by default', async () => {
  const db = uniqueName('gdefault');
  try {
    await applyUpdates(db, 'before-apply', 4);
    assert.equal(await familyOf(db), [db, `${db}~1`, `${db}~2`, `${db}~3`]);
  } finally {
    await dropFamily(db);
  }
});

test('a bad keep is a config error that says what is expected', async () => {
  const dir = makeProject('guardkeep');
  writeFiles(dir, { 'schema/update1.sql': '', 'pgv.config.yaml': schemaConfig('x', 'schema', '    snapshot: {mode: before-apply, keep: 0}\n') });
  const run = await runPgv(['validate'], { cwd: dir });
  assert.is(run.code, 2);
  assert.match(run.stderr, '/parts/app/snapshot/keep: must be at least 1, not 0');
});

test.run();
