/**
 * Guarded apply: for parts with `snapshot: before-apply`, commit a snapshot before any script
 * runs, and when the part fails, revert to it, keeping the failed state as its own revision for
 * inspection. Even a script outside a transaction (CREATE INDEX CONCURRENTLY …) then cannot leave
 * a half-upgraded database behind. `pgv apply --no-snapshot` skips it for one run.
 */
import { PgvError, isPgvError } from '../errors.js';
import { isInterrupted } from '../db/cancel.js';
import type { ConnectionSpec } from '../db/connection.js';
import type { PartResult, RunResult } from '../exec/result.js';
import type { PartPlan, Plan } from '../plan/types.js';
import { withSnapshotSession, type SnapshotSession } from './admin.js';
import { recoverInterrupted } from './journal.js';

/** A part apply is about to change. */
export interface GuardCandidate {
  readonly plan: PartPlan;
  readonly spec: ConnectionSpec;
  /** Guard snapshots to keep; older ones are dropped after the new one is taken. */
  readonly keep: number;
}

/** What the guard did for one part. */
export interface GuardOutcome {
  readonly part: string;
  readonly database: string;
  /** The snapshot taken before apply. */
  readonly before: number;
  readonly reverted: boolean;
  /** The failed state, kept as a snapshot. */
  readonly kept?: { readonly revision: number; readonly database: string };
  /** Why the automatic revert failed. */
  readonly revertError?: PgvError;
}

/** Options of the guard. */
export interface GuardOptions {
  readonly lockTimeoutMs: number;
  /** Notes for stderr (recovered interruptions, parts not guarded). */
  readonly note: (line: string) => void;
}

/** The parts to guard: `snapshot: before-apply`, with steps to run, on a database that exists already. */
export function partsToGuard(plan: Plan, parts: ReadonlyMap<string, { readonly part: { readonly snapshot: boolean; readonly snapshotKeep?: number }; readonly spec: ConnectionSpec }>): GuardCandidate[] {
  return plan.parts
    .filter((p) => parts.get(p.name)?.part.snapshot === true && p.steps.length > 0 && !p.steps.some((s) => s.kind === 'create-database'))
    .map((p) => ({ plan: p, spec: parts.get(p.name)!.spec, keep: parts.get(p.name)!.part.snapshotKeep ?? defaultGuardKeep }));
}

/** Guard snapshots kept per part when the config does not say (`snapshot: {mode: before-apply, keep: N}`). */
const defaultGuardKeep = 3;

/** The messages of the guard's snapshots: the state before an apply, and the failed state after one. */
const guardMessages = ['before pgv apply: ', 'failed pgv apply: '];

/** The guard snapshots beyond the newest `keep` (tagged ones are the user's: never). Pure. */
function guardSnapshotsToDrop(snapshots: readonly { revision: number; message?: string; tag?: string }[], keep: number): number[] {
  const guards = snapshots.filter((s) => s.tag === undefined && guardMessages.some((m) => s.message?.startsWith(m))).sort((a, b) => b.revision - a.revision);
  return guards.slice(Math.max(1, keep)).map((s) => s.revision).sort((a, b) => a - b);
}

/** Commit before `run`, revert the parts that failed after it. */
export async function guardedRun(guarded: readonly GuardCandidate[], o: GuardOptions, run: () => Promise<RunResult>): Promise<{ result: RunResult; outcomes: GuardOutcome[] }> {
  const before = new Map<string, number>();
  for (const c of guarded) before.set(c.plan.name, await commitBefore(c, o));
  const result = await run();
  const outcomes: GuardOutcome[] = [];
  for (const c of guarded) {
    const part = result.parts.find((p) => p.name === c.plan.name);
    const revision = before.get(c.plan.name)!;
    const base = { part: c.plan.name, database: c.plan.database, before: revision };
    // Interrupted: the cancelled script was rolled back; no revert behind the user's Ctrl-C (the line says how to go back).
    if (!part || part.status !== 'failed' || part.steps.length === 0 || isInterrupted(part.error)) {
      outcomes.push({ ...base, reverted: false });
      continue;
    }
    try {
      outcomes.push({ ...base, reverted: true, ...(await revertAfter(c, revision, part, o)) });
    } catch (e) {
      if (!isPgvError(e)) throw e;
      outcomes.push({ ...base, reverted: false, revertError: e });
    }
  }
  return { result: withRevertHints(result, outcomes), outcomes };
}

