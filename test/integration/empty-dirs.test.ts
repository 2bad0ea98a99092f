/** An empty script directory is an error before anything runs: no database, no ledger. */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeProject, runPgv, testConnectionYaml, writeFiles } from '../helpers/cli.js';
import { uniqueName, withDb } from '../helpers/db.js';

test('apply of an empty delta or schema directory (only a README) is exit 2 naming it; the database is not created', async () => {
  for (const recipe of ['deltas', 'schema'] as const) {
    const db = uniqueName(`empty_${recipe}`);
    const dir = makeProject();
    mkdirSync(path.join(dir, 'scripts'));
    writeFiles(dir, {
      'scripts/README.md': 'nothing yet\n',
      'pgv.config.yaml': `${testConnectionYaml()}parts:\n  p:\n    recipe: ${recipe}\n    dbname: ${db}\n    ${recipe}: scripts\n    create: true\n${recipe === 'deltas' ? '    ignore_files: ["*.md"]\n' : ''}`,
    });
    const run = await runPgv(['apply'], { cwd: dir });
    assert.is(run.code, 2, `${recipe}: ${run.stdout}${run.stderr}`);
    assert.match(run.stderr, `${path.join(dir, 'scripts')}: 1 problem in the ${recipe === 'deltas' ? 'delta' : 'schema'} directory`);
    assert.match(run.stderr, recipe === 'deltas' ? 'no delta files' : 'no init.sql and no updateN.sql');
    assert.not.match(run.stdout, 'version none');
    const exists = await withDb('postgres', async (c) => (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [db])).rowCount);
    assert.is(exists, 0, `${recipe}: no database created`);
  }
});

test.run();
