/** pum 0.x's `type` codes: both generations read, the table's own generation written. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { pumCodesOf, pumKindOf, pumTypeOf } from '../../lib/db/pum-types.js';
import { insertLedgerRowSql } from '../../lib/db/ledger.js';

test('pum 0.10 codes (bit flags since 0.7.4): SQL 8, PRE_SQL 9, POST_SQL 10, PYTHON 4, PRE_PYTHON 5, POST_PYTHON 6', () => {
  assert.equal([pumTypeOf('delta', false, 'flags'), pumTypeOf('pre', false, 'flags'), pumTypeOf('post', false, 'flags')], [8, 9, 10]);
  assert.equal([pumTypeOf('delta', true, 'flags'), pumTypeOf('pre', true, 'flags'), pumTypeOf('post', true, 'flags')], [4, 5, 6]);
  assert.equal([pumTypeOf('pre', true, 'legacy'), pumTypeOf('pre', false, 'legacy'), pumTypeOf('delta', true, 'legacy'), pumTypeOf('delta', false, 'legacy'), pumTypeOf('post', true, 'legacy'), pumTypeOf('post', false, 'legacy')], [0, 1, 2, 3, 4, 5]);
  assert.is(pumTypeOf('baseline', false, 'flags'), 0);
  assert.is(pumTypeOf('baseline', false, 'legacy'), 0);
  for (const codes of ['flags', 'legacy'] as const) {
    for (const kind of ['pre', 'delta', 'post'] as const) {
      for (const python of [false, true]) assert.equal(pumKindOf(pumTypeOf(kind, python, codes), 'x', codes), { kind, python }, `${codes} ${kind} ${python}`);
    }
  }
});

test('a table tells its generation by its codes; only a baseline (or nothing) means pum 0.10', () => {
  assert.is(pumCodesOf([0, 8, 9]), 'flags');
  assert.is(pumCodesOf([0, 1, 3, 5]), 'legacy');
  assert.is(pumCodesOf([0]), 'flags');
  assert.is(pumCodesOf([]), 'flags');
  assert.is(pumCodesOf([0, 3, 8]), 'flags', 'pum 0.10 wrote after an old pgv: write what pum writes');
  // Unambiguous codes decode by themselves in a mixed table; 4 and 5 by the table's generation.
  assert.equal(pumKindOf(3, 'x', 'flags'), { kind: 'delta', python: false });
  assert.equal(pumKindOf(5, 'x', 'legacy'), { kind: 'post', python: false });
  assert.equal(pumKindOf(5, 'x', 'flags'), { kind: 'pre', python: true });
  assert.equal(pumKindOf(0, 'baseline', 'flags'), { kind: 'baseline', python: false });
  assert.equal(pumKindOf(0, 'fix', 'legacy'), { kind: 'pre', python: true });
});

test('the INSERT writes the generation asked for', () => {
  const entry = { version: '1.0.1', script: 'delta_1.0.1_x.post.sql', kind: 'post', checksum: 's', md5: 'm', description: 'x', success: true, pgvVersion: '0' };
  assert.match(insertLedgerRowSql({ schema: 's', name: 'u' }, 'pum', entry, 'NULL', 'flags'), "VALUES ('1.0.1', 'x', 10, ");
  assert.match(insertLedgerRowSql({ schema: 's', name: 'u' }, 'pum', entry, 'NULL', 'legacy'), "VALUES ('1.0.1', 'x', 5, ");
  assert.match(insertLedgerRowSql({ schema: 's', name: 'u' }, 'pum', { ...entry, kind: 'baseline', script: 'baseline' }, 'NULL', 'flags'), "VALUES ('1.0.1', 'baseline', 0, ''");
});

test.run();
