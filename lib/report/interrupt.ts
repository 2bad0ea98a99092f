/**
 * The line printed for each part when a run is interrupted (SIGINT/SIGTERM): what was running,
 * what became of it, and where the database is now (read again after the interrupt). Pure.
 */
import type { RunResult, PartResult } from '../exec/result.js';
import type { Unfinished } from '../plan/ledger-state.js';
import type { PartPlan } from '../plan/types.js';
import { plural } from '../util/format.js';

/** A part as read again after the interrupt. */
export interface PartNow {
  /** The version its ledger gives (null: not initialised). */
  readonly current: string | null;
  /** The part planned again; null when the planner refuses (a script left unfinished, a changed script). */
  readonly plan: PartPlan | null;
  /** The scripts the ledger records as applied. */
  readonly applied: ReadonlySet<string>;
  /** A `-- pgv:no-transaction` script the ledger records as started and not finished. */
  readonly unfinished: Unfinished | null;
}

/**
 * One line per part that did not finish. `now` is each part read again after the interrupt
 * (null when its database could not be read).
 */
export function interruptLines(result: RunResult, now: ReadonlyMap<string, PartNow | null>, command = 'apply'): string[] {
  return result.parts.filter((p) => p.status !== 'applied' && p.status !== 'unchanged').map((p) => `pgv: interrupted: ${partLine(p, now.get(p.name) ?? null, command)}`);
}

function partLine(p: PartResult, now: PartNow | null, command: string): string {
  const failed = p.steps.find((s) => s.status === 'failed');
  const scripts = p.steps.filter((s) => s.status === 'done' && s.step.kind === 'run-script').map((s) => ('script' in s.step ? s.step.script : s.step.title));
  const applied = scripts.length === 0 ? 'nothing applied by this run' : `${scripts.length === 1 ? scripts[0] : `${scripts[0]}–${scripts[scripts.length - 1]}`} applied`;
  const state = now === null ? 'the database could not be read again' : stateOf(now);
  const next = `run pgv ${command} again`;
  if (!failed) return `${p.name}: not started; ${state}; ${next}`;
  const step = failed.step;
  const data = (p.error as { data?: Record<string, unknown> } | undefined)?.data ?? {};
  if (step.kind === 'run-script' && !step.transactional) {
    const done = typeof data.completed === 'number' ? data.completed : undefined;
    const total = typeof data.statements === 'number' ? data.statements : undefined;
    const at = done !== undefined && total !== undefined ? ` at statement ${done + 1} of ${total}` : '';
    const which = done === undefined ? 'some of its statements may have completed' : done === 0 ? 'none of its statements had completed' : `${done === 1 ? 'statement 1' : `statements 1–${done}`} had completed and ${done === 1 ? 'stays' : 'stay'}`;
    // The two baselines that settle it, from the ledger as read again (else from what the run knew).
    const u = now?.unfinished?.script === step.script ? now.unfinished : null;
    const finished = u?.finished ?? `pgv baseline ${p.name} --version ${step.version}`;
    const undone = u?.undone ?? (typeof data.before === 'string' ? `pgv baseline ${p.name} --version ${data.before}` : undefined);
    return `${p.name}: ${step.script} (outside a transaction) cancelled${at}; ${which}; ${applied}; ${state}; settle it by hand, then ${finished} (finished)${undone ? ` or ${undone} (undone)` : ''}`;
  }
  const name = step.kind === 'run-script' ? step.script : step.title;
  // A cancel that reached the server as the script committed: the ledger says so.
  const committed = step.kind === 'run-script' && now !== null && (now.plan ? !now.plan.steps.some((s) => s.kind === 'run-script' && s.script === step.script) : now.applied.has(step.script));
  return `${p.name}: ${name}: ${committed ? 'had committed before the cancel reached the server' : 'cancelled and rolled back'}; ${applied}; ${state}; ${next}`;
}

/** Where the database is: its version, and what is pending or left unfinished. */
function stateOf(now: PartNow): string {
  const at = now.current === null ? 'not initialised' : `at version ${now.current}`;
  if (now.unfinished) return `${at}, ${now.unfinished.script} unfinished (${now.unfinished.failure ? 'its ledger row records where it stopped' : 'its ledger row records only its start'})`;
  if (!now.plan) return at;
  const pending = now.plan.steps.filter((s) => s.kind === 'run-script').length;
  return pending ? `${at}, ${plural(pending, 'script')} pending` : `${at}, nothing pending`;
}
