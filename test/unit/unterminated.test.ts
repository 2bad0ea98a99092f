/** The scanner refuses unterminated quotes and comments before anything is sent, at their opening line and column. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { prepareScript, describeProblems } from '../../lib/sql/script.js';
import { scanSql } from '../../lib/sql/lexer.js';

const cases: Array<[string, string, string, number, number]> = [
  ['string', "CREATE TABLE t (id int);\nINSERT INTO t VALUES (5, 'unclosed);\n", "'", 2, 26],
  ['quoted identifier', 'CREATE TABLE "t (id int);\n', '"', 1, 14],
  ['dollar-quoted string', 'CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$\n  SELECT 1;\n', '$$', 1, 49],
  ['dollar-quoted string', 'DO $body$ BEGIN NULL; END $bod$;\n', '$body$', 1, 4],
  ['block comment', 'SELECT 1;\n  /* outer /* inner */ still open\nSELECT 2;\n', '/*', 2, 3],
  ['string', "SELECT E'it\\'s open;\n", "E'", 1, 8],
];

for (const [what, text, opening, line, column] of cases) {
  test(`an unterminated ${what} (${JSON.stringify(opening)}) is a problem at its opening line ${line}, column ${column}`, () => {
    const scan = scanSql(text);
    assert.is(scan.unterminated?.what, what);
    const prepared = prepareScript(text);
    assert.equal(prepared.problems.map((p) => [p.line, p.column]), [[line, column]]);
    const [described] = describeProblems('update3.sql', prepared.problems);
    assert.match(described!, `update3.sql:${line}:${column}: unterminated ${what}: the ${opening} opened here is never closed`);
    // The source line and a caret under the opening.
    const lines = described!.split('\n');
    const caret = lines[lines.length - 1]!;
    const source = lines[lines.length - 2]!;
    assert.match(source, `${line} | `);
    assert.is(caret.indexOf('^'), source.indexOf('| ') + 2 + column - 1, `${source}\n${caret}`);
    assert.is(source.slice(caret.indexOf('^')).startsWith(opening), true);
  });
}

test('closed quotes, nested comments and dollar quotes with tags are not problems', () => {
  for (const text of ["SELECT 'a''b', E'\\'', \"x\"\"y\";", 'SELECT 1; /* a /* b */ c */ SELECT 2;', 'DO $x$ SELECT $$inner$$; $x$;', "SELECT $1, a$b FROM t; -- it's a comment"]) {
    assert.equal(prepareScript(text).problems, [], text);
  }
});

test.run();
