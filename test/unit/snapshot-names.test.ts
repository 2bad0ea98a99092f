import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { byteLength, maxIdentifierBytes, truncateUtf8 } from '../../lib/db/ident.js';
import { derivedName, discardName, revertCopyName, snapshotDatabaseName } from '../../lib/snapshot/names.js';

test('short names: the working name, a tilde and the revision (or the purpose)', () => {
  assert.is(snapshotDatabaseName('demo8', 0), 'demo8~0');
  assert.is(snapshotDatabaseName('demo8', 12), 'demo8~12');
  assert.is(revertCopyName('demo8'), 'demo8~revert');
  assert.is(discardName('demo8'), 'demo8~discard');
});

test('a name that just fits is not shortened', () => {
  const w = 'a'.repeat(61);
  assert.is(snapshotDatabaseName(w, 1), `${w}~1`);
  assert.is(byteLength(snapshotDatabaseName(w, 1)), 63);
});

test('at the 63-byte limit: cut, hash, suffix; exactly 63 bytes; distinct for names sharing a long prefix', () => {
  const a = 'x'.repeat(62) + 'a';
  const b = 'x'.repeat(62) + 'b';
  for (const w of [a, b]) {
    for (const name of [snapshotDatabaseName(w, 7), snapshotDatabaseName(w, 123456), revertCopyName(w), discardName(w)]) {
      assert.is(byteLength(name), maxIdentifierBytes, name);
    }
  }
  assert.is.not(snapshotDatabaseName(a, 7), snapshotDatabaseName(b, 7));
  assert.is.not(revertCopyName(a), revertCopyName(b));
  assert.match(snapshotDatabaseName(a, 7), /^x{52}~[0-9a-f]{8}~7$/);
  // Stable: the same inputs give the same name (pgv finds its databases by metadata, but users read the names).
  assert.is(snapshotDatabaseName(a, 7), snapshotDatabaseName(a, 7));
});

test('multibyte UTF-8 is cut at a character boundary, never inside one', () => {
  const w = 'é'.repeat(31) + 'z'; // 63 bytes
  assert.is(byteLength(w), 63);
  const name = snapshotDatabaseName(w, 3);
  assert.ok(byteLength(name) <= 63);
  assert.not.match(name, /\uFFFD/);
  assert.is(Buffer.from(name, 'utf8').toString('utf8'), name);
  assert.ok(name.startsWith('é'.repeat(Math.floor((63 - 2 - 9) / 2))));
  // Emoji (4 bytes, surrogate pairs in JS) too.
  const emoji = '🐘'.repeat(15) + 'abc';
  const e = revertCopyName(emoji);
  assert.ok(byteLength(e) <= 63);
  assert.is(Buffer.from(e, 'utf8').toString('utf8'), e);
  assert.match(e, /^(🐘)+~[0-9a-f]{8}~revert$/);
});

test('truncateUtf8 keeps whole characters', () => {
  assert.is(truncateUtf8('aé', 2), 'a');
  assert.is(truncateUtf8('aé', 3), 'aé');
  assert.is(truncateUtf8('🐘🐘', 5), '🐘');
  assert.is(derivedName('abc', '~1'), 'abc~1');
});

test('revisions are non-negative integers', () => {
  assert.throws(() => snapshotDatabaseName('a', -1), /not a revision/);
  assert.throws(() => snapshotDatabaseName('a', 1.5), /not a revision/);
});

test.run();
