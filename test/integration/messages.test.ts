/**
 * What pgv prints when the input is wrong, through the real binary: JSON syntax errors with
 * file:line:column and a caret, config messages that say what is expected, every problem at once.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import { makeProject, runPgv, writeFiles } from '../helpers/cli.js';

const part = { recipe: 'schema', dbname: 'x', schema: 'db' };

test('a JSON config with a missing comma names file:line:column with a caret, exit 2', async () => {
  const dir = makeProject('json');
  writeFiles(dir, { 'db/init.sql': '', 'b.json': '{\n  "parts": {\n    "a": {"recipe": "schema", "dbname": "x", "schema": "db"}\n    "b": {}\n  }\n}\n' });
  const run = await runPgv(['validate', '-c', 'b.json'], { cwd: dir });
  assert.is(run.code, 2);
  assert.match(run.stderr, `pgv: error: ${path.join(dir, 'b.json')}:4:5: a comma is missing before this`);
  assert.match(run.stderr, '  4 |     "b": {}\n    |     ^\n');
  assert.not.match(run.stderr, 'position');
});

test('a JSON config with a trailing comma says so, at its line', async () => {
  const dir = makeProject('json');
  writeFiles(dir, { 'db/init.sql': '', 'pgv.config.json': `{\n  "parts": {\n    "a": ${JSON.stringify(part)},\n  }\n}\n` });
  const run = await runPgv(['validate'], { cwd: dir });
  assert.is(run.code, 2);
  assert.match(run.stderr, 'pgv.config.json:4:3: a trailing comma before "}" (JSON allows none)');
  assert.match(run.stderr, 'hint: Fix the JSON syntax at that line');
  const end = makeProject('json');
  writeFiles(end, { 'db/init.sql': '', '.pgvrc.json': '{"parts": {"a": {"recipe": "schema"' });
  const cut = await runPgv(['validate'], { cwd: end });
  assert.is(cut.code, 2);
  assert.match(cut.stderr, '.pgvrc.json:1:36: the file ends too early');
});

test('a broken package.json is a config error at its line, not a crash', async () => {
  const dir = makeProject('json');
  writeFiles(dir, { 'package.json': '{"name": "x",\n "pgv": {},,\n}\n' });
  const run = await runPgv(['validate'], { cwd: dir });
  assert.is(run.code, 2, run.stderr);
  assert.match(run.stderr, 'package.json:2:12: expected a key in double quotes here');
  assert.not.match(run.stderr, 'internal error');
});

test('config messages say what is expected, never a regular expression, all in one run', async () => {
  const dir = makeProject('cfg');
  writeFiles(dir, {
    'db/init.sql': '',
    'pgv.config.yaml': [
      'parts:',
      '  app:',
      '    recipe: schema',
      '    dbname: a',
      '    schema: db',
      '    ddl_lock_timeout: 5 seconds',
      '    after: reportng',
      '  reporting:',
      '    recipe: schema',
      '    dbname: b',
      '    schema: db',
      '    connection:',
      '      port: "99999x"',
      '',
    ].join('\n'),
  });
  const run = await runPgv(['validate'], { cwd: dir });
  assert.is(run.code, 2);
  assert.match(run.stderr, '3 problems in the config');
  assert.match(run.stderr, '/parts/app/ddl_lock_timeout: must be a duration: milliseconds, or a whole number with ms, s, min or h (500ms, 5s, 2min), not "5 seconds"');
  assert.match(run.stderr, '/parts/reporting/connection/port: must be a port number (1 to 65535), not "99999x"');
  assert.match(run.stderr, '/parts/app/after: names part "reportng", which does not exist; did you mean "reporting"?');
  assert.not.match(run.stderr, 'pattern');
  assert.not.match(run.stderr, '^[0-9]');
});

test.run();
