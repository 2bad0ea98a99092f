/**
 * What a journal says about its run, and what `apply --resume` does with it: the parts it
 * finished are skipped (not even connected to), every other part is planned and applied as
 * usual. The ledger and the lock make that safe whatever the journal missed: a part the killed run
 * finished after its last journal line is planned again, finds its scripts in the ledger, and has
 * nothing to do. Pure.
 */
import type { Config, Part } from '../config/types.js';
import { usageError } from '../errors.js';
import type { Journal } from './journal.js';

/** A part the run had started and not finished when its journal ends. */
export interface RunningPart {
  readonly part: string;
  /** The step that had started and not finished (its title: `update3.sql`), if any. */
  readonly step?: string;
}

/** The state of a run as its journal tells it. */
export interface RunState {
  readonly run: string;
  readonly file: string;
  readonly config: string;
  /** When the run started, and when its journal's last line was written (ISO 8601). */
  readonly startedAt: string;
  readonly lastAt: string;
  /** The run's last line is `run-finished`: it ended (ok or not) rather than being killed. */
  readonly ended: boolean;
  /** Parts finished (applied or up to date), by this run or the runs it resumed, in the run's order. */
  readonly finished: readonly string[];
  /** Parts that failed, with their error's message. */
  readonly failed: readonly { readonly part: string; readonly message: string }[];
  readonly running: readonly RunningPart[];
  /** Parts the run never started (or skipped because a part they come after failed). */
  readonly notStarted: readonly string[];
}

/** The state of the run a journal records. */
export function runState(journal: Journal): RunState {
  const { header, events } = journal;
  const finished = new Set(header.finished_before ?? []);
  const failed = new Map<string, string>();
  const started = new Set<string>();
  const runningStep = new Map<string, string>();
  let ended = false;
  for (const e of events) {
    switch (e.type) {
      case 'part-started':
        started.add(e.part);
        break;
      case 'step-started':
        started.add(e.part);
        runningStep.set(e.part, e.step.title);
        break;
      case 'step-finished':
        runningStep.delete(e.part);
        break;
      case 'part-finished':
        started.delete(e.part);
        runningStep.delete(e.part);
        if (e.status === 'applied' || e.status === 'unchanged') finished.add(e.part);
        else if (e.status === 'failed') failed.set(e.part, e.error?.message ?? 'failed');
        break;
      case 'run-finished':
        ended = true;
        break;
      default:
        break;
    }
  }
  const names = header.parts.map((p) => p.part);
  return {
    run: header.run,
    file: journal.file,
    config: header.config,
    startedAt: header.at,
    lastAt: events.length ? events[events.length - 1]!.at : header.at,
    ended,
    finished: names.filter((n) => finished.has(n)),
    failed: names.filter((n) => failed.has(n) && !finished.has(n)).map((part) => ({ part, message: failed.get(part)! })),
    running: names.filter((n) => started.has(n) && !finished.has(n)).map((part) => (runningStep.has(part) ? { part, step: runningStep.get(part)! } : { part })),
    notStarted: names.filter((n) => !finished.has(n) && !failed.has(n) && !started.has(n)),
  };
}

/** What a resumed run runs, and what it tells the user about the journal and the config. */
export interface ResumeSelection {
  /** The parts to plan and apply (the config's order). */
  readonly parts: readonly Part[];
  /** Parts the journal shows finished: skipped. */
  readonly finished: readonly string[];
  /** Parts of the run no longer in the config (not run). */
  readonly gone: readonly string[];
  /** Parts of the config the run did not know (it selected every part): planned as usual. */
  readonly added: readonly string[];
  /** The header of the resumed run's own journal. */
  readonly header: { readonly all: boolean; readonly parts: readonly { part: string; database: string }[]; readonly resumes: string; readonly finished_before: readonly string[] };
}

/**
 * The parts a resumed run runs, out of `parts` (every part of the config, a fleet expanded). A
 * journal of another config file is refused; parts that changed since (gone from the config, or
 * new in it) are named in the selection for the caller to say.
 */
export function resumeSelection(config: Pick<Config, 'file'>, parts: readonly Part[], journal: Journal, state: RunState): ResumeSelection {
  if (journal.header.config !== config.file) {
    throw usageError(`run ${state.run} is a run of ${journal.header.config}, not of ${config.file}`, `Resume it with -c ${journal.header.config}, or run \`pgv apply --resume\` for the newest run of this config.`);
  }
  const inRun = new Set(journal.header.parts.map((p) => p.part));
  const finished = new Set(state.finished);
  const byName = new Map(parts.map((p) => [p.name, p]));
  const gone = journal.header.parts.map((p) => p.part).filter((n) => !byName.has(n));
  const added = journal.header.all ? parts.map((p) => p.name).filter((n) => !inRun.has(n)) : [];
  const members = parts.filter((p) => inRun.has(p.name) || added.includes(p.name));
  return {
    parts: members.filter((p) => !finished.has(p.name)),
    finished: state.finished.filter((n) => byName.has(n)),
    gone,
    added,
    header: {
      all: journal.header.all,
      parts: members.map((p) => ({ part: p.name, database: p.dbname })),
      resumes: state.run,
      finished_before: state.finished.filter((n) => byName.has(n)),
    },
  };
}

/** The resumed run as `apply --resume` reports it (also in its --json, as `resumed`). */
export interface ResumeReport {
  readonly state: RunState;
  /** Every part of the run is finished (or gone from the config): nothing runs. */
  readonly nothing: boolean;
  /** Parts of the run that are no longer in the config (not run). */
  readonly gone: readonly string[];
  /** Parts new in the config since the run, which selected every part (planned as usual). */
  readonly added: readonly string[];
}
