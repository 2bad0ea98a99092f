import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { adoptState, commitTransition, initialState, resolveTarget, revertTransition, selectForPurge, tagNameProblem, type VersionState } from '../../lib/snapshot/revisions.js';

test("odb's transcript: init 0; commit 1, 2, 3; revert 1 → 4 (parent 1, tip 4)", () => {
  let s: VersionState = initialState;
  assert.equal(s, { version: 0, parent: 0, tip: 0 });
  const frozen: number[] = [];
  for (const expected of [1, 2, 3]) {
    const c = commitTransition(s);
    frozen.push(c.frozen.revision);
    s = c.next;
    assert.is(s.version, expected);
  }
  assert.equal(frozen, [0, 1, 2]);
  assert.equal(commitTransition(initialState).next, { version: 1, parent: 0, tip: 1 }, 'info after the first commit: 1 (parent: 0, tip: 1)');
  const r = revertTransition(s, 1);
  assert.equal(r.next, { version: 4, parent: 1, tip: 4 });
  assert.equal(r.discarded, { revision: 3, parent: 2 });
});

test('numbers are never reused: a commit after a revert goes past the tip', () => {
  const afterRevert = revertTransition({ version: 3, parent: 2, tip: 3 }, 1).next;
  const c = commitTransition(afterRevert);
  assert.equal(c.frozen, { revision: 4, parent: 1 });
  assert.equal(c.next, { version: 5, parent: 4, tip: 5 });
});

test('init continues the history of leftover snapshots', () => {
  assert.equal(adoptState([]), initialState);
  assert.equal(adoptState([0, 2, 1]), { version: 3, parent: 2, tip: 3 });
});

const snaps = [
  { revision: 0, createdAt: '2024-01-01T00:00:00Z' },
  { revision: 1, createdAt: '2024-01-05T00:00:00Z', tag: 'v1' },
  { revision: 2, createdAt: '2024-01-09T00:00:00Z' },
];
const state = { version: 4, parent: 1, tip: 4 };

test('resolveTarget: the parent by default, a number, a tag; missing ones say why', () => {
  assert.is((resolveTarget({ kind: 'parent' }, state, snaps) as { snapshot: { revision: number } }).snapshot.revision, 1);
  assert.is((resolveTarget({ kind: 'revision', revision: 2 }, state, snaps) as { snapshot: { revision: number } }).snapshot.revision, 2);
  assert.is((resolveTarget({ kind: 'tag', tag: 'v1' }, state, snaps) as { snapshot: { revision: number } }).snapshot.revision, 1);
  assert.equal(resolveTarget({ kind: 'revision', revision: 3 }, state, snaps), { problem: 'revision 3 has no snapshot', revision: 3 });
  assert.equal(resolveTarget({ kind: 'revision', revision: 4 }, state, snaps), { problem: 'revision 4 has no snapshot (it is the working database itself; commit it first)', revision: 4 });
  assert.equal(resolveTarget({ kind: 'tag', tag: 'nope' }, state, snaps), { problem: 'no snapshot is tagged "nope" (tags: v1)' });
  assert.equal(resolveTarget({ kind: 'parent' }, { version: 0, parent: 0, tip: 0 }, []), { problem: 'the parent of version 0, revision 0, has no snapshot (it is the working database itself; commit it first)', revision: 0 });
});

test('selectForPurge: --all, --keep-tags, --older-than, and both of the last two', () => {
  const now = Date.parse('2024-01-10T00:00:00Z');
  const revs = (f: Parameters<typeof selectForPurge>[1]) => selectForPurge(snaps, f, now).map((s) => s.revision);
  assert.equal(revs({ all: true, keepTags: false }), [0, 1, 2]);
  assert.equal(revs({ all: false, keepTags: true }), [0, 2]);
  assert.equal(revs({ all: false, keepTags: false, olderThanMs: 3 * 86_400_000 }), [0, 1]);
  assert.equal(revs({ all: false, keepTags: true, olderThanMs: 3 * 86_400_000 }), [0]);
});

test('tag names: no revision look-alikes, no spaces', () => {
  assert.is(tagNameProblem('before-migration'), undefined);
  assert.is(tagNameProblem('release/1.2'), undefined);
  assert.match(tagNameProblem('12') ?? '', 'looks like a revision number');
  assert.match(tagNameProblem('a b') ?? '', 'must start with a letter or digit');
  assert.match(tagNameProblem('') ?? '', 'must start');
});

test.run();
