/** The `--json` form of a plan; described by schemas/pgv.plan.schema.json. Pure. */
import type { Finding } from '../lint/lint.js';
import type { Plan, Step } from '../plan/types.js';
import { displayQualified } from '../db/ident.js';
import { findingJson } from './lint-json.js';

/** A plan as the documented JSON document; `findings` (by step id) adds each script's lint findings. */
export function renderPlanJson(plan: Plan, findings?: ReadonlyMap<string, readonly Finding[]>): unknown {
  return {
    parts: plan.parts.map((p) => ({
      name: p.name,
      database: p.database,
      recipe: p.recipe,
      ledger: displayQualified(p.ledger),
      current: p.current,
      target: p.target,
      replan: p.replan,
      steps: p.steps.map((s) => {
        const lint = findings?.get(s.id);
        return lint ? { ...stepJson(s), lint: lint.map(findingJson) } : stepJson(s);
      }),
      changed: p.changed.map((c) => ({ version: c.version, script: c.script, change: c.change })),
      ...(p.unreachable ? { unreachable: p.unreachable } : {}),
    })),
  };
}

/** One step as JSON: kind, id, title, reason, and what the executor runs (script, version, checksum, ledger, database). */
export function stepJson(s: Step): Record<string, unknown> {
  return {
    kind: s.kind,
    id: s.id,
    title: s.title,
    reason: s.reason,
    ...('script' in s ? { script: s.script } : {}),
    ...('version' in s ? { version: s.version } : {}),
    ...(s.kind === 'run-script' ? { transactional: s.transactional } : {}),
    ...('checksum' in s ? { checksum: s.checksum } : {}),
    ...('ledger' in s ? { ledger: displayQualified(s.ledger) } : {}),
    ...(s.kind === 'create-ledger' ? { ledger: displayQualified(s.table) } : {}),
    ...(s.kind === 'create-database' ? { database: s.database } : {}),
  };
}
