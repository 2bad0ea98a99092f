/**
 * What `pgv info` tells about a part: its version, the ledger's history, what apply would run and
 * what changed. Pure: derived from the observation, the scripts and the part's planner.
 */
import type { Part } from '../config/types.js';
import { isPgvError } from '../errors.js';
import { changedScripts, currentVersion, describeUnfinished, unfinishedScript, type Unfinished } from './ledger-state.js';
import { deltaStatus } from './plan-deltas-part.js';
import type { ChangedScript, LedgerRow, ObservedPart, PartPlan } from './types.js';
import type { ScriptSet } from '../recipes/types.js';

/** The state of one part. */
export interface PartInfo {
  readonly name: string;
  readonly database: string;
  readonly recipe: string;
  readonly exists: boolean;
  /** The version the database is at; null when not initialised. */
  readonly version: string | null;
  /** Successful ledger rows, oldest first. */
  readonly applied: readonly LedgerRow[];
  /** Scripts apply would run, in order. */
  readonly pending: ReadonlyArray<{ readonly version: string; readonly script: string }>;
  readonly changed: readonly ChangedScript[];
  /** Deltas: unrecorded scripts below the current version, which apply will not run. */
  readonly skipped: ReadonlyArray<{ readonly version: string; readonly script: string }>;
  /** What stops apply (a script that never finished, tables without a ledger, …). */
  readonly problems: readonly string[];
  /** A `-- pgv:no-transaction` script that failed or was interrupted, not yet settled; null when none. */
  readonly unfinished: Unfinished | null;
}

/** Describe a part; `planner` plans it (from the same observation) to find what apply would run. */
export function partInfo(part: Part, observed: ObservedPart, scripts: ScriptSet, planner: (part: Part) => PartPlan): PartInfo {
  const problems: string[] = [];
  if (!observed.exists) problems.push(`database "${part.dbname}" does not exist${part.create ? '; apply creates it' : ' (create it, or set create: true)'}`);
  const row = unfinishedScript(observed);
  const unfinished = row ? describeUnfinished(part, observed, row) : null;
  let pending: PartInfo['pending'] = [];
  try {
    // A missing database is reported above; what would run in it is still worth showing.
    const plan = planner(observed.exists ? part : { ...part, create: true });
    pending = plan.steps.flatMap((s) => (s.kind === 'run-script' ? [{ version: s.version, script: s.script }] : []));
  } catch (e) {
    if (!isPgvError(e)) throw e;
    if (!unfinished) problems.push(e.message.replace(`part ${part.name}: `, ''));
  }
  if (unfinished) {
    const f = unfinished.failure;
    const how = f ? `outside a transaction, ${unfinished.state === 'failed' ? `at ${unfinished.installedAt}: ${f.error}` : `started at ${unfinished.installedAt}`}` : unfinished.state === 'failed' ? `outside a transaction (the statements before the failing one stay applied; ${unfinished.note})` : 'outside a transaction';
    problems.push(`${unfinished.summary} (${how}); settle it with \`${unfinished.finished}\` (finished by hand) or \`${unfinished.undone}\` (undone)`);
  }
  const changed = observed.exists ? changedScripts(observed, scripts) : [];
  if (changed.some((c) => c.change === 'modified')) problems.push('applied scripts changed since they ran: apply refuses until they are restored or accepted with --accept-changed');
  const skipped = part.recipe === 'deltas' && observed.exists ? deltaStatus(observed, scripts, currentVersion(observed)).skipped.map((s) => ({ version: s.version, script: s.name })) : [];
  return {
    name: part.name,
    database: part.dbname,
    recipe: part.recipe,
    exists: observed.exists,
    version: currentVersion(observed),
    applied: observed.ledger.rows.filter((r) => r.success),
    pending,
    changed,
    skipped,
    problems,
    unfinished,
  };
}
