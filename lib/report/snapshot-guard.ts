/** What the snapshot guard of `apply` (snapshot: before-apply) did, as text lines and JSON. Pure. */
import type { GuardOutcome } from '../snapshot/guard.js';

/** Report lines for the text output. Pure. */
export function guardLines(outcomes: readonly GuardOutcome[]): string[] {
  return outcomes.map((g) => {
    const head = `${g.part} (${g.database})`;
    if (g.reverted) return `${head}: reverted to snapshot revision ${g.before}, the state before apply; the failed state is kept as revision ${g.kept?.revision} (database ${g.kept?.database})`;
    if (g.revertError) return `${head}: could NOT revert to snapshot revision ${g.before}: ${g.revertError.message}; run pgv snapshot revert ${g.part} ${g.before} --keep --force`;
    return `${head}: snapshot revision ${g.before} taken before apply (pgv snapshot revert ${g.part} ${g.before} goes back)`;
  });
}

/** The `snapshots` entry of `apply --json`. Pure. */
export function guardJson(outcomes: readonly GuardOutcome[]): unknown[] {
  return outcomes.map((g) => ({
    part: g.part,
    database: g.database,
    before: g.before,
    reverted: g.reverted,
    ...(g.kept ? { kept: g.kept } : {}),
    ...(g.revertError ? { revert_error: g.revertError.toJSON() } : {}),
  }));
}
