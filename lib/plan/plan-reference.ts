/** The plan of a reference built from a deltas part's `reference:` files, pure: the database, the ledger, each file in order. */
import { displayQualified } from '../db/ident.js';
import { planFoundation } from './ledger-state.js';
import type { PartInput } from './plan.js';
import { done, runStep } from './plan-schema-part.js';
import type { PartPlan } from './types.js';

/** Plan a reference build from `reference:` files (the scripts given are those files). */
export function planReferenceFiles({ part, observed, scripts }: PartInput): PartPlan {
  const { steps, current } = planFoundation(part, observed, displayQualified(part.upgradesTable));
  for (const s of scripts.updates) steps.push(runStep(part, s, 'reference: builds the current schema'));
  return { ...done(part, current, scripts.latest, steps, []), replan: { planner: 'reference' } };
}
