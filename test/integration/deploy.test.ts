/**
 * The README's deploy recipe (a Kubernetes init container or Job with N replicas): N `pgv apply`
 * at once on the same config are safe, because each part's lock makes the others wait and their
 * re-plan under the lock finds nothing left to do.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeProject, spawnPgv, testConnectionYaml, writeFiles } from '../helpers/cli.js';
import { dropDatabase, uniqueName, withDb } from '../helpers/db.js';

test('8 pgv apply at once on one config: all exit 0, each script runs once, every runner but one finds each part done', async () => {
  const prefix = uniqueName('replicas');
  const names = ['billing', 'catalog', 'orders'];
  const dbs = names.map((n) => `${prefix}_${n}`);
  const dir = makeProject('replicas');
  const parts = names.map((n, i) => `  ${n}:\n    recipe: schema\n    dbname: ${dbs[i]}\n    schema: schema\n    create: true\n`).join('');
  writeFiles(dir, {
    'schema/update1.sql': "CREATE TABLE effects (script text NOT NULL);\nINSERT INTO effects VALUES ('update1');\n",
    'schema/update2.sql': "INSERT INTO effects VALUES ('update2');\nSELECT pg_sleep(0.3);\n",
    'schema/update3.sql': "INSERT INTO effects VALUES ('update3');\n",
    'pgv.config.yaml': `${testConnectionYaml()}parts:\n${parts}`,
  });
  try {
    const runs = await Promise.all(Array.from({ length: 8 }, () => spawnPgv(['apply'], { cwd: dir }).done));
    for (const r of runs) assert.is(r.code, 0, r.stderr);
    // What each runner printed, per part: one ran its scripts; each other one planned nothing, or
    // waited for the lock and found, re-planning under it, nothing left ("up to date"). The one
    // that won the race to CREATE DATABASE may be another runner: it says "1 step applied".
    for (const [i, name] of names.entries()) {
      const lines = runs.map((r) => r.stdout.split('\n').find((l) => l.startsWith(`${name} (${dbs[i]}): `)) ?? `(no line for ${name}) ${r.stdout}`);
      const ran = lines.filter((l) => /: [45] steps applied in .*, now at version 3$/.test(l));
      const created = lines.filter((l) => /: 1 step applied in .*, now at version 3$/.test(l));
      assert.is(ran.length, 1, lines.join('\n'));
      assert.ok(created.length <= 1, lines.join('\n'));
      assert.is(lines.filter((l) => l.endsWith(': up to date')).length, 7 - created.length, lines.join('\n'));
    }
    // A runner that ran nothing says so.
    for (const r of runs) if (!/steps? applied/.test(r.stdout)) assert.match(r.stdout, /^Nothing to do\.$/m);
    for (const db of dbs) {
      const state = await withDb(db, async (c) => ({
        ledger: (await c.query<{ s: string }>(`SELECT script || '×' || count(*) AS s FROM pgv.upgrades WHERE success GROUP BY script ORDER BY script`)).rows.map((r) => r.s),
        effects: (await c.query<{ s: string }>(`SELECT script || '×' || count(*) AS s FROM effects GROUP BY script ORDER BY script`)).rows.map((r) => r.s),
      }));
      assert.equal(state, { ledger: ['update1.sql×1', 'update2.sql×1', 'update3.sql×1'], effects: ['update1×1', 'update2×1', 'update3×1'] }, db);
    }
  } finally {
    await Promise.all(dbs.map(dropDatabase));
  }
});

test.run();
