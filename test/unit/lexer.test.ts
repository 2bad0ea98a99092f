import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { blank, lineColumnOf, scanSql } from '../../lib/sql/lexer.js';

const texts = (sql: string) => scanSql(sql).statements.map((s) => s.text);

test('splits top-level statements at semicolons and drops the semicolon from text', () => {
  assert.equal(texts('SELECT 1;\nSELECT 2;\n'), ['SELECT 1', 'SELECT 2']);
});

test('keeps a final statement that has no semicolon', () => {
  assert.equal(texts('SELECT 1;\nSELECT 2'), ['SELECT 1', 'SELECT 2']);
});

test('empty statements, whitespace and comment-only text produce no statements', () => {
  assert.equal(texts(''), []);
  assert.equal(texts(' ;;\n\t;'), []);
  assert.equal(texts('-- only a comment\n/* and a block */\n'), []);
});

test('statement offsets: start is after the previous semicolon, end is at its own semicolon', () => {
  const sql = 'SELECT 1;  SELECT 2;';
  const [a, b] = scanSql(sql).statements;
  assert.equal([a?.start, a?.end], [0, 8]);
  assert.equal([b?.start, b?.end], [9, 19]);
  assert.is(sql[b!.end], ';');
});

test('semicolons inside -- comments do not split', () => {
  assert.equal(texts('SELECT 1 -- not; a split\n, 2;'), ['SELECT 1 -- not; a split\n, 2']);
});

test('nested block comments are skipped as a whole', () => {
  assert.equal(texts('/* outer /* inner; */ still comment; */ SELECT 1; SELECT 2;'), ['SELECT 1', 'SELECT 2']);
});

test('an unterminated block comment swallows the rest of the text', () => {
  assert.equal(texts('SELECT 1; /* open; SELECT 2;'), ['SELECT 1']);
});

test("semicolons inside '' strings, including doubled quotes, do not split", () => {
  assert.equal(texts("SELECT 'a;b', 'it''s; fine'; SELECT 2;"), ["SELECT 'a;b', 'it''s; fine'", 'SELECT 2']);
});

test("a backslash in a standard string is literal: 'a\\' closes the string", () => {
  assert.equal(texts("SELECT 'a\\'; SELECT 2;"), ["SELECT 'a\\'", 'SELECT 2']);
});

test("E'' strings honour backslash escapes (upper and lower case E)", () => {
  assert.equal(texts("SELECT E'a\\'; b'; SELECT 2;"), ["SELECT E'a\\'; b'", 'SELECT 2']);
  assert.equal(texts("SELECT e'\\\\'; SELECT 2;"), ["SELECT e'\\\\'", 'SELECT 2']);
});

test("an identifier ending in e before a quote is not an E'' prefix", () => {
  // `somee'x\'` : the quote follows an identifier, so the backslash is literal and the string ends.
  assert.equal(texts("SELECT somee'x\\'; SELECT 2;"), ["SELECT somee'x\\'", 'SELECT 2']);
});

test('semicolons inside "quoted identifiers" (with doubled quotes) do not split', () => {
  assert.equal(texts('SELECT 1 AS "a;""b"; SELECT 2;'), ['SELECT 1 AS "a;""b"', 'SELECT 2']);
});

test('$$ and $tag$ dollar quotes hide semicolons, including nested different tags', () => {
  const sql = 'CREATE FUNCTION f() RETURNS void AS $fn$ BEGIN PERFORM $x$;$x$; END; $fn$ LANGUAGE plpgsql;\nSELECT $$a;b$$;';
  assert.equal(texts(sql), [
    'CREATE FUNCTION f() RETURNS void AS $fn$ BEGIN PERFORM $x$;$x$; END; $fn$ LANGUAGE plpgsql',
    'SELECT $$a;b$$',
  ]);
});

test('$1 parameters are not dollar quotes', () => {
  assert.equal(texts('PREPARE p AS SELECT $1::int + $2; EXECUTE p(1, 2);'), ['PREPARE p AS SELECT $1::int + $2', 'EXECUTE p(1, 2)']);
});

test('a $ inside an identifier does not open a dollar quote', () => {
  assert.equal(texts('SELECT a$b$ FROM t; SELECT 2;'), ['SELECT a$b$ FROM t', 'SELECT 2']);
});

test('statement line is the line of its first significant character, after comments', () => {
  const sql = '-- header\n\nSELECT 1;\n/* a\n b */\n  SELECT\n 2;';
  assert.equal(
    scanSql(sql).statements.map((s) => s.line),
    [3, 6],
  );
});

test('line numbers count newlines inside strings, dollar quotes and quoted identifiers', () => {
  const sql = "SELECT 'a\nb';\nSELECT $$\n\n$$;\nSELECT \"x\ny\";\nSELECT 4;";
  assert.equal(
    scanSql(sql).statements.map((s) => s.line),
    [1, 3, 6, 8],
  );
});

