import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { displayQualified, quoteIdent, quoteLiteral, quoteQualified } from '../../lib/db/ident.js';

test('quoteIdent always double-quotes', () => {
  assert.is(quoteIdent('users'), '"users"');
  assert.is(quoteIdent('My Table'), '"My Table"');
  assert.is(quoteIdent(''), '""');
});

test('quoteIdent doubles embedded double quotes', () => {
  assert.is(quoteIdent('a"b'), '"a""b"');
  assert.is(quoteIdent('"; DROP TABLE x; --'), '"""; DROP TABLE x; --"');
});

test('quoteIdent refuses NUL', () => {
  assert.throws(() => quoteIdent('a\u0000b'), (e: unknown) => e instanceof RangeError && e.message === 'identifier contains a NUL character');
});

test('quoteQualified quotes both parts', () => {
  assert.is(quoteQualified({ schema: 'pgv', name: 'up"grades' }), '"pgv"."up""grades"');
});

test('displayQualified quotes only names that need it', () => {
  assert.is(displayQualified({ schema: 'pgv', name: 'upgrades' }), 'pgv.upgrades');
  assert.is(displayQualified({ schema: 'My Schema', name: 'up.grades' }), '"My Schema"."up.grades"');
  assert.is(displayQualified({ schema: 'Pgv', name: 't$1' }), '"Pgv".t$1');
  assert.is(displayQualified({ schema: '1s', name: '_x' }), '"1s"._x');
});

test('quoteLiteral doubles single quotes and refuses NUL', () => {
  assert.is(quoteLiteral("it's"), "'it''s'");
  // E'' reads the same whatever standard_conforming_strings says.
  assert.is(quoteLiteral('a\\b'), "E'a\\\\b'");
  assert.throws(() => quoteLiteral('\u0000'), (e: unknown) => e instanceof RangeError && e.message === 'literal contains a NUL character');
});

test.run();
