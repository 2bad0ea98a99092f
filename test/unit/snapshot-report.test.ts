import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatBytes, graphLines, logJson, renderInfoText, renderLogText, renderPurgeText, type LogEntry } from '../../lib/report/snapshot-text.js';

const node = (revision: number, parent: number | null, marker = 'o') => ({ revision, parent, marker, text: String(revision) });

test("info reads like odb's", () => {
  assert.is(renderInfoText('demo8', { role: 'working', version: 4, parent: 1, tip: 4, createdAt: 'x' }), 'database: demo8\nversion : 4 (parent: 1, tip: 4)');
});

test('graph: the transcript (a branch joins its parent)', () => {
  assert.equal(graphLines([node(4, 1, '@'), node(2, 1), node(1, 0), node(0, null)]), ['@    4', '| o  2', '|/', 'o    1', 'o    0']);
});

test('graph: a straight line', () => {
  assert.equal(graphLines([node(3, 2, '@'), node(2, 1), node(1, 0), node(0, null)]), ['@  3', 'o  2', 'o  1', 'o  0']);
});

test('graph: three branches off one revision join one by one', () => {
  assert.equal(graphLines([node(6, 1, '@'), node(5, 1), node(3, 1), node(1, null)]), ['@      6', '| o    5', '| | o  3', '| |/', '|/', 'o      1']);
});

test('graph: branches that must cross another line to join', () => {
  // 3 waits for 1, but 4's line (waiting for 0) is between it and 5's line.
  const lines = graphLines([node(5, 1, '@'), node(4, 0), node(3, 1), node(1, 0), node(0, null)]);
  assert.equal(lines, ['@      5', '| o    4', '| | o  3', '|  X', '|/ /', 'o |    1', '|/', 'o      0']);
});

test('graph: a line whose parent was purged ends in ~; the lines to its right move left', () => {
  const t = (revision: number, parent: number | null, marker = 'o') => ({ ...node(revision, parent, marker), truncated: parent === null });
  assert.equal(graphLines([t(7, null, '@'), node(1, 0), node(0, null)]), ['@  7', '~', 'o  1', 'o  0']);
  assert.equal(graphLines([node(5, 0, '@'), t(3, null), node(2, 0), node(0, null)]), ['@    5', '| o  3', '| ~', '| o  2', '|/', 'o    0']);
  assert.equal(graphLines([node(6, 3, '@'), node(5, 0), t(3, null), node(0, null)]), ['@    6', '| o  5', 'o |  3', '~ |', ' /', 'o    0']);
});

const entries: LogEntry[] = [
  { revision: 4, parent: 1, database: 'demo8', createdAt: '2024-01-01T10:00:04.123Z', sizeBytes: 7_700_000, working: true },
  { revision: 2, parent: 1, database: 'demo8~2', createdAt: '2024-01-01T10:00:02.000Z', sizeBytes: 7_600_000, working: false, message: 'try' },
  { revision: 1, parent: 0, database: 'demo8~1', createdAt: '2024-01-01T10:00:01.000Z', sizeBytes: 7_600_000, working: false, tag: 'v1' },
  { revision: 0, parent: 0, database: 'demo8~0', createdAt: '2024-01-01T10:00:00.000Z', sizeBytes: null, working: false },
];

test('log text: graph, revision, database, time, size, tag and message', () => {
  assert.is(
    renderLogText(entries),
    [
      '@    4  demo8    2024-01-01 10:00:04Z     7.3 MB  (working database)',
      '| o  2  demo8~2  2024-01-01 10:00:02Z     7.2 MB  try',
      '|/',
      'o    1  demo8~1  2024-01-01 10:00:01Z     7.2 MB  [v1]',
      'o    0  demo8~0  2024-01-01 10:00:00Z          ?',
    ].join('\n'),
  );
});

test('log --json: the fields the contract names, message and tag only when set', () => {
  assert.equal(logJson(entries.slice(1, 3)), {
    revisions: [
      { revision: 2, parent: 1, database: 'demo8~2', created_at: '2024-01-01T10:00:02.000Z', message: 'try', size_bytes: 7_600_000 },
      { revision: 1, parent: 0, database: 'demo8~1', created_at: '2024-01-01T10:00:01.000Z', tag: 'v1', size_bytes: 7_600_000 },
    ],
  });
});

test('purge listing and sizes', () => {
  const s = { role: 'snapshot' as const, of: 'a', parent: 0, createdAt: '2024-01-01T00:00:00.000Z', sizeBytes: 2048 };
  const list = [{ ...s, revision: 0, database: 'a~0' }, { ...s, revision: 1, database: 'a~1', tag: 'v1' }];
  assert.is(renderPurgeText('a', list, { dryRun: true, dropped: [] }), ['Would drop 2 snapshots of "a" (4.0 kB):', '  0  a~0  2024-01-01 00:00:00Z     2.0 kB', '  1  a~1  2024-01-01 00:00:00Z     2.0 kB  [v1]', 'Run again with --yes to drop them.'].join('\n'));
  assert.is(renderPurgeText('a', [], { dryRun: true, dropped: [] }), 'Nothing to purge: no snapshot of "a" matches.');
  assert.is(formatBytes(512), '512 bytes');
  assert.is(formatBytes(300 * 1024 * 1024), '300 MB');
});

test.run();
