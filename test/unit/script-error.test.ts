import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ServerError } from '../../lib/db/client.js';
import { excerpt, scriptFailure } from '../../lib/exec/script-error.js';

const syntax = (position?: number, over: Partial<ServerError> = {}): ServerError => ({
  sqlstate: '42601', message: 'syntax error at or near "FRM"', ...(position !== undefined ? { position } : {}), ...over,
});

test('a server position becomes file:line:column with a caret excerpt', () => {
  const sent = 'CREATE TABLE a (id int);\nCREATE TABLE b (id int);\nSELECT * FRM a;\n';
  const position = sent.indexOf('FRM') + 1; // 1-based, as the server reports it
  const err = scriptFailure('db/update2.sql', sent, syntax(position));
  assert.is(err.code, 'script_failed');
  assert.is(err.message, 'db/update2.sql:3:10: syntax error at or near "FRM"');
  assert.equal(err.detailLines, [
    'SQLSTATE 42601',
    '1 | CREATE TABLE a (id int);',
    '2 | CREATE TABLE b (id int);',
    '3 | SELECT * FRM a;',
    '  |          ^',
  ]);
  assert.equal(err.data, { file: 'db/update2.sql', line: 3, column: 10, sqlstate: '42601' });
  assert.match(err.hint ?? '', /rolled back/);
});

test('sentOffset shifts a position that is relative to one statement of the file', () => {
  const sent = 'SELECT 1;\nSELECT 2;\nSELECT * FRM a;';
  const offset = sent.indexOf('SELECT * FRM');
  const err = scriptFailure('f.sql', sent, syntax('SELECT * FRM'.indexOf('FRM') + 1), offset);
  assert.is(err.message, 'f.sql:3:10: syntax error at or near "FRM"');
});

test('without a position: the file, the SQLSTATE, detail, hint and first context line', () => {
  const err = scriptFailure('f.sql', 'INSERT INTO t VALUES (1);', {
    sqlstate: '23505', message: 'duplicate key value violates unique constraint "t_pkey"',
    detail: 'Key (id)=(1) already exists.', hint: 'Use ON CONFLICT.', where: 'SQL statement "INSERT …"\nPL/pgSQL function f() line 3',
  });
  assert.is(err.message, 'f.sql: duplicate key value violates unique constraint "t_pkey"');
  assert.equal(err.detailLines, ['SQLSTATE 23505', 'DETAIL: Key (id)=(1) already exists.', 'HINT: Use ON CONFLICT.', 'CONTEXT: SQL statement "INSERT …"']);
  assert.equal(err.data, { file: 'f.sql', sqlstate: '23505' });
});

test('line numbers stay true after BEGIN and \\restrict were blanked', () => {
  const sent = '      \n               \nSELECT * FRM a;\n';
  const err = scriptFailure('f.sql', sent, syntax(sent.indexOf('FRM') + 1));
  assert.match(err.message, /^f\.sql:3:10: /);
});

test('positions count characters as PostgreSQL does (code points, not UTF-16 units)', () => {
  // Three emoji (each one character for PostgreSQL, two UTF-16 units in JavaScript) before the error.
  const sent = '-- 😀😀😀\nSELECT * FRM a;';
  const serverPosition = [...'-- 😀😀😀\nSELECT * '].length + 1;
  const err = scriptFailure('f.sql', sent, syntax(serverPosition));
  assert.is(err.message, 'f.sql:2:10: syntax error at or near "FRM"');
});

test('excerpt shows up to two lines before, pads numbers, expands tabs, drops CR', () => {
  const text = Array.from({ length: 12 }, (_, i) => `line ${i + 1}`).join('\r\n').replace('line 10', '\tline 10');
  assert.equal(excerpt(text, 10, 3), [' 8 | line 8', ' 9 | line 9', '10 |  line 10', '   |   ^']);
  assert.equal(excerpt('only', 1, 1), ['1 | only', '  | ^']);
  assert.equal(excerpt('a\nb\nc', 3, 2, 0), ['3 | c', '  |  ^']);
});

test.run();
