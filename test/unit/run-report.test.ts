/** The report of a run (summary text) and the lines of an interrupted run, from literal results. Pure. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PgvError } from '../../lib/errors.js';
import type { PartResult, RunResult } from '../../lib/exec/result.js';
import type { PartPlan, RunScriptStep } from '../../lib/plan/types.js';
import { interruptLines, type PartNow } from '../../lib/report/interrupt.js';
import { renderRunReport } from '../../lib/report/run.js';

const ledger = { schema: 'pgv', name: 'upgrades' };
const script = (name: string, version: string, transactional = true): RunScriptStep => ({ kind: 'run-script', id: `app:run:${name}`, title: `run ${name}`, reason: '', script: name, version, scriptKind: 'update', transactional, checksum: 'c', ledger });
const planOf = (steps: RunScriptStep[], current: string | null): PartPlan => ({ name: 'app', database: 'appdb', recipe: 'schema', ledger, current, target: null, steps, changed: [], after: [], replan: { planner: 'apply', accept: [] } });

/** app: update1.sql applied, then update2.sql (outside a transaction) cancelled after statement 1 of 2; rep not started. */
function interruptedRun(): RunResult {
  const cancel = new PgvError('interrupted', 'update2.sql (outside a transaction) was cancelled at statement 2 of 2', { data: { script: 'update2.sql', completed: 1, statements: 2, version: '2', before: '1' } });
  const app: PartResult = {
    name: 'app', database: 'appdb', status: 'failed', durationMs: 2000, error: cancel,
    steps: [{ step: script('update1.sql', '1'), status: 'done', durationMs: 3 }, { step: script('update2.sql', '2', false), status: 'failed', durationMs: 2000, message: cancel.message }],
  };
  const rep: PartResult = { name: 'rep', database: 'repdb', status: 'skipped', durationMs: 0, steps: [{ step: { ...script('update1.sql', '1'), id: 'rep:run:update1.sql' }, status: 'not-run', durationMs: 0 }], error: new PgvError('interrupted', 'interrupted: part rep did not start') };
  return { ok: false, durationMs: 2000, parts: [app, rep] };
}

const unfinished: PartNow['unfinished'] = {
  script: 'update2.sql', version: '2', state: 'interrupted', installedAt: '2026-12-02T03:14:11.425Z', summary: 'update2.sql was interrupted at statement 2 of 2 (line 3: SELECT pg_sleep(5)); 1 had completed', note: '',
  failure: { statement: 2, statements: 2, completed: 1, line: 3, text: 'SELECT pg_sleep(5)', error: 'pgv was interrupted (Ctrl-C, SIGTERM) and cancelled it', sqlstate: '57014', interrupted: true },
  finished: 'pgv baseline app --version 2', undone: 'pgv baseline app --version 1',
};

test('interrupted in a -- pgv:no-transaction script: the version from the ledger and the unfinished script, not "could not be read"', () => {
  // The planner refuses the part (its script is unfinished): plan null, the ledger still read.
  const now = new Map<string, PartNow | null>([
    ['app', { current: '1', plan: null, applied: new Set(['update1.sql']), unfinished }],
    ['rep', { current: null, plan: planOf([script('update1.sql', '1')], null), applied: new Set(), unfinished: null }],
  ]);
  assert.equal(interruptLines(interruptedRun(), now), [
    'pgv: interrupted: app: update2.sql (outside a transaction) cancelled at statement 2 of 2; statement 1 had completed and stays; update1.sql applied; at version 1, update2.sql unfinished (its ledger row records where it stopped); settle it by hand, then pgv baseline app --version 2 (finished) or pgv baseline app --version 1 (undone)',
    'pgv: interrupted: rep: not started; not initialised, 1 script pending; run pgv apply again',
  ]);
});

test('interrupted: a database that could not be read again says so; the run knew the baselines', () => {
  const now = new Map<string, PartNow | null>([['app', null], ['rep', null]]);
  assert.equal(interruptLines(interruptedRun(), now)[0], 'pgv: interrupted: app: update2.sql (outside a transaction) cancelled at statement 2 of 2; statement 1 had completed and stays; update1.sql applied; the database could not be read again; settle it by hand, then pgv baseline app --version 2 (finished) or pgv baseline app --version 1 (undone)');
});

test('interrupted in a transactional script: committed or rolled back, as the ledger says when the planner refuses', () => {
  const cancel = new PgvError('interrupted', 'interrupted: cancelled the running statement');
  const result: RunResult = { ok: false, durationMs: 1, parts: [{ name: 'app', database: 'appdb', status: 'failed', durationMs: 1, error: cancel, steps: [{ step: script('update3.sql', '3'), status: 'failed', durationMs: 1 }] }] };
  const at = (applied: string[]): Map<string, PartNow> => new Map([['app', { current: applied.length ? '3' : '2', plan: null, applied: new Set(applied), unfinished: null }]]);
  assert.equal(interruptLines(result, at(['update3.sql'])), ['pgv: interrupted: app: update3.sql: had committed before the cancel reached the server; nothing applied by this run; at version 3; run pgv apply again']);
  assert.equal(interruptLines(result, at([])), ['pgv: interrupted: app: update3.sql: cancelled and rolled back; nothing applied by this run; at version 2; run pgv apply again']);
});

test('the summary of an interrupted run says interrupted, not failed', () => {
  const report = renderRunReport({ result: interruptedRun(), snapshots: [], notes: [], interrupted: ['pgv: interrupted: app: …'] }, false);
  assert.is(report.exitCode, 130);
  const lines = report.text.split('\n');
  assert.is(lines[lines.length - 1], 'Interrupted; what each part left follows on stderr.');
  assert.is(lines[0], 'app (appdb): INTERRUPTED at run update2.sql (1 step applied before)');
  assert.not.match(report.text, 'Some parts failed');
  assert.equal(report.errors, ['pgv: interrupted: app: …']);
});

test('a failed run keeps its summary; a part not run says why once', () => {
  const failed: PartResult = { name: 'a', database: 'adb', status: 'failed', durationMs: 1, error: new PgvError('script_failed', 'update1.sql:1:1: boom'), steps: [{ step: script('update1.sql', '1'), status: 'failed', durationMs: 1 }] };
  const skipped: PartResult = { name: 'b', database: 'bdb', status: 'skipped', durationMs: 0, steps: [], error: new PgvError('refused', 'part a failed in rollout group 1, whose on_error is stop') };
  const report = renderRunReport({ result: { ok: false, durationMs: 1, parts: [failed, skipped] }, snapshots: [], notes: [] }, false);
  assert.is(report.exitCode, 3);
  assert.equal(report.text.split('\n').slice(1), ['b (bdb): skipped (part a failed in rollout group 1, whose on_error is stop)', 'Some parts failed; their errors follow on stderr.']);
});

test.run();
