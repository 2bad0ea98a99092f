/** What a trace measured, statement by statement, and the lock policy over it. Pure. */

/** The lock modes whose hold time is measured and can be limited (the ones that block writes). */
export const strongModes = ['AccessExclusiveLock', 'ExclusiveLock', 'ShareRowExclusiveLock', 'ShareLock'] as const;

/** `AccessExclusiveLock` → `access_exclusive` (the key of the `max_lock_ms` policy). */
export function policyKey(mode: string): string {
  return mode.replace(/Lock$/, '').replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
}

/** A lock a statement took on a relation. */
export interface TracedLock {
  readonly mode: string;
  readonly relation: string;
  /** r table, i index, m materialized view, t toast, p partitioned table, S sequence… (pg_class.relkind). */
  readonly kind: string;
  /** Size on disk before the rehearsal started (null: created during it). */
  readonly sizeBytes: number | null;
  /** pg_class.reltuples before the rehearsal (-1: never analyzed; null: created during it). */
  readonly rowsEstimate: number | null;
  /** Strong modes only: from the start of the statement until the lock was released (commit). */
  readonly heldMs?: number;
}

/** A relation whose file was replaced (its relfilenode changed): a full rewrite. */
export interface Rewrite {
  readonly relation: string;
  readonly kind: string;
  readonly sizeBytes: number | null;
}

/** One traced statement. */
export interface TracedStatement {
  readonly script: string;
  readonly line: number;
  /** The statement's first line (shortened). */
  readonly text: string;
  readonly durationMs: number;
  /** Locks taken by this statement (not held before it in its transaction). */
  readonly locks: readonly TracedLock[];
  readonly rewrites: readonly Rewrite[];
  /** The script ran outside a transaction: locks were sampled while it ran. */
  readonly sampled: boolean;
}

/** A trace: the statements in the order they ran. */
export interface Trace {
  readonly database: string;
  readonly statements: readonly TracedStatement[];
  readonly durationMs: number;
}

/** A lock held longer than the policy allows. */
export interface PolicyViolation {
  readonly script: string;
  readonly line: number;
  readonly mode: string;
  readonly relation: string;
  readonly heldMs: number;
  readonly limitMs: number;
}

/** The locks of a trace held longer than `maxLockMs` allows (by policy key). */
export function policyViolations(trace: Trace, maxLockMs: Readonly<Record<string, number>>): PolicyViolation[] {
  const out: PolicyViolation[] = [];
  for (const s of trace.statements) {
    for (const l of s.locks) {
      const limit = maxLockMs[policyKey(l.mode)];
      if (limit !== undefined && l.heldMs !== undefined && l.heldMs > limit) out.push({ script: s.script, line: s.line, mode: l.mode, relation: l.relation, heldMs: l.heldMs, limitMs: limit });
    }
  }
  return out;
}

/** The longest a strong lock of a statement was held (0 when it took none). */
export function blockingMs(s: TracedStatement): number {
  return Math.max(0, ...s.locks.map((l) => l.heldMs ?? 0));
}

/** Statements for the report: the blocking ones first (longest strong lock), then the slow ones. */
export function worstFirst(statements: readonly TracedStatement[]): TracedStatement[] {
  return [...statements].sort((a, b) => blockingMs(b) - blockingMs(a) || b.durationMs - a.durationMs);
}
