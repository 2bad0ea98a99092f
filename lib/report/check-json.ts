/** The `--json` form of a check; described by schemas/pgv.check.schema.json. Pure. */
import type { Comparison } from '../check/model.js';

/** Render a comparison as the JSON document (db1/db2 describe the two databases, no passwords). */
export function renderCheckJson(result: Comparison, databases: { db1: string; db2: string }): unknown {
  return {
    identical: result.identical,
    databases,
    kinds: result.summary.map((s) => s.kind),
    summary: result.summary.map((s) => ({ kind: s.kind, db1: s.db1, db2: s.db2, only_in_1: s.onlyIn1, only_in_2: s.onlyIn2, different: s.different })),
    differences: result.differences.map((d) => ({
      kind: d.kind,
      name: d.name,
      change: d.change,
      ...(d.db1 ? { db1: d.db1 } : {}),
      ...(d.db2 ? { db2: d.db2 } : {}),
    })),
  };
}
