/** What `apply --resume` says about the run it resumes. Pure. */
import type { ResumeReport } from '../run/resume.js';

const shown = 5;

/** Names, at most five, then how many more. */
function names(list: readonly string[]): string {
  return list.length <= shown ? list.join(', ') : `${list.slice(0, shown).join(', ')} and ${list.length - shown} more`;
}

/** A time of the journal, to the second. */
function when(iso: string): string {
  return iso.replace(/\.\d+Z$/, 'Z');
}

/** The line that opens the report: what the resumed run had done (or that it left nothing to do). */
export function resumeLine(r: ResumeReport): string {
  const s = r.state;
  const count = (n: number, what: string) => `${n} part${n === 1 ? '' : 's'} ${what}`;
  if (r.nothing && s.ended) return `run ${s.run} finished at ${when(s.lastAt)}: nothing to resume (${count(s.finished.length, 'finished')})`;
  if (r.nothing) return `run ${s.run} (killed at ${when(s.lastAt)}) had finished all its parts (${s.finished.length}): nothing to resume`;
  const how = s.ended ? `ended at ${when(s.lastAt)}` : `killed at ${when(s.lastAt)}`;
  const facts = [count(s.finished.length, 'finished')];
  if (s.failed.length) facts.push(`${s.failed.length} failed (${names(s.failed.map((f) => f.part))})`);
  if (s.running.length) facts.push(`${s.running.length} ${s.running.length === 1 ? 'was' : 'were'} running (${names(s.running.map((p) => (p.step ? `${p.part}: ${p.step}` : p.part)))})`);
  facts.push(`${s.notStarted.length} not started`);
  return `resuming run ${s.run} (${how}): ${facts.join(', ')}`;
}

/** Warnings about parts that changed in the config since the run. */
export function resumeWarnings(r: ResumeReport): string[] {
  return [
    ...(r.gone.length ? [`run ${r.state.run} had parts that are no longer in the config (not run): ${names(r.gone)}`] : []),
    ...(r.added.length ? [`parts new in the config since run ${r.state.run} (planned as usual): ${names(r.added)}`] : []),
  ];
}

/** The report as the `resumed` field of `--json`. */
export function resumeJson(r: ResumeReport): Record<string, unknown> {
  const s = r.state;
  return {
    run: s.run,
    file: s.file,
    ended: s.ended,
    last_at: s.lastAt,
    nothing_to_resume: r.nothing,
    finished: s.finished,
    failed: s.failed,
    running: s.running,
    not_started: s.notStarted,
    ...(r.gone.length ? { gone: r.gone } : {}),
    ...(r.added.length ? { added: r.added } : {}),
  };
}
