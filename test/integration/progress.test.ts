/**
 * Plain progress (stderr not a terminal, or -v), from the real binary: lines in the order things
 * happened. A part waiting behind `after:` shows its header only when it starts.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeProject, runPgv, testConnectionYaml, writeFiles } from '../helpers/cli.js';
import { createDatabase, dropDatabase } from '../helpers/db.js';

test('plain lines: the header of a part that comes after another is printed when it starts, after the first has finished', async () => {
  const app = await createDatabase('prog_app');
  const rep = await createDatabase('prog_rep');
  const dir = makeProject();
  writeFiles(dir, {
    'pgv.config.yaml': `${testConnectionYaml()}parts:\n  app:\n    recipe: schema\n    dbname: ${app}\n    schema: app\n  rep:\n    recipe: schema\n    dbname: ${rep}\n    schema: rep\n    after: [app]\n`,
    'app/update1.sql': 'CREATE TABLE a (id int);\n',
    'rep/update1.sql': 'CREATE TABLE r (id int);\n',
  });
  /** The progress lines of a run: icons first, durations and the ledger's creation left out. */
  const progress = (stderr: string) => stderr.split('\n').filter((l) => /^[❯✔✖↓] /.test(l) && !l.includes('create ledger')).map((l) => l.replace(/ \((\d+ ms|[\d.]+ s)\)$/, ''));
  const expected = (update: string, done: string) => [
    `❯ app (${app})`,
    `❯ app: run ${update}`,
    `✔ app: run ${update}`,
    `✔ app: ${done}`,
    `❯ rep (${rep})`,
    `❯ rep: run ${update}`,
    `✔ rep: run ${update}`,
    `✔ rep: ${done}`,
  ];
  try {
    // Piped stderr: plain lines.
    const first = await runPgv(['apply'], { cwd: dir });
    assert.is(first.code, 0, first.stderr);
    assert.equal(progress(first.stderr), expected('update1.sql', '2 steps done, now at version 1'), first.stderr);
    // -v: the same.
    writeFiles(dir, { 'app/update2.sql': 'CREATE TABLE a2 (id int);\n', 'rep/update2.sql': 'CREATE TABLE r2 (id int);\n' });
    const second = await runPgv(['apply', '-v'], { cwd: dir });
    assert.is(second.code, 0, second.stderr);
    assert.equal(progress(second.stderr), expected('update2.sql', '1 step done, now at version 2'), second.stderr);
  } finally {
    await dropDatabase(app);
    await dropDatabase(rep);
  }
});

test.run();
