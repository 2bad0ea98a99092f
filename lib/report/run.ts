/** Reports of a finished run: a summary per part, JSON, and the errors of failed parts. Pure. */
import { ExitCode, isPgvError } from '../errors.js';
import type { RunResult } from '../exec/result.js';
import type { GuardOutcome } from '../snapshot/guard.js';
import { guardJson, guardLines } from './snapshot-guard.js';
import { stepJson } from './plan-json.js';
import { renderError } from './error-text.js';
import { formatDuration } from '../util/format.js';
import type { AlreadyApplied } from '../run/saved-plan.js';

/** `this plan was already applied (ledger rows 3–4 are its steps)`. */
function alreadyText(a: AlreadyApplied): string {
  const rows = a.rows.length === 1 ? `ledger row ${a.rows[0]} is its step` : `ledger rows ${a.rows[0]}–${a.rows[a.rows.length - 1]} are its steps`;
  return a.meanwhile ? `this plan was applied by another run while this one waited for the lock (${rows})` : `this plan was already applied (${rows})`;
}

/** A run as text: one line per part, then a total (or, when it was interrupted, where to read what it left). */
function renderRunText(result: RunResult, interrupted: boolean, already: ReadonlyMap<string, AlreadyApplied>): string {
  const lines = result.parts.map((p) => {
    const head = `${p.name} (${p.database})`;
    const applied = p.status === 'unchanged' ? already.get(p.name) : undefined;
    if (applied) return `${head}: ${alreadyText(applied)}`;
    const done = p.steps.filter((s) => s.status === 'done');
    const last = [...done].reverse().find((s) => 'version' in s.step);
    // --to held scripts back: never "up to date".
    const held = p.heldByTo ? `stopped at ${p.version ?? 'none'} (--to); ${p.heldByTo} script${p.heldByTo === 1 ? '' : 's'} pending` : '';
    // The version as planned (an accepted change records the old script's version, not the database's).
    const version = p.version !== undefined ? p.version : last && 'version' in last.step ? last.step.version : null;
    switch (p.status) {
      case 'unchanged':
        return `${head}: ${held || 'up to date'}`;
      case 'applied':
        // `pgv baseline`: a ledger row recorded, nothing run.
        if (done.length > 0 && done.every((s) => s.step.kind === 'baseline' || s.step.kind === 'create-ledger')) return `${head}: baseline recorded in ${formatDuration(p.durationMs)}${version !== null ? `, now at version ${version}` : ''}`;
        return `${head}: ${done.length} step${done.length === 1 ? '' : 's'} applied in ${formatDuration(p.durationMs)}${held ? `, ${held}` : version !== null ? `, now at version ${version}` : ''}`;
      case 'failed': {
        const failed = p.steps.find((s) => s.status === 'failed');
        const how = (p.error as { code?: unknown } | undefined)?.code === 'interrupted' ? 'INTERRUPTED' : 'FAILED';
        const notRun = p.steps.filter((s) => s.status === 'not-run').length;
        return `${head}: ${how}${failed ? ` at ${failed.step.title}` : ''} (${done.length} step${done.length === 1 ? '' : 's'} applied before${notRun ? `; ${notRun} not run` : ''})`;
      }
      case 'skipped':
        return `${head}: skipped (${(p.error as { message?: string })?.message ?? 'not run'})`;
    }
  });
  const changed = result.parts.filter((p) => p.status === 'applied').length;
  lines.push(interrupted ? 'Interrupted; what each part left follows on stderr.' : result.ok ? (changed ? `Done in ${formatDuration(result.durationMs)}.` : already.size ? 'Nothing was applied.' : 'Nothing to do.') : 'Some parts failed; their errors follow on stderr.');
  return lines.join('\n');
}

/** A run as the `--json` document. */
function renderRunJson(result: RunResult, already: ReadonlyMap<string, AlreadyApplied>): unknown {
  return {
    ok: result.ok,
    duration_ms: Math.round(result.durationMs),
    parts: result.parts.map((p) => ({
      name: p.name,
      database: p.database,
      status: p.status,
      duration_ms: Math.round(p.durationMs),
      steps: p.steps.map((s) => ({ ...stepJson(s.step), status: s.status, duration_ms: Math.round(s.durationMs), ...(s.message ? { message: s.message } : {}) })),
      ...(already.has(p.name) && p.status === 'unchanged' ? { already_applied: { ledger_rows: already.get(p.name)!.rows, meanwhile: already.get(p.name)!.meanwhile } } : {}),
      ...(p.error !== undefined && p.status === 'failed' ? { error: isPgvError(p.error) ? p.error.toJSON() : { code: 'internal', message: (p.error as Error)?.message ?? String(p.error) } } : {}),
    })),
  };
}

/** What a command prints for a run (the CLI's CommandResult): exit code, text, --json document, stderr lines. */
export interface RunReport {
  readonly exitCode: number;
  readonly text: string;
  readonly json: Record<string, unknown>;
  readonly errors: readonly string[];
}

/** The report of a run and of the snapshot guard around it (and, for `apply --plan`, the parts the plan had already been applied to). */
export function renderRunReport(
  outcome: { readonly result: RunResult; readonly snapshots: readonly GuardOutcome[]; readonly notes: readonly string[]; readonly interrupted?: readonly string[]; readonly alreadyApplied?: readonly AlreadyApplied[] },
  verbose: boolean,
): RunReport {
  const { result, snapshots, notes, interrupted } = outcome;
  const already = new Map((outcome.alreadyApplied ?? []).map((a) => [a.part, a]));
  const internal = result.parts.some((p) => p.status === 'failed' && p.error !== undefined && !isPgvError(p.error));
  // The JSON document lists every step: built only when asked for (--json), a thousand steps are not free.
  let json: Record<string, unknown> | undefined;
  return {
    exitCode: interrupted ? ExitCode.interrupted : result.ok ? ExitCode.ok : internal ? ExitCode.internal : ExitCode.failed,
    get json() {
      return (json ??= { ...(renderRunJson(result, already) as Record<string, unknown>), ...(snapshots.length ? { snapshots: guardJson(snapshots) } : {}) });
    },
    text: [renderRunText(result, interrupted !== undefined, already), ...guardLines(snapshots)].join('\n'),
    errors: [...notes.map((n) => `pgv: note: ${n}`), ...(interrupted ?? runErrors(result, verbose))],
  };
}

/** The errors of failed parts, for stderr. */
function runErrors(result: RunResult, verbose: boolean): string[] {
  return result.parts.filter((p) => p.status === 'failed' && p.error !== undefined).flatMap((p) => renderError(p.error, verbose));
}
