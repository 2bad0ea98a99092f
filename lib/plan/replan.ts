/**
 * The replan step of a run, pure: under the part's lock the executor has read the ledger again,
 * and plans with what the plan says (`PartPlan.replan`: the planner and the user's wishes). Also
 * what changed against the plan made before the lock, for the `part-replanned` event.
 */
import type { Part } from '../config/types.js';
import { displayQualified } from '../db/ident.js';
import type { ScriptSet } from '../recipes/types.js';
import { planBaseline } from './plan-baseline.js';
import { planPart } from './plan.js';
import { planReferenceFiles } from './plan-reference.js';
import type { ObservedPart, PartPlan } from './types.js';

/** Plan `plan`'s part again from a fresh observation, with the planner and wishes the plan carries. */
export function replanPart(plan: PartPlan, input: { readonly part: Part; readonly observed: ObservedPart; readonly scripts: ScriptSet }): PartPlan {
  const { part, observed, scripts } = input;
  const r = plan.replan;
  switch (r.planner) {
    case 'apply':
      return planPart({ part, observed, scripts, ...(r.accept.length ? { accept: new Set(r.accept) } : {}), ...(r.to !== undefined ? { to: r.to } : {}) });
    case 'baseline':
      return planBaseline(part, observed, r.version, displayQualified(part.upgradesTable));
    case 'reference':
      return planReferenceFiles({ part, observed, scripts });
    case 'saved':
      // The executor verified under the lock that nothing moved since the plan was saved.
      return plan;
  }
}

/** What the replan changed: the planned steps it dropped (done meanwhile) and the steps it added, by id. */
export function replanChanges(before: PartPlan, after: PartPlan): { dropped: string[]; added: string[] } {
  const was = new Set(before.steps.map((s) => s.id));
  const now = new Set(after.steps.map((s) => s.id));
  return { dropped: [...was].filter((id) => !now.has(id)), added: [...now].filter((id) => !was.has(id)) };
}
