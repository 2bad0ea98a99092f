/** The run journal on disk (written, read back, pruned) and what resume makes of it (pure). */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Config, Part } from '../../lib/config/types.js';
import { PgvError } from '../../lib/errors.js';
import { findJournal, newRunId, openJournal, pruneJournals, readJournal, type Journal } from '../../lib/run/journal.js';
import { resumeSelection, runState } from '../../lib/run/resume.js';
import { resumeLine } from '../../lib/report/resume-text.js';

const step = (title: string) => ({ id: `x:${title}`, kind: 'run-script', title });

function project(): Config {
  const root = mkdtempSync(path.join(os.tmpdir(), 'pgv-journal-'));
  const parts = ['a', 'b', 'c', 'd'].map((name) => ({ name, dbname: `db_${name}`, connection: { password: name === 'b' ? 'p4ss-of-b' : undefined } }) as unknown as Part);
  return { file: path.join(root, 'pgv.config.yaml'), root, connection: { url: 'postgres://u:url-secret@h/db' }, parts } as unknown as Config;
}

function errorOf(fn: () => unknown): string {
  try {
    fn();
    return 'no error';
  } catch (e) {
    return e instanceof PgvError ? `${e.code}: ${e.message}` : String(e);
  }
}

/** A journal of a run of parts a–d killed while c ran its update2.sql (a finished, b failed, d never started). */
function killedRun(config: Config, run = '20261202-000000-000-aaaaaa'): Journal {
  const j = openJournal(config, { run, pgv: 'test', all: true, parts: config.parts.map((p) => ({ part: p.name, database: p.dbname })) }, { env: { PGPASSWORD: 'env-secret' }, warn: (m) => assert.unreachable(m) })!;
  j.onEvent({ type: 'run-started', parts: config.parts.map((p) => ({ part: p.name, database: p.dbname, steps: [step('run update1.sql')] })) });
  j.onEvent({ type: 'part-started', part: 'a', database: 'db_a' });
  j.onEvent({ type: 'part-finished', part: 'a', database: 'db_a', status: 'applied', duration_ms: 3, steps_done: 1, version: '2', not_run: [] });
  j.onEvent({ type: 'part-started', part: 'b', database: 'db_b' });
  j.onEvent({ type: 'part-finished', part: 'b', database: 'db_b', status: 'failed', duration_ms: 3, steps_done: 0, not_run: [], error: { code: 'script_failed', message: 'password authentication failed: p4ss-of-b env-secret postgres://u:url-secret@h/db' } });
  j.onEvent({ type: 'part-started', part: 'c', database: 'db_c' });
  j.onEvent({ type: 'step-started', part: 'c', step: step('run update1.sql') });
  j.onEvent({ type: 'step-finished', part: 'c', step: step('run update1.sql'), status: 'done', duration_ms: 1 });
  j.onEvent({ type: 'step-started', part: 'c', step: step('run update2.sql') });
  return readJournal(j.file);
}

test('a journal: one line per event as it happens, no secret in it; the state of the killed run', () => {
  const config = project();
  const journal = killedRun(config);
  const text = readFileSync(journal.file, 'utf8');
  for (const secret of ['p4ss-of-b', 'env-secret', 'url-secret']) assert.not.match(text, secret);
  assert.is(text.split('\n').length, 11, 'the header, nine events, the final newline');
  const state = runState(journal);
  assert.equal([state.finished, state.failed, state.running, state.notStarted, state.ended], [['a'], [{ part: 'b', message: 'password authentication failed: *** *** postgres://u:***@h/db' }], [{ part: 'c', step: 'run update2.sql' }], ['d'], false]);
  assert.match(resumeLine({ state, nothing: false, gone: [], added: [] }), /^resuming run \S+ \(killed at \S+Z\): 1 part finished, 1 failed \(b\), 1 was running \(c: run update2\.sql\), 1 not started$/);
});

