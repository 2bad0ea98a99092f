import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { classifySchemaFiles } from '../../lib/recipes/schema.js';

test('init, updates in numeric order, preconditions with their language; other files ignored', () => {
  const files = classifySchemaFiles(['update10.sql', 'README.txt', 'init.sql', 'update2.sql', '__init__.py', 'update1.sql', 'precondition2.sql', 'precondition10.mjs',
    'update3.sql', 'update4.sql', 'update5.sql', 'update6.sql', 'update7.sql', 'update8.sql', 'update9.sql', 'precondition3.js', 'precondition4.py']);
  assert.is(files.init, 'init.sql');
  assert.equal(files.updates.map((u) => u.n), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.equal(files.updates[9], { n: 10, name: 'update10.sql' });
  assert.equal(files.preconditions, [
    { n: 2, name: 'precondition2.sql', language: 'sql' },
    { n: 10, name: 'precondition10.mjs', language: 'js' },
    { n: 3, name: 'precondition3.js', language: 'js' },
    { n: 4, name: 'precondition4.py', language: 'python' },
  ]);
  assert.equal(files.problems, []);
});

test('init.sql alone is a valid directory; so are updates alone', () => {
  const initOnly = classifySchemaFiles(['init.sql']);
  assert.equal(initOnly, { init: 'init.sql', updates: [], preconditions: [], problems: [] });
  const updatesOnly = classifySchemaFiles(['update1.sql', 'update2.sql']);
  assert.is(updatesOnly.init, undefined);
  assert.not.ok('init' in updatesOnly);
  assert.equal(updatesOnly.problems, []);
});

test('look-alike names are refused, each with the name it probably meant; ignore_files keeps one', () => {
  const names = ['update_10.sql', 'Update10.sql', 'update10.SQL', 'upgrade10.sql', 'precondtion9.sql', 'update10.sql.txt', 'init.sql.bak', 'update1.sql~', 'update.sql', 'update1a.sql', 'init.SQL', 'precondtion3.py', 'update3.py'];
  const files = classifySchemaFiles(names);
  assert.equal(files.updates, []);
  assert.equal(files.preconditions, []);
  assert.is(files.init, undefined);
  const problems = files.problems.filter((p) => p !== 'no init.sql and no updateN.sql');
  assert.is(problems.length, names.length, problems.join('\n'));
  const meant = (name: string) => problems.find((p) => p.startsWith(`${name}: `));
  for (const name of ['update_10.sql', 'Update10.sql', 'update10.SQL', 'upgrade10.sql', 'update10.sql.txt']) assert.match(meant(name)!, 'looks like update10.sql but is not spelled so, and would be ignored; rename it to update10.sql');
  assert.match(meant('precondtion9.sql')!, 'rename it to precondition9.sql');
  assert.match(meant('init.SQL')!, 'rename it to init.sql');
  assert.match(meant('update.sql')!, 'updates are numbered');
  assert.match(meant('precondtion3.py')!, 'rename it to precondition3.py');
  assert.match(meant('update3.py')!, 'only preconditions may be Python');
  assert.match(meant('Update10.sql')!, "or list it in the part's ignore_files to keep it");
  const kept = classifySchemaFiles(['init.sql', 'Update10.sql', 'update1.sql~'], ['Update10.sql', '*~']);
  assert.equal(kept.problems, []);
});

test('files that are plainly not scripts stay accepted (seed 002: a schema directory is a Python package)', () => {
  const files = classifySchemaFiles(['init.sql', '__init__.py', 'README', 'README.txt', 'notes.md', 'CHANGES.md', 'todo.txt', 'diagram.png', 'Makefile', 'update1.sql', 'update-notes.md', '.gitkeep']);
  assert.equal(files.problems, []);
  assert.equal(files.updates.map((u) => u.name), ['update1.sql']);
});

test('a gap names the missing update', () => {
  assert.equal(classifySchemaFiles(['init.sql', 'update1.sql', 'update3.sql']).problems, [
    'update2.sql is missing: updates must be numbered 1, 2, 3 … without gaps',
  ]);
});

test('several gaps: the first is named, the others listed (at most five, then …)', () => {
  assert.equal(classifySchemaFiles(['update4.sql']).problems, [
    'update1.sql is missing: updates must be numbered 1, 2, 3 … without gaps (also missing: update2.sql, update3.sql)',
  ]);
  assert.equal(classifySchemaFiles(['update9.sql']).problems, [
    'update1.sql is missing: updates must be numbered 1, 2, 3 … without gaps (also missing: update2.sql, update3.sql, update4.sql, update5.sql, update6.sql, …)',
  ]);
});

test('two files with the same update number are reported', () => {
  const files = classifySchemaFiles(['update1.sql', 'update01.sql', 'update2.sql']);
  assert.equal(files.problems, ['update1.sql and update01.sql both are update 1']);
});

test('two preconditions for the same update are reported', () => {
  const files = classifySchemaFiles(['update2.sql', 'update1.sql', 'precondition2.sql', 'precondition2.js']);
  assert.equal(files.problems, ['precondition2.sql and precondition2.js both guard update 2']);
});

test('a precondition without its update is reported', () => {
  assert.equal(classifySchemaFiles(['init.sql', 'update1.sql', 'precondition5.sql']).problems, [
    'precondition5.sql guards update5.sql, which does not exist',
  ]);
});

test('update0.sql is reported: updates start at 1', () => {
  assert.equal(classifySchemaFiles(['init.sql', 'update0.sql']).problems, [
    'update0.sql: updates start at 1 (init.sql builds generation 0 and up)',
  ]);
});

test('an empty directory (or one with unrelated files) is reported', () => {
  assert.equal(classifySchemaFiles([]).problems, ['no init.sql and no updateN.sql']);
  assert.equal(classifySchemaFiles(['README.md']).problems, ['no init.sql and no updateN.sql']);
});

test('every problem is reported at once', () => {
  const problems = classifySchemaFiles(['update0.sql', 'update2.sql', 'precondition7.sql']).problems;
  assert.equal(problems, [
    'update1.sql is missing: updates must be numbered 1, 2, 3 … without gaps',
    'update0.sql: updates start at 1 (init.sql builds generation 0 and up)',
    'precondition7.sql guards update7.sql, which does not exist',
  ]);
});

test.run();
