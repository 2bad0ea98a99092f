import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { closest, editDistance } from '../../lib/util/suggest.js';

test('editDistance is the Levenshtein distance', () => {
  assert.is(editDistance('', ''), 0);
  assert.is(editDistance('abc', 'abc'), 0);
  assert.is(editDistance('', 'abc'), 3);
  assert.is(editDistance('abc', ''), 3);
  assert.is(editDistance('kitten', 'sitting'), 3);
  assert.is(editDistance('flaw', 'lawn'), 2);
  assert.is(editDistance('conection', 'connection'), 1);
});

test('editDistance is symmetric and case-sensitive', () => {
  assert.is(editDistance('schema', 'scheme'), editDistance('scheme', 'schema'));
  assert.is(editDistance('A', 'a'), 1);
});

test('closest returns a plausible typo target', () => {
  assert.is(closest('conection', ['host', 'connection', 'parts']), 'connection');
  assert.is(closest('scheme', ['schema', 'deltas']), 'schema');
});

test('closest ignores case when comparing but returns the candidate as written', () => {
  assert.is(closest('DBNAME', ['dbname', 'user']), 'dbname');
  assert.is(closest('sslmode', ['SSLMode']), 'SSLMode');
});

test('closest returns undefined when nothing is close enough or there are no candidates', () => {
  assert.is(closest('zzzzzzzz', ['recipe', 'dbname', 'schema']), undefined);
  assert.is(closest('x', []), undefined);
});

test('closest allows at least 2 edits, and a third of the length for long names', () => {
  assert.is(closest('ab', ['xy']), 'xy');
  assert.is(closest('abc', ['xyz']), undefined);
  // 12 characters: up to 4 edits.
  assert.is(closest('abcdefghijkl', ['abcdefghwxyz']), 'abcdefghwxyz');
  assert.is(closest('abcdefghijkl', ['abcdefgvwxyz']), undefined);
});

test('closest prefers the first of equally close candidates', () => {
  assert.is(closest('cat', ['bat', 'hat']), 'bat');
});

test.run();