test('reading: a torn last line is left out; a bad line before it is an error naming the line', () => {
  const config = project();
  const journal = killedRun(config);
  writeFileSync(journal.file, `${readFileSync(journal.file, 'utf8')}{"at":"x","type":"step-fin`);
  const torn = readJournal(journal.file);
  assert.ok(torn.torn);
  assert.is(torn.events.length, journal.events.length);
  const lines = readFileSync(journal.file, 'utf8').split('\n');
  writeFileSync(journal.file, [...lines.slice(0, 3), '{oops', ...lines.slice(3)].join('\n'));
  assert.is(errorOf(() => readJournal(journal.file)), `usage: the run journal ${journal.file} is damaged: line 4 is not JSON`);
  writeFileSync(journal.file, '{"type":"summary"}\n');
  assert.is(errorOf(() => readJournal(journal.file)), `usage: ${journal.file} is not a pgv run journal`);
});

test('resume selection: finished parts skipped, gone and new parts named, another config refused', () => {
  const config = project();
  const journal = killedRun(config);
  const state = runState(journal);
  const [a, b, c] = config.parts;
  const e = { name: 'e', dbname: 'db_e' } as unknown as Part;
  const sel = resumeSelection(config, [a!, b!, c!, e], journal, state);
  assert.equal(sel.parts.map((p) => p.name), ['b', 'c', 'e']);
  assert.equal([sel.finished, sel.gone, sel.added], [['a'], ['d'], ['e']]);
  assert.equal(sel.header.finished_before, ['a']);
  assert.is(sel.header.resumes, state.run);
  assert.is(errorOf(() => resumeSelection({ file: '/elsewhere/pgv.yaml' }, config.parts, journal, state)), `usage: run ${state.run} is a run of ${config.file}, not of /elsewhere/pgv.yaml`);
});

test('a run killed after its last part finished: nothing to resume, and the line says so', () => {
  const config = project();
  const j = openJournal(config, { pgv: 'test', all: false, parts: [{ part: 'a', database: 'db_a' }] }, { warn: (m) => assert.unreachable(m) })!;
  j.onEvent({ type: 'run-started', parts: [{ part: 'a', database: 'db_a', steps: [] }] });
  j.onEvent({ type: 'part-finished', part: 'a', database: 'db_a', status: 'unchanged', duration_ms: 0, steps_done: 0, version: '2', not_run: [] });
  const journal = readJournal(j.file);
  const state = runState(journal);
  const sel = resumeSelection(config, config.parts, journal, state);
  assert.equal([sel.parts, sel.added], [[], []], 'a run of one part: the other parts are not added');
  assert.match(resumeLine({ state, nothing: true, gone: [], added: [] }), /^run \S+ \(killed at \S+\) had finished all its parts \(1\): nothing to resume$/);
});

test('finding journals: by id, by path, the newest of this config; pruning keeps the newest', () => {
  const config = project();
  const first = killedRun(config, '20261202-000000-000-ffffff');
  const second = killedRun(config, '20261202-000000-001-000000');
  assert.is(findJournal(config, undefined).file, second.file);
  assert.is(findJournal(config, first.header.run).file, first.file);
  assert.is(findJournal(config, first.file).file, first.file);
  assert.match(errorOf(() => findJournal(config, 'nope')), `usage: no run "nope" in ${path.join(config.root, '.pgv', 'runs')}`);
  assert.match(errorOf(() => findJournal({ ...config, file: path.join(config.root, 'other.yaml') }, undefined)), 'usage: no run of');
  const dir = path.dirname(first.file);
  pruneJournals(dir, 1);
  assert.equal(readdirSync(dir), [path.basename(second.file)]);
  assert.ok(newRunId(new Date('2026-12-02T00:15:12.345Z')).startsWith('20261202-001512-345-'));
  assert.ok(newRunId(new Date('2026-12-02T00:15:12.345Z')) < newRunId(new Date('2026-12-02T00:15:12.346Z')));
});

test.run();
