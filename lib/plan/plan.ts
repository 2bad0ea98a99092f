/** The whole plan: every selected part, in an order that respects `after`. Pure. */
import type { Part } from '../config/types.js';
import { PgvError } from '../errors.js';
import { displayQualified } from '../db/ident.js';
import type { ScriptSet } from '../recipes/types.js';
import { planDeltasPart } from './plan-deltas-part.js';
import { planSchemaPart } from './plan-schema-part.js';
import type { ObservedPart, PartPlan, Plan } from './types.js';

/** Everything the planner needs about one part. */
export interface PartInput {
  readonly part: Part;
  readonly observed: ObservedPart;
  readonly scripts: ScriptSet;
  /** Changed scripts the user accepts (`--accept-changed`), by file name. */
  readonly accept?: ReadonlySet<string>;
  /** Stop at this version (`apply --to`). */
  readonly to?: string;
}

/** Plan every part; parts come out in dependency order, ties in config order. */
export function buildPlan(inputs: readonly PartInput[], planner: (input: PartInput) => PartPlan = planPart): Plan {
  const parts = orderParts(inputs.map((i) => i.part)).map((part) => {
    const input = inputs.find((i) => i.part.name === part.name)!;
    return planner(input);
  });
  return { parts };
}

/** Plan one part with its recipe's planner. */
export function planPart({ part, observed, scripts, accept, to }: PartInput): PartPlan {
  const options = { ...(accept ? { accept } : {}), ...(to !== undefined ? { to } : {}) };
  const replan = { planner: 'apply' as const, accept: [...(accept ?? [])], ...(to !== undefined ? { to } : {}) };
  switch (part.recipe) {
    case 'schema':
      return { ...planSchemaPart(part, observed, scripts, displayQualified(part.upgradesTable), options), replan };
    case 'deltas':
      return { ...planDeltasPart(part, observed, scripts, displayQualified(part.upgradesTable), options), replan };
  }
}

/** Topological order of parts by `after`, stable with respect to the given order. */
export function orderParts(parts: readonly Part[]): Part[] {
  const selected = new Set(parts.map((p) => p.name));
  const done = new Set<string>();
  const out: Part[] = [];
  const remaining = [...parts];
  while (remaining.length) {
    const index = remaining.findIndex((p) => p.after.every((d) => done.has(d) || !selected.has(d)));
    // Cycles are rejected when the config is loaded; this only guards against misuse.
    if (index < 0) throw new Error(`dependency cycle among parts ${remaining.map((p) => p.name).join(', ')}`);
    const [next] = remaining.splice(index, 1);
    out.push(next!);
    done.add(next!.name);
  }
  return out;
}

/** True when the plan would change nothing. */
export function isEmptyPlan(plan: Plan): boolean {
  return plan.parts.every((p) => p.steps.length === 0 && !p.unreachable);
}

/**
 * The refusal of `apply` when applied scripts changed since they ran (null when none did): the
 * database may not be what the scripts say, so nothing runs until the files are restored or the
 * change is accepted.
 */
export function changedScriptsRefusal(parts: readonly PartPlan[]): PgvError | null {
  const changed = parts.flatMap((p) => p.changed.filter((c) => c.change === 'modified').map((c) => ({ part: p.name, ...c })));
  if (changed.length === 0) return null;
  const names = parts.length === 1 ? `part ${parts[0]!.name}: ` : '';
  return new PgvError('refused', `${names}${changed.length} applied script${changed.length === 1 ? ' has' : 's have'} changed since ${changed.length === 1 ? 'it' : 'they'} ran`, {
    hint: `Restore the file${changed.length === 1 ? '' : 's'} as applied (git log shows ${changed.length === 1 ? 'it' : 'them'}), or accept the new content with ${changed.map((c) => `--accept-changed ${parts.length === 1 ? '' : `${c.part}:`}${c.script}`).join(' ')}.`,
    details: changed.map((c) => `${parts.length === 1 ? '' : `${c.part}: `}${c.script} (version ${c.version})${c.path ? `: ${c.path}` : ''}`),
    data: { changed: changed.map(({ path: _path, ...c }) => c) },
  });
}
