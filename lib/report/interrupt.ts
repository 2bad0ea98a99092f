/**
 * The line printed for each part when a run is interrupted (SIGINT/SIGTERM): what was running,
 * what became of it, and where the database is now (read again after the interrupt). Pure.
 */
import type { RunResult, PartResult } from '../exec/result.js';
import type { PartPlan } from '../plan/types.js';

/**
 * One line per part that did not finish. `now` is each part planned again after the interrupt
 * (null when its database could not be read).
 */
export function interruptLines(result: RunResult, now: ReadonlyMap<string, PartPlan | null>, command = 'apply'): string[] {
  return result.parts.filter((p) => p.status !== 'applied' && p.status !== 'unchanged').map((p) => `pgv: interrupted: ${partLine(p, now.get(p.name) ?? null, command)}`);
}

function partLine(p: PartResult, now: PartPlan | null, command: string): string {
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
    const which = done === undefined ? 'some of its statements may have completed' : done === 0 ? 'none of its statements had completed' : `${done === 1 ? 'statement 1' : `statements 1–${done}`}${total !== undefined ? ` of ${total}` : ''} had completed and ${done === 1 ? 'stays' : 'stay'}`;
    return `${p.name}: ${step.script} (outside a transaction) cancelled; ${which}; ${applied}; ${state}; settle it by hand, then pgv baseline ${p.name} --version ${step.version}`;
  }
  const name = step.kind === 'run-script' ? step.script : step.title;
  // A cancel that reached the server as the script committed: the ledger says so.
  const committed = step.kind === 'run-script' && now !== null && !now.steps.some((s) => s.kind === 'run-script' && s.script === step.script);
  return `${p.name}: ${name}: ${committed ? 'had committed before the cancel reached the server' : 'cancelled and rolled back'}; ${applied}; ${state}; ${next}`;
}

function stateOf(now: PartPlan): string {
  const pending = now.steps.filter((s) => s.kind === 'run-script').length;
  const at = now.current === null ? 'not initialised' : `at version ${now.current}`;
  return pending ? `${at}, ${pending} script${pending === 1 ? '' : 's'} pending` : `${at}, nothing pending`;
}