/** A reverted part's error: the script's hint ("fix it by hand") no longer applies; say what pgv did. */
function withRevertHints(result: RunResult, outcomes: readonly GuardOutcome[]): RunResult {
  const reverted = new Map(outcomes.filter((g) => g.reverted).map((g) => [g.part, g]));
  if (reverted.size === 0) return result;
  const parts = result.parts.map((p) => {
    const g = reverted.get(p.name);
    if (!g || !isPgvError(p.error)) return p;
    const e = p.error;
    const hint = `pgv reverted "${g.database}" to snapshot revision ${g.before}, the state before apply; the failed state is kept as revision ${g.kept?.revision} (database ${g.kept?.database}) for inspection. Fix the script and run apply again.`;
    return { ...p, error: new PgvError(e.code, e.message, { hint, details: [...e.detailLines], data: { ...e.data }, cause: e }) };
  });
  return { ...result, parts };
}

async function commitBefore(c: GuardCandidate, o: GuardOptions): Promise<number> {
  const { commitSnapshot, initVersioning } = await import('./commit.js');
  try {
    return await withSnapshotSession(c.spec, { action: 'commit (before apply)', lockTimeoutMs: o.lockTimeoutMs }, async (s) => {
      for (const n of await recoverInterrupted(s)) o.note(n);
      await initVersioning(s);
      const steps = c.plan.steps.map((st) => st.title).join(', ');
      const r = await commitSnapshot(s, { message: `${guardMessages[0]}${steps}`, force: false, strategy: 'auto' });
      await purgeOldGuards(s, c, o);
      return r.snapshot.revision;
    });
  } catch (e) {
    if (!isPgvError(e)) throw e;
    throw new PgvError(e.code, `part ${c.plan.name}: cannot take the snapshot before apply (snapshot: before-apply): ${e.message}`, {
      hint: `Nothing was applied. ${e.hint ?? ''} Or skip the snapshot for this run: pgv apply --no-snapshot.`.trim(),
      details: [...e.detailLines],
      data: { ...e.data, part: c.plan.name },
    });
  }
}

async function revertAfter(c: GuardCandidate, revision: number, part: PartResult, o: GuardOptions): Promise<Pick<GuardOutcome, 'kept'>> {
  const { revertTo } = await import('./revert.js');
  const why = (part.error as Error | undefined)?.message ?? 'failed';
  // --force: sessions that connected to a half-upgraded database are worse off than terminated ones.
  const r = await withSnapshotSession(c.spec, { action: 'revert (after a failed apply)', lockTimeoutMs: o.lockTimeoutMs }, (s) =>
    revertTo(s, { target: { kind: 'revision', revision }, force: true, strategy: 'auto', keep: true, keepMessage: `${guardMessages[1]}${why}` }),
  );
  return r.kept ? { kept: r.kept } : {};
}

/** Drop the guard snapshots beyond the part's `keep` (each is a full copy of the database). */
async function purgeOldGuards(s: SnapshotSession, c: GuardCandidate, o: GuardOptions): Promise<void> {
  const { readHistory } = await import('./metadata.js');
  const { purgeSnapshots } = await import('./manage.js');
  const revisions = guardSnapshotsToDrop((await readHistory(s.db, s.working)).snapshots, c.keep);
  if (!revisions.length) return;
  const r = await purgeSnapshots(s, { filter: { all: false, keepTags: true, revisions }, yes: true, force: false });
  const names = r.dropped.map((d) => d.revision).join(', ');
  if (names) o.note(`${c.plan.name}: dropped guard snapshot${r.dropped.length === 1 ? '' : 's'} ${names} of "${s.working}" (keeping the newest ${c.keep}; snapshot: {keep: N} changes it)`);
  for (const f of r.failed) o.note(`${c.plan.name}: could not drop guard snapshot ${f.snapshot.revision} (${f.error.message}); pgv snapshot purge drops it by hand`);
}

