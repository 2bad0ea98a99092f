/** The `--json` form of a trace; described by schemas/pgv.trace.schema.json. Pure. */
import { blockingMs, policyKey, worstFirst, type PolicyViolation, type Trace } from '../trace/model.js';

const ms = (n: number) => Math.round(n * 10) / 10;

/** A traced lock as the JSON document has it. */
export interface TraceLockJson {
  readonly mode: string;
  readonly relation: string;
  readonly kind: string;
  readonly size_bytes: number | null;
  readonly rows_estimate: number | null;
  readonly held_ms?: number;
}

/**
 * The `trace` member of `pgv trace --json` (schemas/pgv.trace.schema.json): the same document is
 * a saved plan's `parts[].trace` (`pgv plan -o FILE --trace`).
 */
export interface TraceJson {
  readonly database: string;
  readonly duration_ms: number;
  readonly statements: ReadonlyArray<{
    readonly script: string;
    readonly line: number;
    readonly text: string;
    readonly duration_ms: number;
    readonly blocking_ms: number;
    readonly sampled: boolean;
    readonly locks: readonly TraceLockJson[];
    readonly rewrites: ReadonlyArray<{ readonly relation: string; readonly kind: string; readonly size_bytes: number | null }>;
  }>;
  readonly worst: readonly string[];
  readonly policy: {
    readonly ok: boolean;
    readonly violations: ReadonlyArray<{ readonly script: string; readonly line: number; readonly mode: string; readonly policy: string; readonly relation: string; readonly held_ms: number; readonly limit_ms: number }>;
  };
}

/** A trace and its policy verdict as the documented JSON document (statements in the order they ran). */
export function renderTraceJson(trace: Trace, violations: readonly PolicyViolation[]): TraceJson {
  return {
    database: trace.database,
    duration_ms: ms(trace.durationMs),
    statements: trace.statements.map((s) => ({
      script: s.script,
      line: s.line,
      text: s.text,
      duration_ms: ms(s.durationMs),
      blocking_ms: ms(blockingMs(s)),
      sampled: s.sampled,
      locks: s.locks.map((l) => ({ mode: l.mode, relation: l.relation, kind: l.kind, size_bytes: l.sizeBytes, rows_estimate: l.rowsEstimate, ...(l.heldMs !== undefined ? { held_ms: ms(l.heldMs) } : {}) })),
      rewrites: s.rewrites.map((r) => ({ relation: r.relation, kind: r.kind, size_bytes: r.sizeBytes })),
    })),
    worst: worstFirst(trace.statements).slice(0, 5).map((s) => `${s.script}:${s.line}`),
    policy: { ok: violations.length === 0, violations: violations.map((v) => ({ script: v.script, line: v.line, mode: v.mode, policy: policyKey(v.mode), relation: v.relation, held_ms: ms(v.heldMs), limit_ms: v.limitMs })) },
  };
}
