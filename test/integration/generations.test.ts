/**
 * The gocept.rdbmanagement promise, checked on the catalogs rather than trusted from the ledger:
 * for every schema fixture, a database upgraded from generation 0 through update1..N has the same
 * schema as a fresh one built by init.sql.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFixture, fixtures, makeProject, runPgv, writeFiles } from '../helpers/cli.js';
import { clientProgram, cluster, createDatabase, dropDatabase, withDb } from '../helpers/db.js';
import { testConnectionYaml } from '../helpers/cli.js';

/** pg_dump --schema-only without pgv's ledger, its random \restrict keys and its version banner. */
async function schemaOf(db: string): Promise<string> {
  const text = execFileSync(await clientProgram('pg_dump'), ['--schema-only', '--exclude-schema', 'pgv', '-h', cluster.socketDir, '-p', String(cluster.port), '-U', 'postgres', db], { encoding: 'utf8' });
  return text.replace(/^\\(un)?restrict .*$/gm, '').replace(/^-- Dumped (from|by) .*$/gm, '');
}

const schemaFixtures = readdirSync(path.join(fixtures, 'schema')).filter((d) => existsSync(path.join(fixtures, 'schema', d, 'init.sql')));

test('there are schema fixtures to check', () => {
  assert.ok(schemaFixtures.length >= 2, `fixtures/schema has ${schemaFixtures.join(', ')}`);
});

for (const fixture of schemaFixtures) {
  test(`${fixture}: generation 0 + update1..N has the same catalog as init.sql`, async () => {
    const fresh = await createDatabase(`fresh_${fixture}`);
    const upgraded = await createDatabase(`upgraded_${fixture}`);
    const dir = makeProject();
    copyFixture(`schema/${fixture}`, dir, 'schema');
    writeFiles(dir, {
      'pgv.config.yaml': `${testConnectionYaml()}parts:\n  fresh:\n    recipe: schema\n    dbname: ${fresh}\n    schema: schema\n  upgraded:\n    recipe: schema\n    dbname: ${upgraded}\n    schema: schema\n`,
    });
    try {
      const base = await runPgv(['baseline', 'upgraded', '--version', '0'], { cwd: dir });
      assert.is(base.code, 0, base.stderr);
      const applied = await runPgv(['apply', '--json'], { cwd: dir });
      assert.is(applied.code, 0, applied.stderr);
      const freshLedger = await withDb(fresh, async (c) => (await c.query<{ script: string }>('SELECT script FROM pgv.upgrades ORDER BY id')).rows.map((r) => r.script));
      const upgradedLedger = await withDb(upgraded, async (c) => (await c.query<{ kind: string }>('SELECT kind FROM pgv.upgrades ORDER BY id')).rows.map((r) => r.kind));
      assert.equal(freshLedger, ['init.sql']);
      assert.ok(upgradedLedger.length > 2 && upgradedLedger.slice(1).every((k) => k === 'update'), upgradedLedger.join(','));
      assert.fixture(await schemaOf(upgraded), await schemaOf(fresh));
    } finally {
      await dropDatabase(fresh);
      await dropDatabase(upgraded);
    }
  });
}

test.run();
