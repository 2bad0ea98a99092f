/** The reference database's name: unique, recognisable, within PostgreSQL's 63-byte limit. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { referenceName, throwawayName } from '../../lib/rehearse/reference.js';

test('referenceName: <dbname>_pgv_ref_<suffix>', () => {
  assert.is(referenceName('shop', 'deadbeef'), 'shop_pgv_ref_deadbeef');
  assert.match(referenceName('shop'), /^shop_pgv_ref_[0-9a-f]{8}$/);
  assert.is.not(referenceName('shop'), referenceName('shop'));
});

test('referenceName: a long name is cut so the whole fits in 63 bytes, multi-byte characters kept whole', () => {
  const long = referenceName('x'.repeat(70), 'deadbeef');
  assert.is(long, `${'x'.repeat(63 - 17)}_pgv_ref_deadbeef`);
  const accents = referenceName('é'.repeat(40), 'deadbeef');
  assert.ok(Buffer.byteLength(accents) <= 63);
  assert.ok(accents.startsWith('é'.repeat(23)));
  assert.not.match(accents, '\uFFFD');
});

test('throwawayName: the rehearsal copy has the same shape; a 4-byte character is never split', () => {
  assert.is(throwawayName('shop', 'rehearsal', '0badf00d'), 'shop_pgv_rehearsal_0badf00d');
  const emoji = throwawayName('🐘'.repeat(20), 'rehearsal', '0badf00d');
  assert.ok(Buffer.byteLength(emoji) <= 63, emoji);
  assert.is(emoji, `${'🐘'.repeat(10)}_pgv_rehearsal_0badf00d`); // 40 + 23 bytes
  assert.not.match(emoji, /[\uD800-\uDBFF](?![\uDC00-\uDFFF])/, 'no lone surrogate');
});

test.run();
