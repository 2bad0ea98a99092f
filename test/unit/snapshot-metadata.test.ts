import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { commentSql, decodeMetadata, encodeMetadata, isSnapshotMetadata, type Metadata } from '../../lib/snapshot/metadata.js';

test('each document survives encode → decode', () => {
  const docs: Metadata[] = [
    { role: 'working', version: 4, parent: 1, tip: 4, createdAt: '2024-01-01T00:00:00.000Z' },
    { role: 'working', version: 0, parent: 0, tip: 0, createdAt: 'x', userComment: "the user's ' comment", journal: { op: 'commit', snapshot: 'a~0' } },
    { role: 'working', version: 2, parent: 1, tip: 2, createdAt: 'x', journal: { op: 'revert', step: 'swapped', target: 1, copy: 'a~revert', aside: 'a~discard', keep: false } },
    { role: 'snapshot', of: 'shop', revision: 2, parent: 1, createdAt: 'x', message: 'before the "big" one', tag: 'v1' },
    { role: 'discarded', of: 'shop', revision: 3 },
  ];
  for (const d of docs) assert.equal(decodeMetadata(encodeMetadata(d)), d);
});

test('the document starts with its format key; other comments are not pgv\'s', () => {
  assert.match(encodeMetadata({ role: 'discarded', of: 'a', revision: 1 }), /^\{"pgv_snapshot":1,/);
  for (const other of [null, undefined, '', 'production database', '{"pgv_snapshot":2,"role":"working"}', '{"pgv_snapshot":1,"role":"working"}', '{"pgv_snapshot":1', '{"a":1}']) {
    assert.is(decodeMetadata(other), null, String(other));
    assert.is(isSnapshotMetadata(other), false);
  }
  assert.ok(isSnapshotMetadata(encodeMetadata({ role: 'discarded', of: 'a', revision: 1 })));
});

test('commentSql quotes the name and the literal', () => {
  assert.is(commentSql('we"ird', { role: 'discarded', of: "it's", revision: 1 }), `COMMENT ON DATABASE "we""ird" IS '{"pgv_snapshot":1,"role":"discarded","of":"it''s","revision":1}'`);
});

test.run();
