/**
 * The plain progress lines (a pipe, -v) and the size of the live list, from the run's events:
 * the real renderer (listr2's icons), writing into a buffer instead of stderr.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Writable } from 'node:stream';
import type { RunEvent } from '../../lib/exec/events.js';
import { endMessage, knownSize, taskListRenderer } from '../../lib/report/task-list.js';

/** A stream that keeps what is written, as the renderer's stderr. */
function buffer(): { stream: NodeJS.WriteStream; lines(): string[] } {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk);
      done();
    },
  });
  return { stream: stream as unknown as NodeJS.WriteStream, lines: () => text.split('\n').filter((l) => l !== '') };
}

const step = (part: string, script: string) => ({ id: `${part}:run:${script}`, kind: 'run-script', title: `run ${script}` });

/** The events of a run in which rep comes after app (or a canary before the rest). */
function afterRun(): RunEvent[] {
  const a = step('app', 'update1.sql');
  const r = step('rep', 'update1.sql');
  return [
    { type: 'run-started', parts: [{ part: 'app', database: 'appdb', steps: [a] }, { part: 'rep', database: 'repdb', steps: [r] }] },
    { type: 'part-started', part: 'app', database: 'appdb' },
    { type: 'part-replanned', part: 'app', database: 'appdb', current: null, steps: [a], dropped: [], added: [] },
    { type: 'step-started', part: 'app', step: a },
    { type: 'step-finished', part: 'app', step: a, status: 'done', duration_ms: 3 },
    { type: 'part-finished', part: 'app', database: 'appdb', status: 'applied', duration_ms: 5, steps_done: 1, version: '1', not_run: [] },
    { type: 'part-started', part: 'rep', database: 'repdb' },
    { type: 'step-started', part: 'rep', step: r },
    { type: 'step-finished', part: 'rep', step: r, status: 'done', duration_ms: 2 },
    { type: 'part-finished', part: 'rep', database: 'repdb', status: 'applied', duration_ms: 4, steps_done: 1, version: '1', not_run: [] },
    { type: 'run-finished', ok: true, duration_ms: 10 },
  ];
}

test('plain lines: a part header comes when the part starts, not at the start of the run', async () => {
  const out = buffer();
  const renderer = await taskListRenderer({ style: 'lines', stream: out.stream });
  for (const e of afterRun()) renderer.onEvent(e);
  await renderer.close();
  assert.equal(out.lines(), [
    '❯ app (appdb)',
    '❯ app: run update1.sql',
    '✔ app: run update1.sql (3 ms)',
    '✔ app: 1 step done, now at version 1',
    '❯ rep (repdb)',
    '❯ rep: run update1.sql',
    '✔ rep: run update1.sql (2 ms)',
    '✔ rep: 1 step done, now at version 1',
  ]);
});

test('plain lines: an interrupted part says INTERRUPTED, a part not run says why once', async () => {
  const out = buffer();
  const renderer = await taskListRenderer({ style: 'lines', stream: out.stream });
  const a = step('app', 'update2.sql');
  const events: RunEvent[] = [
    { type: 'run-started', parts: [{ part: 'app', database: 'appdb', steps: [a] }, { part: 'rep', database: 'repdb', steps: [step('rep', 'update1.sql')] }] },
    { type: 'part-started', part: 'app', database: 'appdb' },
    { type: 'step-started', part: 'app', step: a },
    { type: 'step-finished', part: 'app', step: a, status: 'failed', duration_ms: 2070, error: { code: 'interrupted', message: 'update2.sql (outside a transaction) was cancelled at statement 2 of 2' } },
    { type: 'part-finished', part: 'app', database: 'appdb', status: 'failed', duration_ms: 2080, steps_done: 0, not_run: [], error: { code: 'interrupted', message: 'update2.sql (outside a transaction) was cancelled at statement 2 of 2' } },
    { type: 'part-finished', part: 'rep', database: 'repdb', status: 'skipped', duration_ms: 0, steps_done: 0, not_run: [], error: { code: 'refused', message: 'part app failed in rollout group 1, whose on_error is stop' } },
  ];
  for (const e of events) renderer.onEvent(e);
  await renderer.close();
  assert.equal(out.lines(), [
    '❯ app (appdb)',
    '❯ app: run update2.sql',
    '✖ app: run update2.sql (2.07 s)',
    '✖ app (appdb) [INTERRUPTED: update2.sql (outside a transaction) was cancelled at statement 2 of 2]',
    '↓ rep (repdb) [SKIPPED: part app failed in rollout group 1, whose on_error is stop]',
  ]);
});

test('plain lines: a run with nothing to do shows nothing', async () => {
  const out = buffer();
  const renderer = await taskListRenderer({ style: 'lines', stream: out.stream });
  renderer.onEvent({ type: 'run-started', parts: [{ part: 'app', database: 'appdb', steps: [] }] });
  renderer.onEvent({ type: 'part-finished', part: 'app', database: 'appdb', status: 'unchanged', duration_ms: 0, steps_done: 0, version: '3', not_run: [] });
  await renderer.close();
  assert.equal(out.lines(), []);
});

test('endMessage: the label says interrupted or skipped, the message does not repeat it', () => {
  const base = { type: 'part-finished', part: 'app', database: 'appdb', duration_ms: 0, steps_done: 0, not_run: [] } as const;
  assert.equal(endMessage({ ...base, status: 'failed', error: { code: 'interrupted', message: 'interrupted: nothing more was sent to database "x"' } }), { label: 'INTERRUPTED', message: 'nothing more was sent to database "x"' });
  assert.equal(endMessage({ ...base, status: 'skipped', error: { code: 'interrupted', message: 'interrupted: part app did not start' } }), { label: 'SKIPPED', message: 'part app did not start' });
  assert.equal(endMessage({ ...base, status: 'failed', error: { code: 'script_failed', message: 'update1.sql:1:1: syntax error' } }), { label: 'FAILED', message: 'update1.sql:1:1: syntax error' });
});

test('knownSize: a terminal that reports 0 columns or rows (a pty without a size) is drawn at 80 x 24', () => {
  assert.equal(knownSize(0, 0), { columns: 80, rows: 24 });
  assert.equal(knownSize(undefined, undefined), { columns: 80, rows: 24 });
  assert.equal(knownSize(132, 50), { columns: 132, rows: 50 });
  assert.equal(knownSize(0, 50), { columns: 80, rows: 50 });
});

test.run();
