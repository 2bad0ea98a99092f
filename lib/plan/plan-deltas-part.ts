/**
 * The planner of a `deltas` part (pum): pending deltas are the unrecorded ones at or above the
 * current version, in version order, each version's pre, main and post; pre-all.sql and post-all.sql around
 * them when at least one runs. Pure.
 */
import type { Part } from '../config/types.js';
import type { Script, ScriptSet } from '../recipes/types.js';
import { acceptSteps, compareVersions, isRecorded, planFoundation } from './ledger-state.js';
import { done, runStep, type PlanOptions } from './plan-schema-part.js';
import type { ObservedPart, RecipePlan, Step } from './types.js';

/**
 * The deltas that will run, and those that will not although unrecorded. As pum does (seed 003:
 * "only the delta files with version greater or equal than the current version are applied"), an
 * unrecorded delta at the current version is due: after `baseline 1.0.0`, the 1.0.0 deltas run.
 * Recorded deltas never run again, whatever their version.
 */
export function deltaStatus(observed: ObservedPart, scripts: ScriptSet, current: string | null): { pending: Script[]; skipped: Script[] } {
  const pending: Script[] = [];
  const skipped: Script[] = [];
  // A pum 1.x module: pum applies the changelogs above the version it recorded (strictly); each
  // file pgv ran is recorded by name, so only a baseline (pum's version, or pgv baseline) holds back.
  const floor = scripts.pumModule ? baselineVersion(observed) : current;
  for (const s of scripts.updates) {
    if (recorded(observed, s)) continue;
    const cmp = floor === null ? 1 : compareVersions(s.version, floor);
    if (cmp > 0 || (cmp === 0 && !scripts.pumModule)) pending.push(s);
    else skipped.push(s);
  }
  return { pending, skipped };
}

/** The highest baseline a ledger records (pum 1.x's pum_migrations version is read as one). */
function baselineVersion(observed: ObservedPart): string | null {
  let best: string | null = null;
  for (const r of observed.ledger.rows) if (r.success && r.kind === 'baseline' && (best === null || compareVersions(r.version, best) > 0)) best = r.version;
  return best;
}

/**
 * Did the last upgrade end without its post-all.sql? (pgv's ledger records post-all.sql after every
 * upgrade; a delta recorded after the last such row means it failed or never ran.)
 */
function postAllOwed(observed: ObservedPart): boolean {
  if (observed.ledger.style !== 'pgv') return false;
  const rows = observed.ledger.rows;
  const last = (test: (r: (typeof rows)[number]) => boolean) => rows.reduce((at, r, i) => (r.success && test(r) ? i : at), -1);
  return last((r) => r.kind === 'pre' || r.kind === 'delta' || r.kind === 'post') > last((r) => r.kind === 'post-all');
}

/**
 * Recorded by pgv (by file name), or in a pum table as pum finds it: same version, phase and
 * language, and the same checksum (pum before 0.10) or description (pum 0.10), whatever the name.
 */
function recorded(observed: ObservedPart, s: Script): boolean {
  if (isRecorded(observed, s)) return true;
  if (observed.ledger.style !== 'pum') return false;
  const python = s.name.endsWith('.py');
  return observed.ledger.rows.some(
    (r) => r.success && r.kind === s.kind && (r.python ?? false) === python && compareVersions(r.version, s.version) === 0 && (r.checksum === s.md5 || r.description === (s.description ?? '')),
  );
}

/** Plan a `deltas` part. */
export function planDeltasPart(part: Part, observed: ObservedPart, scripts: ScriptSet, ledgerName: string, options: PlanOptions = {}): RecipePlan {
  const { steps, current } = planFoundation(part, observed, ledgerName);
  const accepted = acceptSteps(part, observed, scripts, options.accept ?? new Set());
  steps.push(...accepted.steps);
  const all = deltaStatus(observed, scripts, current).pending;
  const pending = all.filter((s) => options.to === undefined || compareVersions(s.version, options.to) <= 0);
  const held = all.length - pending.length;
  const heldByTo = held ? { heldByTo: held } : {};
  if (pending.length === 0) {
    if (scripts.postAll && postAllOwed(observed)) {
      const reason = 'post-all.sql of the last upgrade did not finish';
      if (scripts.preAll) steps.push({ ...runStep(part, scripts.preAll, `${reason}: runs again, with pre-all.sql`), version: current ?? scripts.preAll.version });
      steps.push({ ...runStep(part, scripts.postAll, `${reason}: runs again`), version: current ?? scripts.postAll.version });
    }
    return { ...done(part, current, current, steps, accepted.changed), ...heldByTo };
  }
  const mains = pending.filter((s) => s.kind === 'delta');
  const target = mains.length ? mains[mains.length - 1]!.version : current;
  const around = (script: Script, reason: string): Step => ({ ...runStep(part, script, reason), version: target ?? script.version });
  if (scripts.preAll) steps.push(around(scripts.preAll, 'runs before every upgrade that applies deltas'));
  let previous = current;
  for (const s of pending) {
    const reason =
      s.kind === 'pre'
        ? `runs before the delta of version ${s.version}`
        : s.kind === 'post'
          ? `runs after the delta of version ${s.version}`
          : previous !== null && compareVersions(previous, s.version) === 0
            ? `at version ${s.version} and not recorded (deltas at the current version are due, as in pum)`
            : `version ${previous ?? 'none'} -> ${s.version}`;
    steps.push(runStep(part, s, reason));
    if (s.kind === 'delta') previous = s.version;
  }
  if (scripts.postAll) steps.push(around(scripts.postAll, 'runs after every upgrade that applies deltas'));
  return { ...done(part, current, target, steps, accepted.changed), ...heldByTo };
}
