import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { noTransactionDirective, prepareScript } from '../../lib/sql/script.js';

/** Newline positions of a text: prepared SQL must keep the file's line layout. */
const newlines = (s: string) => [...s].flatMap((c, i) => (c === '\n' ? [i] : []));

test('a plain script is transactional, not unwrapped, without problems, and sent unchanged', () => {
  const text = 'CREATE TABLE t (id int);\nINSERT INTO t VALUES (1);\n';
  const p = prepareScript(text);
  assert.is(p.sql, text);
  assert.is(p.transactional, true);
  assert.is(p.unwrapped, false);
  assert.equal(p.problems, []);
  assert.equal(p.statements.map((s) => s.text), ['CREATE TABLE t (id int)', 'INSERT INTO t VALUES (1)']);
});

test("the script's own BEGIN … COMMIT is blanked, keeping offsets and line layout", () => {
  const text = 'BEGIN;\nCREATE TABLE t (id int);\nCOMMIT;\n';
  const p = prepareScript(text);
  assert.is(p.unwrapped, true);
  assert.equal(p.problems, []);
  assert.is(p.sql.length, text.length);
  assert.equal(newlines(p.sql), newlines(text));
  assert.is(p.sql, '      \nCREATE TABLE t (id int);\n       \n');
  assert.equal(p.statements.map((s) => s.text), ['CREATE TABLE t (id int)']);
  const create = p.statements[0]!;
  assert.is(p.sql.slice(create.start, create.end).trim(), 'CREATE TABLE t (id int)');
});

test('START TRANSACTION … END and lower case are unwrapped too', () => {
  const p = prepareScript('start transaction isolation level serializable;\nSELECT 1;\nend;');
  assert.is(p.unwrapped, true);
  assert.equal(p.problems, []);
  assert.equal(p.statements.map((s) => s.text), ['SELECT 1']);
  assert.not.match(p.sql, /start|end/i);
});

test('a final COMMIT without a semicolon is blanked up to the end of the text', () => {
  const text = 'BEGIN;\nSELECT 1;\nCOMMIT';
  const p = prepareScript(text);
  assert.is(p.unwrapped, true);
  assert.is(p.sql, '      \nSELECT 1;\n      ');
});

test('a lone BEGIN is reported, not unwrapped', () => {
  const p = prepareScript('BEGIN;\n');
  assert.is(p.unwrapped, false);
  assert.equal(p.problems.map((x) => x.line), [1]);
  assert.match(p.problems[0]!.message, /^BEGIN inside the script: pgv commits each script together with its ledger row/);
});

test('COMMIT in the middle is rejected with its line number', () => {
  const p = prepareScript('BEGIN;\nSELECT 1;\nCOMMIT;\nSELECT 2;\nCOMMIT;\n');
  assert.is(p.unwrapped, true);
  assert.equal(p.problems.length, 1);
  assert.is(p.problems[0]!.line, 3);
  assert.match(p.problems[0]!.message, /^COMMIT inside the script/);
  assert.match(p.problems[0]!.message, /-- pgv:no-transaction/);
});

test('ROLLBACK inside a script is rejected with its line number', () => {
  const p = prepareScript('SELECT 1;\n\nrollback;\n');
  assert.equal(p.problems.map((x) => [x.line, x.message.split(' ')[0]]), [[3, 'ROLLBACK']]);
});

test('COMMIT PREPARED is not a transaction-control problem', () => {
  assert.equal(prepareScript("SELECT 1;\nCOMMIT PREPARED 'gid';\n").problems, []);
});

test('BEGIN ATOMIC of a SQL-standard function body is not a transaction start', () => {
  const fn = 'CREATE FUNCTION one() RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT 1;\nEND;\n';
  const alone = prepareScript(fn);
  assert.is(alone.unwrapped, false);
  assert.equal(alone.problems, []);
  assert.is(alone.statements.length, 1);
  const wrapped = prepareScript(`BEGIN;\n${fn}COMMIT;\n`);
  assert.is(wrapped.unwrapped, true);
  assert.equal(wrapped.problems, []);
  assert.is(wrapped.statements.length, 1);
});

test('-- pgv:no-transaction on the first line makes the script non-transactional and leaves BEGIN/COMMIT alone', () => {
  const text = '-- pgv:no-transaction\nBEGIN;\nSELECT 1;\nCOMMIT;\nCREATE INDEX CONCURRENTLY i ON t (a);\n';
  const p = prepareScript(text);
  assert.is(p.transactional, false);
  assert.is(p.unwrapped, false);
  assert.equal(p.problems, []);
  assert.is(p.sql, text);
  assert.is(p.statements.length, 4);
});

test('the no-transaction directive counts only on the first line, in any case', () => {
  assert.is(prepareScript('SELECT 1;\n-- pgv:no-transaction\n').transactional, true);
  assert.is(prepareScript('  --  PGV:No-Transaction  reason\nSELECT 1;').transactional, false);
  assert.ok(noTransactionDirective.test('-- pgv:no-transaction'));
  assert.not.ok(noTransactionDirective.test('-- pgv:no-transactions'));
});

test('\\restrict and \\unrestrict lines are blanked, same length and lines', () => {
  const text = '\\restrict Abc123\nCREATE TABLE t ();\n\\unrestrict Abc123\n';
  const p = prepareScript(text);
  assert.equal(p.problems, []);
  assert.is(p.sql.length, text.length);
  assert.equal(newlines(p.sql), newlines(text));
  assert.not.match(p.sql, /restrict/);
  assert.match(p.sql, /CREATE TABLE t \(\);/);
});

test('\\connect is rejected with its line number and the command name', () => {
  const p = prepareScript('SELECT 1;\n\n\\connect other\nSELECT 2;\n');
  assert.equal(p.problems, [
    { line: 3, message: 'psql meta-command \\connect is not supported (pgv runs SQL, not psql scripts)' },
  ]);
  assert.match(p.sql, /\\connect other/);
});

test('\\c (short form) is rejected too', () => {
  const p = prepareScript('\\c other\n');
  assert.is(p.problems.length, 1);
  assert.match(p.problems[0]!.message, /meta-command \\c is not supported/);
});

test('COPY … FROM stdin is rejected with its line number', () => {
  const p = prepareScript('CREATE TABLE t (a int);\ncopy t (a)\n  from STDIN;\n1\n\\.\n');
  const copy = p.problems.find((x) => x.message.startsWith('COPY'));
  assert.ok(copy, JSON.stringify(p.problems));
  assert.is(copy!.line, 2);
  assert.match(copy!.message, /pg_dump --inserts/);
});

test('COPY FROM a file and COPY TO stdout are not rejected', () => {
  assert.equal(prepareScript("COPY t FROM '/tmp/x.csv';\nCOPY t TO STDOUT;\n").problems, []);
});

test('NUL bytes: not a SQL text file, nothing to send', () => {
  const p = prepareScript('SELECT 1;\u0000\n');
  assert.equal(p.problems, [{ line: 1, message: 'contains NUL bytes: not a SQL text file' }]);
  assert.is(p.sql, '');
  assert.equal(p.statements, []);
  assert.is(p.unwrapped, false);
});

test('statement line numbers survive unwrapping and \\restrict blanking', () => {
  const p = prepareScript('\\restrict k\nBEGIN;\n\nSELECT 1;\nSELECT 2;\nCOMMIT;\n');
  assert.is(p.unwrapped, true);
  assert.equal(p.statements.map((s) => s.line), [4, 5]);
});

test.run();