test('a psql meta-command at line start outside statements is reported with line and command', () => {
  const sql = '\\restrict abc123\nSELECT 1;\n\\connect other\nSELECT 2;\n';
  const scan = scanSql(sql);
  assert.equal(
    scan.metaCommands.map((m) => [m.line, m.command, m.text]),
    [
      [1, '\\restrict', '\\restrict abc123'],
      [3, '\\connect', '\\connect other'],
    ],
  );
  assert.equal(texts(sql), ['SELECT 1', 'SELECT 2']);
  const first = scan.metaCommands[0]!;
  assert.is(sql.slice(first.start, first.end), '\\restrict abc123');
});

test('a meta-command line with CRLF ends excludes the carriage return from its text', () => {
  const [m] = scanSql('\\restrict KEY\r\nSELECT 1;\r\n').metaCommands;
  assert.is(m?.text, '\\restrict KEY');
  assert.is(m?.command, '\\restrict');
});

test('a backslash inside a statement (not at line start or mid-statement) is not a meta-command', () => {
  const scan = scanSql("SELECT 1 \\restrict x;\nSELECT\n\\gexec\n;\nSELECT '\n\\restrict';");
  assert.equal(scan.metaCommands, []);
  assert.is(scan.statements.length, 3);
});

test('a meta-command after leading indentation on its own line is still recognised', () => {
  const scan = scanSql('SELECT 1;\n   \\unrestrict k\n');
  assert.equal(scan.metaCommands.map((m) => [m.line, m.command]), [[2, '\\unrestrict']]);
});

test('a meta-command after a comment on the same line is not at line start', () => {
  assert.equal(scanSql('/* c */ \\restrict k\n').metaCommands, []);
});

test('blank replaces a range by spaces but keeps newlines and the length', () => {
  const text = 'ab\ncd\nef';
  const out = blank(text, 1, 7);
  assert.is(out, 'a \n  \n f');
  assert.is(out.length, text.length);
});

test('blank with an empty range returns the text unchanged', () => {
  assert.is(blank('abc', 1, 1), 'abc');
});

test('lineColumnOf gives 1-based line and column of a 0-based offset', () => {
  const text = 'ab\ncde\n\nf';
  assert.equal(lineColumnOf(text, 0), { line: 1, column: 1 });
  assert.equal(lineColumnOf(text, 1), { line: 1, column: 2 });
  assert.equal(lineColumnOf(text, 3), { line: 2, column: 1 });
  assert.equal(lineColumnOf(text, 5), { line: 2, column: 3 });
  assert.equal(lineColumnOf(text, 7), { line: 3, column: 1 });
  assert.equal(lineColumnOf(text, 8), { line: 4, column: 1 });
});

test('a SQL-standard function body (BEGIN ATOMIC … END) is one statement', () => {
  // PostgreSQL 14+ (and psql) treat the semicolons inside BEGIN ATOMIC … END as part of the body.
  const sql = 'CREATE FUNCTION f() RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT 1;\n  SELECT 2;\nEND;\nSELECT 3;';
  assert.equal(texts(sql), ['CREATE FUNCTION f() RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT 1;\n  SELECT 2;\nEND', 'SELECT 3']);
});

test('CASE … END inside an ordinary statement does not hide the next semicolon', () => {
  assert.equal(texts('SELECT CASE WHEN true THEN 1 ELSE 2 END;\nSELECT 2;'), ['SELECT CASE WHEN true THEN 1 ELSE 2 END', 'SELECT 2']);
});

test('CASE … END inside a BEGIN ATOMIC body does not close the body', () => {
  const sql = 'CREATE PROCEDURE p() LANGUAGE sql\nBEGIN ATOMIC\n  SELECT CASE WHEN true THEN 1 END;\n  SELECT 2;\nEND;\nSELECT 3;';
  assert.equal(texts(sql).length, 2);
  assert.is(texts(sql)[1], 'SELECT 3');
});

test('a column named begin (an unreserved keyword) does not swallow the following statements', () => {
  // psql tracks BEGIN … END only in CREATE [OR REPLACE] FUNCTION/PROCEDURE, outside parentheses.
  assert.equal(texts('CREATE TABLE period (begin date, finish date);\nSELECT 1;'), ['CREATE TABLE period (begin date, finish date)', 'SELECT 1']);
  assert.equal(texts('ALTER TABLE period RENAME COLUMN begin TO starts;\nSELECT 1;'), ['ALTER TABLE period RENAME COLUMN begin TO starts', 'SELECT 1']);
});

test('semicolons inside parentheses do not split (multi-action rules), as in psql', () => {
  const rule = 'CREATE RULE r AS ON INSERT TO v DO INSTEAD (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2))';
  assert.equal(texts(`${rule};\nSELECT 1;`), [rule, 'SELECT 1']);
});

test.run();
