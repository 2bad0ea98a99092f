/** The `--json` form of a trace; described by schemas/pgv.trace.schema.json. Pure. */
import { blockingMs, policyKey, worstFirst, type PolicyViolation, type Trace } from '../trace/model.js';

const ms = (n: number) => Math.round(n * 10) / 10;

/** A trace and its policy verdict as the documented JSON document (statements in the order they ran). */
export function renderTraceJson(trace: Trace, violations: readonly PolicyViolation[]): Record<string, unknown> {
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
